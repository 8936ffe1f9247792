import { freePorts, makeTempDir, type TempDir } from '@rustronaut/testkit';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Debian's BIND (`named`), run in the foreground as the primary of test zones that take signed updates. */
export interface Bind {
  readonly port: number;
  /** The TSIG key the zones accept updates from (HMAC-SHA256). */
  readonly keyName: string;
  /** Its secret, base64 as BIND writes it. */
  readonly secret: string;
  /** The TXT records of `name` as the server answers them now. */
  txt(name: string): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * Whether `named` can run here. Without it the tests skip with a loud warning, except under `CI=true`, where a
 * missing prerequisite fails the run (`.ci/run` installs the Debian package `bind9`).
 */
export function requireBind(): boolean {
  if (spawnSync('sh', ['-c', 'command -v named'], { stdio: 'ignore' }).status === 0) return true;
  if (process.env['CI'] === 'true')
    throw new Error('named is not installed (apt-get install bind9): required under CI');
  process.stderr.write(
    '\n*** WARNING: DNS-01 tests SKIPPED: named is not installed (apt-get install bind9); under CI=true this fails ***\n',
  );
  return false;
}

/**
 * Starts `named -g` on a free port of 127.0.0.1 with a fresh HMAC-SHA256 key, as the primary of `zones` (each with
 * an SOA, an NS and `*.<zone>` resolving to 127.0.0.1), updates of TXT records allowed with the key only.
 */
export async function startBind(zones: readonly string[]): Promise<Bind> {
  const tmp: TempDir = await makeTempDir('rustronaut-bind-');
  const [port = 0] = await freePorts(1);
  const keyName = 'acme-update.';
  const secret = randomBytes(32).toString('base64');
  const zoneBlocks = zones.map(
    (zone) => `zone "${zone}" {
  type primary;
  file "${join(tmp.path, `${zone}.zone`)}";
  update-policy { grant ${keyName} zonesub TXT; };
};`,
  );
  for (const zone of zones) {
    await writeFile(
      join(tmp.path, `${zone}.zone`),
      [
        '$TTL 60',
        `@ IN SOA ns.${zone}. hostmaster.${zone}. 1 3600 600 86400 60`,
        `@ IN NS ns.${zone}.`,
        'ns IN A 127.0.0.1',
        '* IN A 127.0.0.1',
        '',
      ].join('\n'),
    );
  }
  const conf = join(tmp.path, 'named.conf');
  await writeFile(
    conf,
    `options {
  directory "${tmp.path}";
  pid-file "${join(tmp.path, 'named.pid')}";
  session-keyfile "${join(tmp.path, 'session.key')}";
  managed-keys-directory "${tmp.path}";
  listen-on port ${String(port)} { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
  notify no;
};
controls { };
key "${keyName}" { algorithm hmac-sha256; secret "${secret}"; };
${zoneBlocks.join('\n')}
`,
  );
  const output: string[] = [];
  const child = spawn('named', ['-g', '-4', '-c', conf], { stdio: 'pipe' });
  child.stdout.on('data', (c: Buffer) => output.push(c.toString()));
  child.stderr.on('data', (c: Buffer) => output.push(c.toString()));
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([`127.0.0.1:${String(port)}`]);
  const close = async () => {
    child.kill('SIGKILL');
    await tmp.remove();
  };
  for (let i = 0; ; i++) {
    if (child.exitCode !== null || i > 100) {
      await close();
      throw new Error(`named did not start:\n${output.join('')}`);
    }
    const up = await resolver.resolveSoa(zones[0] ?? '.').then(
      () => true,
      () => false,
    );
    if (up) break;
    await sleep(100);
  }
  return {
    port,
    keyName,
    secret,
    async txt(name) {
      const records = await resolver.resolveTxt(name).catch((err: { code?: string }) => {
        if (err.code === 'ENOTFOUND' || err.code === 'ENODATA') return [];
        throw err;
      });
      return records.map((chunks) => chunks.join(''));
    },
    close,
  };
}
