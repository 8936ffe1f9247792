// The admin's control plane with a real gateway process (the built `rustronaut gateway --admin`): enrolment, a
// resource change proxied within 1 s of its commit, and fail-static serving while the admin is down.
import { gateways, newId, organizations, resources } from '@rustronaut/db';
import {
  freePorts,
  makeTempDir,
  spawnNode,
  startHttpUpstream,
  type HttpUpstream,
  type NodeProcess,
  type TempDir,
} from '@rustronaut/testkit';
import type { ChildProcess } from 'node:child_process';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startControlPlane, type TestControlPlane } from '../../test/control-plane.js';
import { testDrivers } from '../../test/harness.js';
import type { AdminContext } from '../context.js';
import { createGateway } from '../modules/gateways/service.js';
import { bumpConfigVersion } from './config-changes.js';

const CLI = fileURLToPath(new URL('../../../cli/dist/main.js', import.meta.url));

describe.each(testDrivers())('[$name] a gateway process managed by the admin', (driver) => {
  let plane: TestControlPlane;
  let ctx: AdminContext;
  let orgId: string;
  let upstream: HttpUpstream;
  let tmp: TempDir;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    plane = await startControlPlane(driver);
    ctx = plane.ctx;
    orgId = newId();
    await ctx.db.insert(organizations).values({ id: orgId, name: 'Org', slug: `org-${orgId}` });
    upstream = await startHttpUpstream({ name: 'private-app' });
    tmp = await makeTempDir('rustronaut-agent-e2e-');
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await plane.close();
    await upstream.close();
    await tmp.remove();
  });

  /** Runs `rustronaut gateway --admin` as a process; resolves once its ops listener answers. */
  async function gatewayProcess(ports: { http: number; ops: number }, args: string[]): Promise<NodeProcess> {
    const gateway = spawnNode(CLI, ['gateway', '--admin', plane.apiUrl, ...args], {
      RUSTRONAUT_DATA_DIR: join(tmp.path, 'data'),
      RUSTRONAUT_GATEWAY_HTTP_LISTEN: `127.0.0.1:${String(ports.http)}`,
      RUSTRONAUT_GATEWAY_OPS_LISTEN: `127.0.0.1:${String(ports.ops)}`,
      RUSTRONAUT_LOG_FORMAT: 'json',
    });
    const { child } = gateway;
    children.push(child);
    await vi.waitFor(
      async () => {
        if (child.exitCode !== null) {
          throw new Error(`the gateway exited ${String(child.exitCode)}:\n${gateway.output()}`);
        }
        await request(`http://127.0.0.1:${String(ports.ops)}/healthz`).then((r) => r.body.dump());
      },
      { timeout: 15_000, interval: 100 },
    );
    return gateway;
  }
  const get = async (port: number, host: string) => {
    const res = await request(`http://127.0.0.1:${String(port)}/hello`, { headers: { host } });
    return { status: res.statusCode, body: await res.body.text() };
  };
  const readyz = async (port: number) => {
    const res = await request(`http://127.0.0.1:${String(port)}/readyz`);
    await res.body.dump();
    return res.statusCode;
  };

  it('enrols, proxies a new resource within 1 s of its commit, and serves its saved snapshot while the admin is down', async () => {
    const created = await createGateway(ctx, orgId, 'edge-e2e', { actor: { type: 'system', id: null }, ip: '' });
    const tokenFile = join(tmp.path, 'token');
    await writeFile(tokenFile, `${created.enrolToken}\n`, { mode: 0o600 });
    const [http = 0, ops = 0] = await freePorts(2);
    const ports = { http, ops };
    const first = await gatewayProcess(ports, ['--enrol-token-file', tokenFile]);
    await vi.waitFor(async () => expect(await readyz(ports.ops)).toBe(200), { timeout: 10_000, interval: 50 });
    expect((await stat(join(tmp.path, 'data', 'gateway', 'key.pem'))).mode & 0o777).toBe(0o600);

    const host = 'app.e2e.test';
    expect((await get(ports.http, host)).status).toBe(404);
    await ctx.db.transaction(async (tx) => {
      await tx.insert(resources).values({
        id: newId(),
        orgId,
        name: 'app',
        kind: 'http',
        host,
        targets: [{ url: upstream.url }],
        options: { public: true },
      });
      await bumpConfigVersion(tx, orgId);
    });
    ctx.changes.notify(orgId);
    await vi.waitFor(async () => expect((await get(ports.http, host)).body).toContain('"name":"private-app"'), {
      timeout: 1000,
      interval: 20,
    });
    await vi.waitFor(
      async () => {
        const [row] = await ctx.db.select().from(gateways).where(eq(gateways.id, created.gateway.id));
        expect(row).toMatchObject({ configVersion: 1, agentVersion: expect.any(String) });
        expect(row?.lastSeenAt).not.toBeNull();
      },
      { timeout: 5000 },
    );

    // The admin goes away; the gateway restarts without it (and without a token) and serves the saved snapshot.
    await plane.control.close();
    await plane.api.close();
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('enrolled with the admin');
    expect(first.output()).not.toContain(created.enrolToken);
    const second = await gatewayProcess(ports, []);
    await vi.waitFor(async () => expect(await readyz(ports.ops)).toBe(200), { timeout: 10_000, interval: 50 });
    expect((await get(ports.http, host)).body).toContain('"name":"private-app"');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    // Logs are written in batches; after the exit they are all out.
    expect(second.output()).toContain('serving the saved snapshot until the admin answers');
  });
});
