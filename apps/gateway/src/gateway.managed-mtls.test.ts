// Device certificates on managed routes: a real gateway with the managed HTTPS listener, the org's device CAs
// and routes whose resources ask for a client certificate (`required` or `optional`), the admin's part played
// here as in gateway.managed-access.test.ts. Only the hosts that ask get a certificate request in the handshake.
import type { GatewayFileConfig, SnapshotAccess } from '@rustronaut/contracts';
import { gatewayFileSchema } from '@rustronaut/contracts';
import { loadConfig } from '@rustronaut/config';
import { createLogger, createMetricsRegistry } from '@rustronaut/observability';
import {
  createTestCa,
  startHttpUpstream,
  type HttpUpstream,
  type TestCa,
  type TestCertificate,
} from '@rustronaut/testkit';
import { makeTempDir, type TempDir } from '@rustronaut/testkit';
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID, sign, X509Certificate } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request as httpsRequest } from 'node:https';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from './gateway.js';
import type { AccessReport } from './proxy/http-proxy.js';
import { createManagedTls } from './tls/managed-tls.js';

const ORG = randomUUID();
const USER = randomUUID();
const LAPTOPS = randomUUID();
const REQUIRED = 'app.mtls.test';
const OPTIONAL = 'laptops.mtls.test';
const PLAIN = 'plain.mtls.test';
const signing = generateKeyPairSync('ed25519');

let serverCa: TestCa;
let deviceCa: TestCa;
let laptop: TestCertificate;
let phone: TestCertificate;
let foreign: TestCertificate;
let upstream: HttpUpstream;
let gw: RunningGateway;
let dir: TempDir;
let serverCaFile: string;
const reports: AccessReport[] = [];

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const sessionToken = (host: string) => {
  const input = `${b64({ alg: 'EdDSA', kid: 'k1' })}.${b64({
    iss: 'rustronaut',
    sub: USER,
    sid: randomUUID(),
    aud: `https://${host}`,
    amr: ['password'],
    exp: Math.floor(Date.now() / 1000) + 600,
  })}`;
  return `${input}.${sign(null, Buffer.from(input), signing.privateKey).toString('base64url')}`;
};

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** One HTTPS request on a fresh connection (a certificate is presented once per handshake). */
function get(host: string, options: { cert?: TestCertificate; session?: boolean } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: gw.httpsPort,
        servername: host,
        path: '/',
        headers: {
          host,
          accept: 'application/json',
          ...(options.session ? { authorization: `Bearer ${sessionToken(host)}` } : {}),
        },
        ca: serverCa.certPem,
        cert: options.cert?.certPem,
        key: options.cert?.keyPem,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** What `openssl s_client` prints of a handshake: whether the server asked for a client certificate, and from which CAs. */
async function handshake(host: string): Promise<string> {
  return new Promise((resolve) => {
    const args = ['s_client', '-connect', `127.0.0.1:${String(gw.httpsPort)}`, '-servername', host];
    const child = execFile('openssl', [...args, '-CAfile', serverCaFile], { timeout: 10_000 }, (_err, stdout) =>
      resolve(stdout),
    );
    // End of input: s_client closes the connection after the handshake.
    child.stdin?.end();
  });
}

const access = (): SnapshotAccess => ({
  issuer: 'rustronaut',
  loginUrl: 'https://admin.mtls.test/login',
  keys: [{ ...signing.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'EdDSA', use: 'sig' }],
  intentKey: randomBytes(32).toString('base64url'),
  assertionKey: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  principals: [{ id: USER, email: 'ada@example.com', roles: ['viewer'], disabled: false }],
  revokedSessions: [],
  apiKeys: [],
  policies: {
    [LAPTOPS]: {
      rules: [
        {
          id: 'laptops',
          effect: 'allow',
          when: {
            device: {
              caFingerprints: [new X509Certificate(deviceCa.certPem).fingerprint256],
              sans: ['DNS:laptop-1.devices.test'],
            },
          },
        },
      ],
    },
  },
  deviceCas: [deviceCa.certPem],
});

const config = (): GatewayFileConfig =>
  gatewayFileSchema.parse({
    routes: [
      {
        name: 'required',
        match: { host: REQUIRED },
        upstreams: [{ url: upstream.url }],
        access: { managed: { policy: null, clientCertificate: 'required' } },
      },
      {
        name: 'optional',
        match: { host: OPTIONAL },
        upstreams: [{ url: upstream.url }],
        access: { managed: { policy: LAPTOPS, clientCertificate: 'optional' } },
      },
      {
        name: 'plain',
        match: { host: PLAIN },
        upstreams: [{ url: upstream.url }],
        access: { managed: { policy: null } },
      },
    ],
  });

beforeAll(async () => {
  serverCa = await createTestCa({ commonName: 'Server CA' });
  deviceCa = await createTestCa({ commonName: 'Corp Devices' });
  const otherCa = await createTestCa({ commonName: 'Someone Else' });
  laptop = await deviceCa.issue({ names: ['laptop-1.devices.test'] });
  phone = await deviceCa.issue({ names: ['phone-7.devices.test'] });
  foreign = await otherCa.issue({ names: ['laptop-1.devices.test'] });
  const server = await serverCa.issue({ names: [REQUIRED, OPTIONAL, PLAIN] });
  dir = await makeTempDir('rustronaut-managed-mtls-');
  serverCaFile = join(dir.path, 'server-ca.pem');
  await writeFile(serverCaFile, serverCa.certPem);
  upstream = await startHttpUpstream({ name: 'private' });
  const managedTls = createManagedTls(createLogger({ level: 'silent', format: 'json' }));
  managedTls.update({
    certificates: [{ id: randomUUID(), source: 'upload', hosts: [REQUIRED, OPTIONAL, PLAIN], ...server }],
    challenges: [],
  });
  gw = await startGateway({
    config: loadConfig({
      env: {
        RUSTRONAUT_GATEWAY_HTTP_LISTEN: '127.0.0.1:0',
        RUSTRONAUT_GATEWAY_HTTPS_LISTEN: '127.0.0.1:0',
        RUSTRONAUT_GATEWAY_OPS_LISTEN: '127.0.0.1:0',
        RUSTRONAUT_GATEWAY_ACCESS_LOG: 'false',
      },
    }),
    logger: createLogger({ level: 'silent', format: 'json' }),
    metrics: createMetricsRegistry({ role: 'gateway', version: 'test' }),
    awaitConfig: true,
    managedTls,
    accessControl: {
      orgId: ORG,
      redeem: () => Promise.reject(new Error('not in this test')),
      report: (r) => reports.push(r),
    },
  });
  expect(await gw.applyConfig(config(), 1, access())).toEqual({ ok: true, version: 1 });
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  await dir?.remove();
});

describe('a managed route that requires a device certificate', () => {
  it('lets a member through only with a certificate from a device CA of the org', async () => {
    expect(await get(REQUIRED, { cert: laptop, session: true })).toMatchObject({ status: 200 });
    const before = upstream.received.length;
    const none = await get(REQUIRED, { session: true });
    expect(none.status).toBe(403);
    expect(JSON.parse(none.body)).toMatchObject({
      code: 'ERR_GW_FORBIDDEN',
      detail: 'this route needs a client certificate',
    });
    const stranger = await get(REQUIRED, { cert: foreign, session: true });
    expect(stranger.status).toBe(403);
    expect(JSON.parse(stranger.body).detail).toBe('the client certificate is not accepted for this route');
    expect(upstream.received.length).toBe(before);
    expect(reports.map((r) => r.verdict.reason)).toEqual(
      expect.arrayContaining(['client_certificate_absent', 'client_certificate_untrusted']),
    );
  });

  it('still needs a signed-in member: the certificate binds the device, it does not name a user', async () => {
    expect((await get(REQUIRED, { cert: laptop })).status).toBe(401);
  });

  it('refuses it over plain HTTP, where no certificate can be sent', async () => {
    const res = await request(`http://127.0.0.1:${String(gw.httpPort)}/`, {
      headers: { host: REQUIRED, authorization: `Bearer ${sessionToken(REQUIRED)}` },
    });
    expect(res.statusCode).toBe(403);
    expect(((await res.body.json()) as { detail: string }).detail).toBe(
      'this route needs HTTPS with a client certificate',
    );
  });
});

