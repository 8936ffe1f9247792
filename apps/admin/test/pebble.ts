import { createTestCa, freePorts, makeTempDir, type TempDir } from '@rustronaut/testkit';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Debian's pebble (the ACME test server) and its challenge test server, as the certificate tests run them. */
export interface Pebble {
  /** The ACME directory URL. */
  readonly directoryUrl: string;
  /** The CA of pebble's own HTTPS (give it to the admin as `acme.trustedRootFile`). */
  readonly httpsRootPem: string;
  /** The root that issued certificates chain to (trust it in TLS clients that check what the gateway serves). */
  root(): Promise<string>;
  /** Makes pebble-challtestsrv's DNS answer `host` with these IPv4 addresses (instead of 127.0.0.1). */
  setAddresses(host: string, addresses: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Whether pebble can run here. Without it the tests skip with a loud warning, except under `CI=true`, where a
 * missing prerequisite fails the run (`.ci/run` installs the Debian package).
 */
export function requirePebble(): boolean {
  const found = spawnSync('sh', ['-c', 'command -v pebble && command -v pebble-challtestsrv'], { stdio: 'ignore' });
  if (found.status === 0) return true;
  if (process.env['CI'] === 'true')
    throw new Error('pebble is not installed (apt-get install pebble): required under CI');
  process.stderr.write(
    '\n*** WARNING: ACME tests SKIPPED: pebble is not installed (apt-get install pebble); under CI=true this fails ***\n',
  );
  return false;
}

/**
 * Starts pebble-challtestsrv (DNS only: every name resolves to 127.0.0.1, no AAAA; unless `dnsServer` is given)
 * and pebble on free ports, with a fresh HTTPS certificate for pebble itself. Pebble validates HTTP-01 on
 * `httpPort` and TLS-ALPN-01 on `tlsPort` of the address DNS gives: the gateway's listeners. Nonces are never rejected at random
 * (PEBBLE_WFE_NONCEREJECT=0), validation does not sleep (PEBBLE_VA_NOSLEEP), authorizations are never reused
 * (so every order is validated), and certificates last `validitySeconds`.
 */
export async function startPebble(options: {
  readonly httpPort: number;
  readonly tlsPort: number;
  readonly validitySeconds: number;
  /** `host:port` of the DNS server pebble asks (for DNS-01, a BIND the test runs); default: its own challtestsrv. */
  readonly dnsServer?: string;
}): Promise<Pebble> {
  const tmp: TempDir = await makeTempDir('rustronaut-pebble-');
  const [acmePort, managementPort, dnsPort, challManagementPort] = (await freePorts(4)) as [
    number,
    number,
    number,
    number,
  ];
  const ca = await createTestCa({ commonName: 'pebble HTTPS test CA' });
  const served = await ca.issue({ names: ['127.0.0.1', 'localhost'] });
  await writeFile(join(tmp.path, 'cert.pem'), served.certPem);
  await writeFile(join(tmp.path, 'key.pem'), served.keyPem, { mode: 0o600 });
  await writeFile(
    join(tmp.path, 'pebble.json'),
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${String(acmePort)}`,
        managementListenAddress: `127.0.0.1:${String(managementPort)}`,
        certificate: join(tmp.path, 'cert.pem'),
        privateKey: join(tmp.path, 'key.pem'),
        httpPort: options.httpPort,
        tlsPort: options.tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
        certificateValidityPeriod: options.validitySeconds,
      },
    }),
  );
  const children: ChildProcess[] = [];
  const output: string[] = [];
  const run = (command: string, args: string[], env: Record<string, string> = {}) => {
    const child = spawn(command, args, { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: 'pipe' });
    child.stdout?.on('data', (c: Buffer) => output.push(c.toString()));
    child.stderr?.on('data', (c: Buffer) => output.push(c.toString()));
    children.push(child);
  };
  if (options.dnsServer === undefined) {
    run('pebble-challtestsrv', [
      '-dns01',
      `127.0.0.1:${String(dnsPort)}`,
      '-management',
      `127.0.0.1:${String(challManagementPort)}`,
      '-http01',
      '',
      '-https01',
      '',
      '-tlsalpn01',
      '',
      '-defaultIPv4',
      '127.0.0.1',
      '-defaultIPv6',
      '',
    ]);
  }
  const dnsServer = options.dnsServer ?? `127.0.0.1:${String(dnsPort)}`;
  run('pebble', ['-config', join(tmp.path, 'pebble.json'), '-dnsserver', dnsServer], {
    PEBBLE_VA_NOSLEEP: '1',
    PEBBLE_WFE_NONCEREJECT: '0',
    PEBBLE_AUTHZREUSE: '0',
  });
  const agent = new Agent({ ca: ca.certPem });
  const get = (url: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      request(url, { agent }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
        .on('error', reject)
        .end();
    });
  const directoryUrl = `https://127.0.0.1:${String(acmePort)}/dir`;
  const close = async () => {
    for (const child of children) child.kill('SIGKILL');
    agent.destroy();
    await tmp.remove();
  };
  for (let i = 0; ; i++) {
    const ok = await get(directoryUrl).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (i > 100) {
      await close();
      throw new Error(`pebble did not start:\n${output.join('')}`);
    }
    await sleep(100);
  }
  return {
    directoryUrl,
    httpsRootPem: ca.certPem,
    root: async () => (await get(`https://127.0.0.1:${String(managementPort)}/roots/0`)).body,
    async setAddresses(host, addresses) {
      const res = await fetch(`http://127.0.0.1:${String(challManagementPort)}/add-a`, {
        method: 'POST',
        body: JSON.stringify({ host, addresses }),
      });
      if (!res.ok) throw new Error(`challtestsrv add-a: ${String(res.status)}`);
    },
    close,
  };
}
