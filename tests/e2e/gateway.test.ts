// The standalone gateway as a real process: SIGHUP reloads its file, SIGTERM drains in-flight requests.
import { freePorts, makeTempDir, startHttpUpstream, type HttpUpstream, type TempDir } from '@rustronaut/testkit';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-process.js';

let tmp: TempDir;
let slow: HttpUpstream;
let other: HttpUpstream;
beforeAll(async () => {
  tmp = await makeTempDir('rustronaut-gw-e2e-');
  slow = await startHttpUpstream({
    name: 'slow',
    handler: (_req, res) => setTimeout(() => res.end('slow done'), 1000),
  });
  other = await startHttpUpstream({ name: 'other' });
});
afterAll(async () => {
  await Promise.all([slow.close(), other.close()]);
  await tmp.remove();
});

const routes = (target: string) =>
  `routes:\n  - name: app\n    match: { host: app.test }\n    upstreams: [{ url: "${target}" }]\n    access: public\n`;

describe('rustronaut gateway --config as a process', () => {
  it('reloads on SIGHUP and drains 50 in-flight requests on SIGTERM, exiting 0', async () => {
    const [http, ops] = await freePorts(2);
    const file = join(tmp.path, 'gateway.yaml');
    await writeFile(file, routes(other.url));
    const gateway = runCli(['gateway', '--config', file, '--no-watch'], {
      RUSTRONAUT_GATEWAY_HTTP_LISTEN: `127.0.0.1:${String(http)}`,
      RUSTRONAUT_GATEWAY_OPS_LISTEN: `127.0.0.1:${String(ops)}`,
    });
    const { child, exited } = gateway;
    const client = new Agent({ connections: 100 });
    const get = async () => {
      const res = await request(`http://127.0.0.1:${String(http)}/`, {
        headers: { host: 'app.test' },
        dispatcher: client,
      });
      return { status: res.statusCode, body: await res.body.text() };
    };
    try {
      for (let i = 0; i < 100 && !gateway.output().includes('gateway listening'); i++)
        await new Promise((r) => setTimeout(r, 100));
      expect((await get()).body).toContain('"name":"other"');

      await writeFile(file, routes(slow.url));
      child.kill('SIGHUP');
      for (let i = 0; i < 50 && !gateway.output().includes('configuration reloaded'); i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(gateway.output()).toContain('configuration reloaded');

      const pending = Array.from({ length: 50 }, get);
      await new Promise((r) => setTimeout(r, 300));
      child.kill('SIGTERM');
      const results = await Promise.all(pending);
      expect(results.filter((r) => r.status !== 200 || r.body !== 'slow done')).toEqual([]);
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await client.close();
    }
  }, 30_000);
});