describe('an optional device certificate and a policy on the device', () => {
  it('allows the listed laptop, and denies a member without it or with another device of the org', async () => {
    const laptopAnswer = await get(OPTIONAL, { cert: laptop, session: true });
    expect(laptopAnswer.status, laptopAnswer.body).toBe(200);
    const without = await get(OPTIONAL, { session: true });
    expect(without.status).toBe(403);
    expect(JSON.parse(without.body).detail).toContain('no_matching_allow');
    expect((await get(OPTIONAL, { cert: phone, session: true })).status).toBe(403);
    // Sent, a certificate must verify even when optional.
    expect((await get(OPTIONAL, { cert: foreign, session: true })).status).toBe(403);
  });
});

describe('the handshake', () => {
  it('asks for a certificate from the org device CAs only on hosts whose routes want one', async () => {
    expect(await handshake(REQUIRED)).toMatch(/Acceptable client certificate CA names\s+CN\s*=\s*Corp Devices/);
    expect(await handshake(OPTIONAL)).toContain('Acceptable client certificate CA names');
    const plain = await handshake(PLAIN);
    expect(plain).toContain('Verify return code: 0 (ok)');
    expect(plain).not.toContain('Acceptable client certificate CA names');
    expect(plain).not.toContain('Requested Signature Algorithms');
    expect((await get(PLAIN, { cert: laptop, session: true })).status).toBe(200);
  });
});
