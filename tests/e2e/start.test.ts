// Black-box runs of the built `rustronaut` command as a real process (`npm test` builds first).
import { makeTempDir, type TempDir } from '@rustronaut/testkit';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, stat } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../../apps/cli/dist/main.js', import.meta.url));

/** Ports that were free a moment ago (a real process needs fixed addresses to be probed from outside). */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, async () => {
      const s = createServer();
      s.listen(0, '127.0.0.1');
      await once(s, 'listening');
      return s;
    }),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

function run(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env['PATH'] ?? '', RUSTRONAUT_LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => out };
}

async function waitForOk(url: string, deadlineMs: number): Promise<Response> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return res;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`${url} did not answer within ${String(deadlineMs)} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let tmp: TempDir;
beforeAll(async () => {
  tmp = await makeTempDir('rustronaut-e2e-');
});
afterAll(() => tmp.remove());

describe('rustronaut start as a process', () => {
  it('comes up on PGlite within 60 s and exits 0 within 5 s of SIGTERM', async () => {
    const [admin, http, ops] = await freePorts(3);
    const dataDir = join(tmp.path, 'data');
    const proc = run(['start'], {
      RUSTRONAUT_DATA_DIR: dataDir,
      RUSTRONAUT_ADMIN_LISTEN: `127.0.0.1:${String(admin)}`,
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
