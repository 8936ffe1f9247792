// Black-box runs of the built `rustronaut` command as a real process (`npm test` builds first).
import { freePorts, makeTempDir, type TempDir } from '@rustronaut/testkit';
import { once } from 'node:events';
import { readdir, stat } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli as run, waitForOk } from './cli-process.js';

let tmp: TempDir;
beforeAll(async () => {
  tmp = await makeTempDir('rustronaut-e2e-');
});
afterAll(() => tmp.remove());

describe('rustronaut start as a process', () => {
  it('comes up on PGlite within 60 s and exits 0 within 5 s of SIGTERM', async () => {
    const [admin, control, http, ops] = await freePorts(4);
    const dataDir = join(tmp.path, 'data');
    const proc = run(['start'], {
      // The tunnel hub is tests/e2e/tunnel.test.ts's, in its own namespaces: none in the host's from here.
      RUSTRONAUT_TUNNEL_HUB: 'off',
      RUSTRONAUT_DATA_DIR: dataDir,
      RUSTRONAUT_ADMIN_LISTEN: `127.0.0.1:${String(admin)}`,
      RUSTRONAUT_ADMIN_CONTROL_LISTEN: `127.0.0.1:${String(control)}`,
      RUSTRONAUT_GATEWAY_HTTP_LISTEN: `127.0.0.1:${String(http)}`,
      RUSTRONAUT_GATEWAY_OPS_LISTEN: `127.0.0.1:${String(ops)}`,
    });
    try {
      expect(await (await waitForOk(`http://127.0.0.1:${String(admin)}/healthz`, 60_000)).json()).toEqual({
        status: 'ok',
      });
      await waitForOk(`http://127.0.0.1:${String(ops)}/healthz`, 10_000);
      const page = await fetch(`http://127.0.0.1:${String(http)}/`, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(404);
      expect(await page.text()).toContain('No route for this address');
      expect(await readdir(join(dataDir, 'pglite'))).toContain('PG_VERSION');
      expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    } finally {
      const t0 = Date.now();
      proc.child.kill('SIGTERM');
      const code = await proc.exited;
      expect({ code, fast: Date.now() - t0 < 5000 }).toEqual({ code: 0, fast: true });
    }
    expect(proc.output()).toContain('"msg":"stopped"');
  }, 90_000);

  it('exits 1 with a clear message when a port is in use', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const port = (blocker.address() as AddressInfo).port;
    try {
      const proc = run(['gateway'], {
        RUSTRONAUT_GATEWAY_HTTP_LISTEN: `127.0.0.1:${String(port)}`,
        RUSTRONAUT_GATEWAY_OPS_LISTEN: '127.0.0.1:0',
      });
      expect(await proc.exited).toBe(1);
      expect(proc.output()).toContain(
        `port ${String(port)} is already in use; change gateway.httpListen (RUSTRONAUT_GATEWAY_HTTP_LISTEN)`,
      );
    } finally {
      blocker.close();
    }
  });

  it('exits 2 naming the field when the configuration is invalid', async () => {
    const proc = run(['config', 'check'], { RUSTRONAUT_GATEWAY_OPS_LISTEN: 'localhost' });
    expect(await proc.exited).toBe(2);
    expect(proc.output()).toContain('RUSTRONAUT_GATEWAY_OPS_LISTEN: expected host:port, got "localhost"');
  });
});
