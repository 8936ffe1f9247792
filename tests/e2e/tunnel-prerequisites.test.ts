// The hub and the connector on a host that cannot run WireGuard: each says exactly what is missing (root or
// CAP_NET_ADMIN, /dev/net/tun, wireguard-go) and exits 1, before it enrols (the one-time token stays unused: the
// admin URL here answers nothing). Taking each piece away needs root: to drop privileges, to hide /dev/net/tun in
// a private mount namespace.
import { makeTempDir, type TempDir } from '@rustronaut/testkit';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithTools } from '../../packages/wireguard/test/netns.js';
import { CLI } from './cli-process.js';

const HUB = ['tunnel', '--admin', 'http://127.0.0.1:9', '--enrol-token', `rgw_${'a'.repeat(43)}`];
const CONNECTOR = ['connector', '--admin', 'http://127.0.0.1:9', '--token', `rst_${'a'.repeat(43)}`];

let tmp: TempDir;
beforeAll(async () => {
  tmp = await makeTempDir('rustronaut-e2e-prereq-');
});
afterAll(() => tmp.remove());

/** Runs `command args` and resolves with its exit code and output. */
function run(command: string, args: string[], options: { env?: Record<string, string>; uid?: number } = {}) {
  const child = spawn(command, args, {
    env: { PATH: process.env['PATH'] ?? '', RUSTRONAUT_DATA_DIR: tmp.path, ...options.env },
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise<{ code: number | null; out: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, out })),
  );
}

const missingRoot =
  process.getuid?.() === 0 ? undefined : 'the test must run as root (it drops privileges and hides /dev/net/tun)';

describeWithTools('rustronaut tunnel and connector without WireGuard prerequisites', missingRoot, () => {
  it.each([[HUB], [CONNECTOR]])('%j without wireguard-go on PATH exits 1 naming it', async (argv) => {
    // An empty directory as PATH: no wireguard-go (nor ip, nor wg); node is started by its full path.
    const { code, out } = await run(process.execPath, [CLI, ...argv], { env: { PATH: tmp.path } });
    expect(code).toBe(1);
    expect(out).toContain('missing');
    expect(out).toContain('wireguard-go (Debian package wireguard-go)');
    expect(out).toContain('[ERR_WG_BACKEND_UNAVAILABLE]');
    expect(out).not.toContain('enrol');
  });

  it.each([[HUB], [CONNECTOR]])('%j without root or CAP_NET_ADMIN exits 1 naming it', async (argv) => {
    const { code, out } = await run(process.execPath, [CLI, ...argv], { uid: 65_534 });
    expect(code).toBe(1);
    expect(out).toContain('root or CAP_NET_ADMIN');
    expect(out).not.toContain('/dev/net/tun');
  });

  it('without /dev/net/tun exits 1 naming it', async () => {
    const script = `mount -t tmpfs none /dev/net && exec "${process.execPath}" "${CLI}" "$@"`;
    const { code, out } = await run('unshare', [
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      script,
      'sh',
      ...HUB,
    ]);
    expect(code).toBe(1);
    expect(out).toContain('missing /dev/net/tun');
    expect(out).not.toContain('root or CAP_NET_ADMIN');
  });
});
