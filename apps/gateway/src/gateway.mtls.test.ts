// Client certificates (mTLS) on the HTTPS listener: required per route, optional next to a bearer token, CAs
// reloaded with the file.
import {
  createTestCa,
  makeTempDir,
  startHttpUpstream,
  type HttpUpstream,
  type TempDir,
  type TestCa,
  type TestCertificate,
} from '@rustronaut/testkit';
import { createHash, X509Certificate } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../test/start-test-gateway.js';

let dir: TempDir;
let serverCa: TestCa;
let clientCa: TestCa;
let otherCa: TestCa;
let device: TestCertificate;
let foreign: TestCertificate;
let upstream: HttpUpstream;
let idp: { publicKey: CryptoKey; privateKey: CryptoKey };
let gw: TestGateway;
let yaml: (caFile: string) => string;

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

function get(host: string, options: { cert?: TestCertificate; token?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: gw.httpsPort,
        servername: host,
        path: '/',
        headers: { host, ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
        ca: serverCa.certPem,
        cert: options.cert?.certPem,
        key: options.cert?.keyPem,
        // A fresh connection each time: the certificate is presented once per TLS handshake.
        agent: false,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const token = () =>
  new SignJWT({ email: 'alice@example.com' })
    .setProtectedHeader({ alg: 'EdDSA' })
    .setSubject('alice')
    .setIssuer('https://idp.test')
    .setAudience('api')
    .setExpirationTime('2m')
    .sign(idp.privateKey);

const thumbprint = (cert: TestCertificate) =>
  createHash('sha256').update(new X509Certificate(cert.certPem).raw).digest('base64url');
const claims = (assertion: unknown) =>
  JSON.parse(Buffer.from(String(assertion).split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;

beforeAll(async () => {
  dir = await makeTempDir('rustronaut-mtls-');
  serverCa = await createTestCa({ commonName: 'Server CA' });
  clientCa = await createTestCa({ commonName: 'Client CA' });
  otherCa = await createTestCa({ commonName: 'Other CA' });
  device = await clientCa.issue({ names: [], commonName: 'device-1' });
  foreign = await otherCa.issue({ names: [], commonName: 'device-1' });
  const server = await serverCa.issue({ names: ['mtls.test', 'open.test', 'both.test'] });
  idp = await generateKeyPair('EdDSA', { extractable: true });
  await writeFile(join(dir.path, 'server.crt'), server.certPem);
  await writeFile(join(dir.path, 'server.key'), server.keyPem);
  await writeFile(join(dir.path, 'client-ca.pem'), clientCa.certPem);
  await writeFile(join(dir.path, 'other-ca.pem'), otherCa.certPem);
  await writeFile(join(dir.path, 'idp.pem'), await exportSPKI(idp.publicKey));
  upstream = await startHttpUpstream({ name: 'app' });
  yaml = (caFile) => `
listen:
  https: 127.0.0.1:0
tls:
  certificates: [{ certFile: "${join(dir.path, 'server.crt')}", keyFile: "${join(dir.path, 'server.key')}" }]
routes:
  - name: mtls
    match: { host: mtls.test }
    upstreams: [{ url: "${upstream.url}" }]
    access: { mtls: { caFile: "${join(dir.path, caFile)}" }, identityHeaders: true }
  - name: open
    match: { host: open.test }
    upstreams: [{ url: "${upstream.url}" }]
    access: public
  - name: both
    match: { host: both.test }
    upstreams: [{ url: "${upstream.url}" }]
    access:
      jwt: { publicKeyFile: "${join(dir.path, 'idp.pem')}", issuer: "https://idp.test", audience: api }
      mtls: { caFile: "${join(dir.path, 'client-ca.pem')}", required: false }
`;
  gw = await startTestGateway(yaml('client-ca.pem'));
});

afterAll(async () => {
  await gw.close();
  await upstream.close();
  await dir.remove();
});

describe('a route that requires a client certificate', () => {
  it('refuses a connection without one with 403, before the upstream', async () => {
    const before = upstream.received.length;
    const res = await get('mtls.test');
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'ERR_GW_FORBIDDEN', detail: 'this route needs a client certificate' });
    expect(upstream.received.length).toBe(before);
  });

  it('refuses a certificate from another CA', async () => {
    const before = upstream.received.length;
    const res = await get('mtls.test', { cert: foreign });
    expect(res.status).toBe(403);
    expect(res.body['detail']).toBe('the client certificate is not accepted for this route');
    expect(upstream.received.length).toBe(before);
  });

  it('lets a certificate from its CA through, with the device identity asserted upstream', async () => {
    const res = await get('mtls.test', { cert: device });
    expect(res.status).toBe(200);
    const headers = upstream.received.at(-1)?.headers ?? {};
    expect(headers['x-rustronaut-user']).toBe('device-1');
    expect(claims(headers['x-rustronaut-assertion'])).toMatchObject({
      sub: 'device-1',
      aud: 'https://mtls.test',
      amr: ['mtls'],
      cnf: { 'x5t#S256': thumbprint(device) },
    });
  });

  it('is refused over plain HTTP', async () => {
    const res = await request(`${gw.base}/`, { headers: { host: 'mtls.test' } });
    expect(res.statusCode).toBe(403);
    expect(((await res.body.json()) as Record<string, unknown>)['detail']).toBe(
      'this route needs HTTPS with a client certificate',
    );
  });

  it('public routes on the same listener need no certificate', async () => {
    expect((await get('open.test')).status).toBe(200);
  });
});

describe('an optional certificate next to a bearer token', () => {
  it('passes a token without a certificate, refuses neither', async () => {
    expect((await get('both.test', { token: await token() })).status).toBe(200);
    expect(claims(upstream.received.at(-1)?.headers['x-rustronaut-assertion'])).not.toHaveProperty('cnf');
    const none = await get('both.test');
    expect(none.status).toBe(401);
    expect(none.body['code']).toBe('ERR_GW_UNAUTHENTICATED');
  });

  it('binds a good certificate to the token identity, and refuses a bad one even with a token', async () => {
    expect((await get('both.test', { token: await token(), cert: device })).status).toBe(200);
    expect(claims(upstream.received.at(-1)?.headers['x-rustronaut-assertion'])).toMatchObject({
      sub: 'alice',
      email: 'alice@example.com',
      cnf: { 'x5t#S256': thumbprint(device) },
    });
    expect((await get('both.test', { token: await token(), cert: foreign })).status).toBe(403);
  });
});

describe('reloading', () => {
  it('takes a changed caFile for new connections', async () => {
    await writeFile(gw.file, yaml('other-ca.pem'));
    expect(await gw.reload()).toMatchObject({ ok: true });
    expect((await get('mtls.test', { cert: foreign })).status).toBe(200);
    expect((await get('mtls.test', { cert: device })).status).toBe(403);
  });
});
