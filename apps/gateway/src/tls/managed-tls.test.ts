import { createLogger } from '@rustronaut/observability';
import { createTestCa, type TestCa } from '@rustronaut/testkit';
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect, type PeerCertificate } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerAcmeChallenges } from './acme-http-challenge.js';
import { createManagedHttpsListener } from './managed-https.js';
import { ACME_TLS_ALPN, createManagedTls } from './managed-tls.js';

const logger = createLogger({ level: 'silent', format: 'json' });
const DAY = 86_400_000;

describe('managed TLS (certificates and ACME challenges from the admin)', () => {
  let ca: TestCa;
  let other: TestCa;
  beforeAll(async () => {
    ca = await createTestCa({ commonName: 'acme' });
    other = await createTestCa({ commonName: 'builtin' });
  });

  const cert = async (issuer: TestCa, hosts: string[], source: 'upload' | 'acme' | 'builtin', days = 30) => ({
    id: randomUUID(),
    source,
    hosts,
    ...(await issuer.issue({ names: hosts, days })),
  });

  it('prefers uploaded, then ACME, then built-in certificates, skips expired ones, and matches wildcards', async () => {
    let now = Date.now();
    const tls = createManagedTls(logger, () => now);
    const acme = await cert(ca, ['app.test'], 'acme', 1);
    const builtin = await cert(other, ['app.test'], 'builtin', 90);
    const wild = await cert(ca, ['*.wild.test'], 'upload');
    tls.update({ certificates: [builtin, acme, wild], challenges: [] });
    expect(tls.size).toBe(3);
    expect(tls.select('APP.test')).toBeDefined();
    expect(tls.select('app.test')).not.toBe(tls.select('x.wild.test'));
    expect(tls.select('x.wild.test')).toBeDefined();
    expect(tls.select('a.b.wild.test')).toBeUndefined();
    expect(tls.select('unknown.test')).toBeUndefined();
    expect(tls.select(undefined)).toBeUndefined();
    const served = tls.select('app.test');
    // Past the ACME certificate's expiry the built-in CA's is served instead, never the expired one.
    now += 2 * DAY;
    expect(tls.select('app.test')).toBeDefined();
    expect(tls.select('app.test')).not.toBe(served);
    now += 100 * DAY;
    expect(tls.select('app.test')).toBeUndefined();
  });

  it('serves a wildcard of a better source over the exact name, and the exact name at the same rank', async () => {
    const tls = createManagedTls(logger);
    const builtin = await cert(other, ['app.wild.test'], 'builtin');
    const wildAcme = await cert(ca, ['*.wild.test'], 'acme');
    const exactAcme = await cert(ca, ['exact.wild.test'], 'acme');
    tls.update({ certificates: [builtin, wildAcme, exactAcme], challenges: [] });
    const wildContext = tls.select('other.wild.test');
    expect(wildContext).toBeDefined();
    expect(tls.select('app.wild.test')).toBe(wildContext);
    expect(tls.select('exact.wild.test')).not.toBe(wildContext);
    tls.update({ certificates: [builtin], challenges: [] });
    expect(tls.select('app.wild.test')).toBeDefined();
    expect(tls.select('other.wild.test')).toBeUndefined();
  });

  it('leaves out a certificate whose key does not match, keeping the others', async () => {
    const tls = createManagedTls(logger);
    const good = await cert(ca, ['good.test'], 'acme');
    const bad = { ...(await cert(ca, ['bad.test'], 'acme')), keyPem: good.keyPem };
    tls.update({ certificates: [bad, good], challenges: [] });
    expect(tls.size).toBe(1);
    expect(tls.select('bad.test')).toBeUndefined();
    expect(tls.select('good.test')).toBeDefined();
  });

  it('answers HTTP-01 only for the token and host of a pending challenge, and passes everything else on', async () => {
    const tls = createManagedTls(logger);
    tls.update({
      certificates: [],
      challenges: [{ type: 'http-01', host: 'app.test', token: 'tok_1', keyAuthorization: 'tok_1.thumb' }],
    });
    const server = createHttpServer(answerAcmeChallenges(tls, (_req, res) => res.writeHead(404).end('route'))).listen(
      0,
      '127.0.0.1',
    );
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as AddressInfo).port;
    const get = (path: string, host: string, method = 'GET') =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        httpRequest({ port, host: '127.0.0.1', path, method, headers: { host } }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        })
          .on('error', reject)
          .end();
      });
    try {
      expect(await get('/.well-known/acme-challenge/tok_1', 'app.test:80')).toEqual({
        status: 200,
        body: 'tok_1.thumb',
      });
      expect(await get('/.well-known/acme-challenge/tok_1', 'app.test', 'HEAD')).toEqual({ status: 200, body: '' });
      expect(await get('/.well-known/acme-challenge/tok_1', 'other.test')).toEqual({ status: 404, body: 'route' });
      expect(await get('/.well-known/acme-challenge/tok_2', 'app.test')).toEqual({ status: 404, body: 'route' });
      expect(await get('/.well-known/acme-challenge/tok_1', 'app.test', 'POST')).toEqual({
        status: 404,
        body: 'route',
      });
      tls.update({ certificates: [], challenges: [] });
      expect(await get('/.well-known/acme-challenge/tok_1', 'app.test')).toEqual({ status: 404, body: 'route' });
    } finally {
      server.close();
    }
  });

  describe('the HTTPS listener', () => {
    const tls = createManagedTls(logger);
    const https = createHttpsServer(
      {
        SNICallback: (name, callback) => {
          const context = tls.select(name);
          if (context) callback(null, context);
          else callback(new Error('no certificate'));
        },
      },
      (_req, res) => res.end('proxied'),
    );
    // No host asks for a client certificate here: the second server gets no connection.
    const listener = createManagedHttpsListener(https, https, tls);
    let port = 0;
    let served: Awaited<ReturnType<typeof cert>>;
    let validation: Awaited<ReturnType<typeof cert>>;
    beforeAll(async () => {
      served = await cert(ca, ['app.test'], 'acme');
      validation = await cert(other, ['app.test'], 'builtin');
      tls.update({
        certificates: [served],
        challenges: [{ type: 'tls-alpn-01', host: 'app.test', certPem: validation.certPem, keyPem: validation.keyPem }],
      });
      listener.server.listen(0, '127.0.0.1');
      await new Promise((r) => listener.server.once('listening', r));
      port = (listener.server.address() as AddressInfo).port;
    });
    afterAll(() => listener.close(0));

    const handshake = (servername: string, ALPNProtocols?: string[]) =>
      new Promise<{ cert: PeerCertificate; alpn: string | false }>((resolve, reject) => {
        const socket = connect(
          { host: '127.0.0.1', port, servername, rejectUnauthorized: false, ALPNProtocols },
          () => {
            resolve({ cert: socket.getPeerCertificate(), alpn: socket.alpnProtocol ?? false });
            socket.destroy();
          },
        );
        socket.on('error', reject);
      });

    it('answers a TLS-ALPN-01 handshake with the validation certificate (RFC 8737)', async () => {
      const { cert: got, alpn } = await handshake('app.test', [ACME_TLS_ALPN]);
      expect(alpn).toBe(ACME_TLS_ALPN);
      expect(got.issuer.CN).toBe('builtin');
    });

    it('serves every other handshake from the certificates, and requests reach the server', async () => {
      const { cert: got } = await handshake('app.test', ['h2', 'http/1.1']);
      expect(got.issuer.CN).toBe('acme');
      expect((await handshake('app.test')).cert.issuer.CN).toBe('acme');
      const body = await new Promise<string>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port, servername: 'app.test', ca: ca.certPem }, () =>
          socket.write('GET / HTTP/1.1\r\nhost: app.test\r\nconnection: close\r\n\r\n'),
        );
        let text = '';
        socket.on('data', (c: Buffer) => (text += c.toString()));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      expect(body).toMatch(/^HTTP\/1\.1 200[\s\S]*proxied$/);
    });

    it('refuses acme-tls/1 for a host without a pending challenge, and a name it has no certificate for', async () => {
      await expect(handshake('nochallenge.test', [ACME_TLS_ALPN])).rejects.toThrow();
      await expect(handshake('unknown.test')).rejects.toThrow();
    });
  });
});
