// Reloads swap the configuration under load without failing a request; SIGTERM-style close drains.
import { startHttpUpstream, type HttpUpstream } from '@rustronaut/testkit';
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../test/start-test-gateway.js';

let slow: HttpUpstream;
let fast: HttpUpstream;
let gw: TestGateway;
const client = new Agent({ connections: 300 });

const config = (extra = '') => `
routes:
  - name: slow
    match: { host: slow.test }
    upstreams: [{ url: "${slow.url}" }]
    access: public
${extra}`;

beforeAll(async () => {
  slow = await startHttpUpstream({
    name: 'slow',
    handler: (req, res) => setTimeout(() => res.end(`done ${req.url ?? ''}`), 800),
  });
  fast = await startHttpUpstream({ name: 'fast' });
  gw = await startTestGateway(config(), {}, true);
});
afterAll(async () => {
  await client.close();
  await Promise.all([slow.close(), fast.close()]);
});

const inFlight = (n: number) =>
  Array.from({ length: n }, async (_, i) => {
    const res = await request(`${gw.base}/r${String(i)}`, { headers: { host: 'slow.test' }, dispatcher: client });
    return { status: res.statusCode, body: await res.body.text() };
  });

describe('reload', () => {
  it('keeps 200 concurrent slow requests alive across a reload that adds a route', async () => {
    const pending = inFlight(200);
    await new Promise((r) => setTimeout(r, 200));
    writeFileSync(
      gw.file,
      config(
        `  - name: fast\n    match: { host: fast.test }\n    upstreams: [{ url: "${fast.url}" }]\n    access: public\n`,
      ),
    );
    expect(await gw.reload()).toEqual({ ok: true, version: expect.any(Number) as number });
    const results = await Promise.all(pending);
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    expect(results.map((r) => r.body)).toContain('done /r199');
    const res = await request(`${gw.base}/`, { headers: { host: 'fast.test' }, dispatcher: client });
    expect(res.statusCode).toBe(200);
    await res.body.text();
  });

  it('keeps the old configuration when the new file is invalid, and says why', async () => {
    const version = gw.version();
    writeFileSync(gw.file, 'routes:\n  - name: Bad Name\n    access: public\n');
    const result = await gw.reload();
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toContain('gateway.yaml:2: routes[0].name: expected a lowercase name');
    expect(gw.version()).toBe(version);
    const res = await request(`${gw.base}/`, { headers: { host: 'slow.test' }, dispatcher: client });
    expect(res.statusCode).toBe(200);
    await res.body.text();
    expect(await gw.metricsText()).toMatch(/rustronaut_gateway_config_reloads_total\{result="failure"\} [1-9]/);
  });

  it('reloads by itself when the file changes', async () => {
    const version = gw.version();
    writeFileSync(gw.file, config());
    const deadline = Date.now() + 5000;
    while (gw.version() === version && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(gw.version()).toBeGreaterThan(version);
    expect(await gw.metricsText()).toContain(`rustronaut_gateway_config_version ${String(gw.version())}`);
  });

  it('drains: closing with 200 slow requests in flight completes all of them, then refuses new ones', async () => {
    const pending = inFlight(200);
    await new Promise((r) => setTimeout(r, 200));
    const closed = gw.close();
    const results = await Promise.all(pending);
    await closed;
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    await expect(fetch(`${gw.base}/`)).rejects.toThrow();
  });
});
