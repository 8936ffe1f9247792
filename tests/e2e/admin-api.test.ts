// Acceptance of the admin API as a user meets it: a fresh `rustronaut start`, then curl-like calls.
import { freePorts, makeTempDir, startHttpUpstream, type TempDir } from '@rustronaut/testkit';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, waitForOk, type CliProcess } from './cli-process.js';

let tmp: TempDir;
beforeAll(async () => {
  tmp = await makeTempDir('rustronaut-e2e-admin-');
});
afterAll(() => tmp.remove());

async function startFresh(
  name: string,
  env: Record<string, string> = {},
): Promise<{ proc: CliProcess; api: string; gateway: string }> {
  const [admin, control, http, ops] = await freePorts(4);
  const proc = runCli(['start'], {
    // The tunnel hub is tests/e2e/tunnel.test.ts's, in its own namespaces: none in the host's from here.
    RUSTRONAUT_TUNNEL_HUB: 'off',
    RUSTRONAUT_DATA_DIR: join(tmp.path, name),
    RUSTRONAUT_ADMIN_LISTEN: `127.0.0.1:${String(admin)}`,
    RUSTRONAUT_ADMIN_CONTROL_LISTEN: `127.0.0.1:${String(control)}`,
    RUSTRONAUT_GATEWAY_HTTP_LISTEN: `127.0.0.1:${String(http)}`,
    RUSTRONAUT_GATEWAY_OPS_LISTEN: `127.0.0.1:${String(ops)}`,
    ...env,
  });
  const api = `http://127.0.0.1:${String(admin)}`;
  await waitForOk(`${api}/readyz`, 60_000);
  return { proc, api, gateway: `http://127.0.0.1:${String(http)}` };
}

/** Waits until the process has printed a line matching `pattern`; returns the first group. */
async function waitForOutput(proc: CliProcess, pattern: RegExp, deadlineMs: number): Promise<string | undefined> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const found = pattern.exec(proc.output())?.[1];
    if (found !== undefined || Date.now() > until) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** GET with a chosen Host header (fetch does not allow setting it). */
function rawGet(url: string, host: string): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function stop(proc: CliProcess): Promise<void> {
  proc.child.kill('SIGTERM');
  expect(await proc.exited).toBe(0);
}

async function call(api: string, method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Requests `url` with a Host header until the gateway answers and routes it, or throws after `deadlineMs`. */
async function waitForGateway(url: string, host: string, deadlineMs: number) {
  const until = Date.now() + deadlineMs;
  for (;;) {
    // Refused while the gateway is still starting; 404 until the snapshot with the route arrives.
    const res = await rawGet(url, host).catch(() => ({ status: 0 }));
    if (res.status !== 404 && res.status !== 0) return res;
    if (Date.now() > until) throw new Error(`${host} was not routed within ${String(deadlineMs)} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the admin API on a fresh start', () => {
  it('with RUSTRONAUT_ADMIN_EMAIL/PASSWORD: log in, create an org, create a resource, list it; the gateway serves it', async () => {
    const email = 'me@example.com';
    const password = 'a long passphrase';
    const upstream = await startHttpUpstream({ name: 'grafana' });
    const { proc, api, gateway } = await startFresh('owner', {
      RUSTRONAUT_ADMIN_EMAIL: email,
      RUSTRONAUT_ADMIN_PASSWORD: password,
    });
    try {
      const login = await call(api, 'POST', '/api/v1/auth/login', undefined, { email, password });
      expect(login.status).toBe(200);
      const token = login.body.accessToken as string;
      const org = await call(api, 'POST', '/api/v1/orgs', token, { name: 'Home lab', slug: 'home-lab' });
      expect(org.status).toBe(201);
      const orgId = org.body.id as string;
      const resource = await call(api, 'POST', `/api/v1/orgs/${orgId}/resources`, token, {
        name: 'grafana',
        kind: 'http',
        host: 'grafana.home.example',
        targets: [{ url: 'http://10.0.0.5:3000' }],
      });
      expect(resource.status).toBe(201);
      const list = await call(api, 'GET', `/api/v1/orgs/${orgId}/resources?limit=10`, token);
      expect(list.status).toBe(200);
      expect(list.body.items).toEqual([
        expect.objectContaining({ id: resource.body.id, host: 'grafana.home.example' }),
      ]);
      expect(list.body.nextCursor).toBeNull();
      // The built-in gateway is the `local` gateway of the first organisation ("Default"): a public resource
      // there is served within moments of its creation.
      const me = await call(api, 'GET', '/api/v1/me', token);
      const defaultOrg = (me.body.memberships as Array<{ orgId: string; orgName: string }>).find(
        (m) => m.orgName === 'Default',
      )?.orgId;
      const published = await call(api, 'POST', `/api/v1/orgs/${defaultOrg ?? ''}/resources`, token, {
        name: 'app',
        kind: 'http',
        host: 'app.home.example',
        targets: [{ url: upstream.url }],
        options: { public: true },
      });
      expect(published.status).toBe(201);
      const served = await waitForGateway(`${gateway}/hello`, 'app.home.example', 10_000);
      expect(served.status).toBe(200);
      expect(upstream.received.at(-1)?.url).toBe('/hello');
      const gateways = await call(api, 'GET', `/api/v1/orgs/${defaultOrg ?? ''}/gateways`, token);
      expect(gateways.body.items).toEqual([expect.objectContaining({ name: 'local', enrolled: true })]);
      // The password never reaches the log.
      expect(proc.output()).not.toContain(password);
    } finally {
      await stop(proc);
      await upstream.close();
    }
  }, 120_000);

  it('without them: prints a one-time setup link that creates the owner once', async () => {
    const { proc, api } = await startFresh('setup');
    try {
      const link = await waitForOutput(proc, /"setupLink":"([^"]+)"/, 10_000);
      expect(link).toMatch(/\/setup\?token=[\w-]+$/);
      const token = new URL(link ?? '').searchParams.get('token');
      const body = { token, email: 'first@example.com', password: 'another long passphrase' };
      expect((await call(api, 'POST', '/api/v1/auth/setup', undefined, body)).status).toBe(201);
      expect(
        (await call(api, 'POST', '/api/v1/auth/setup', undefined, { ...body, email: 'again@example.com' })).status,
      ).toBe(401);
      const login = await call(api, 'POST', '/api/v1/auth/login', undefined, {
        email: body.email,
        password: body.password,
      });
      expect(login.status).toBe(200);
      const me = await call(api, 'GET', '/api/v1/me', login.body.accessToken as string);
      expect(me.body.memberships).toEqual([expect.objectContaining({ orgName: 'Default', roles: ['owner'] })]);
    } finally {
      await stop(proc);
    }
  }, 120_000);
});
