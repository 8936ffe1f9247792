import { execFile } from 'node:child_process';
import { generateKeyPair, randomBytes, type KeyObject } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeTempDir } from './temp-dir.js';

const run = promisify(execFile);

/** Key algorithm of a test certificate: EC P-256 (fast, the default) or RSA 2048. */
export type TestKeyType = 'ec' | 'rsa';

/** A PEM certificate and its PEM (PKCS#8) private key. */
export interface TestCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

/** What {@link TestCa.issue} puts in a leaf certificate. */
export interface TestCertificateOptions {
  /**
   * Subject alternative names: DNS names (`a.test`, `*.wild.test`) and IP literals (`127.0.0.1`, `::1`).
   * Empty means no SAN extension at all, so only the subject CN names the certificate.
   */
  readonly names: readonly string[];
  /** Subject CN; defaults to the first name, or `test` when there is none. */
  readonly commonName?: string;
  readonly keyType?: TestKeyType;
  /** Validity from now, in days; default 1. */
  readonly days?: number;
}

/** A throwaway certificate authority; trust `certPem` in clients (`ca: ca.certPem`). */
export interface TestCa extends TestCertificate {
  /** Issues a leaf certificate (server and client auth) signed by this CA. */
  issue(options: TestCertificateOptions): Promise<TestCertificate>;
}

// Hand-written config so the host's openssl.cnf cannot add or clash with extensions.
const BASE_CONFIG = `[req]
distinguished_name = dn
prompt = no
[dn]
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
`;

const DNS_NAME = /^(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/;
const CN_TEXT = /^[A-Za-z0-9 .*_-]{1,64}$/;

/**
 * Creates a self-signed CA with the `openssl` CLI (node:crypto cannot sign X.509). Keys come from node:crypto;
 * files live in a temporary directory only while openssl runs.
 */
export async function createTestCa(
  options: { readonly commonName?: string; readonly keyType?: TestKeyType; readonly days?: number } = {},
): Promise<TestCa> {
  const commonName = checkCommonName(options.commonName ?? 'Rustronaut Test CA');
  const days = checkDays(options.days ?? 1);
  const keyPem = await generateKey(options.keyType ?? 'ec');
  const certPem = await withOpenssl({ 'ca.key': keyPem }, (openssl) =>
    openssl([
      'req',
      '-x509',
      '-new',
      '-key',
      'ca.key',
      '-subj',
      `/CN=${commonName}`,
      '-days',
      String(days),
      '-sha256',
      '-extensions',
      'ca_ext',
    ]),
  );
  const ca: TestCertificate = { certPem, keyPem };
  return { ...ca, issue: (leaf) => issueLeaf(ca, leaf) };
}

async function issueLeaf(ca: TestCertificate, options: TestCertificateOptions): Promise<TestCertificate> {
  const sans = options.names.map((name) => {
    if (isIP(name) !== 0) return `IP:${name}`;
    if (!DNS_NAME.test(name)) throw new TypeError(`issue: "${name}" is neither a DNS name nor an IP address`);
    return `DNS:${name}`;
  });
  const commonName = checkCommonName(options.commonName ?? options.names[0] ?? 'test');
  const days = checkDays(options.days ?? 1);
  const keyType = options.keyType ?? 'ec';
  const keyPem = await generateKey(keyType);
  const extensions = [
    '[leaf_ext]',
    'basicConstraints = critical,CA:FALSE',
    // RFC 5246 section 7.4.2: RSA key exchange needs keyEncipherment; ECDSA keys only sign.
    `keyUsage = critical,digitalSignature${keyType === 'rsa' ? ',keyEncipherment' : ''}`,
    'extendedKeyUsage = serverAuth,clientAuth',
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid',
    ...(sans.length > 0 ? [`subjectAltName = ${sans.join(',')}`] : []),
  ].join('\n');
  const certPem = await withOpenssl(
    { 'ca.key': ca.keyPem, 'ca.crt': ca.certPem, 'leaf.key': keyPem, 'leaf.ext': `${extensions}\n` },
    async (openssl) => {
      await openssl(['req', '-new', '-key', 'leaf.key', '-subj', `/CN=${commonName}`, '-out', 'leaf.csr']);
      return openssl([
        'x509',
        '-req',
        '-in',
        'leaf.csr',
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-set_serial',
        `0x${randomBytes(16).toString('hex')}`,
        '-days',
        String(days),
        '-sha256',
        '-extfile',
        'leaf.ext',
        '-extensions',
        'leaf_ext',
      ]);
    },
  );
  return { certPem, keyPem };
}

type Openssl = (args: readonly string[]) => Promise<string>;

/** Writes `files` into a fresh temp dir, runs `body` with an openssl runner rooted there, then removes the directory. */
async function withOpenssl<T>(files: Record<string, string>, body: (openssl: Openssl) => Promise<T>): Promise<T> {
  await using dir = await makeTempDir('rustronaut-certs-');
  await writeFile(join(dir.path, 'openssl.cnf'), BASE_CONFIG);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir.path, name), text, { mode: 0o600 });
  const openssl: Openssl = async (args) => {
    try {
      const { stdout } = await run('openssl', [...args, ...(args[0] === 'req' ? ['-config', 'openssl.cnf'] : [])], {
        cwd: dir.path,
      });
      return stdout;
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr ?? '';
      throw new Error(`openssl ${args.slice(0, 2).join(' ')} failed: ${stderr.trim() || String(err)}`, { cause: err });
    }
  };
  // Awaited here so the directory outlives every openssl run.
  return await body(openssl);
}

function generateKey(keyType: TestKeyType): Promise<string> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, _publicKey: KeyObject, privateKey: KeyObject) => {
      if (err) reject(err);
      else resolve(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    };
    if (keyType === 'ec') generateKeyPair('ec', { namedCurve: 'P-256' }, done);
    else generateKeyPair('rsa', { modulusLength: 2048 }, done);
  });
}

function checkCommonName(name: string): string {
  if (!CN_TEXT.test(name)) throw new TypeError(`test certificate: unsupported common name "${name}"`);
  return name;
}

function checkDays(days: number): number {
  if (!Number.isInteger(days) || days < 1) throw new TypeError(`test certificate: days must be a positive integer`);
  return days;
}
