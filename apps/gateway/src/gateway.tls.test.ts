// HTTPS termination with certificates chosen by SNI, and TLS passthrough routed by SNI on a TCP listener.
import {
  createTestCa,
  makeTempDir,
  startHttpUpstream,
  type HttpUpstream,
  type TempDir,
  type TestCa,
} from '@rustronaut/testkit';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import {
  connect as tlsConnect,
  createServer as createTlsServer,
  type Server as TlsServer,
  type TLSSocket,
} from 'node:tls';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../test/start-test-gateway.js';

let ca: TestCa;
let dir: TempDir;
let upstream: HttpUpstream;
let passA: TlsServer;
let passB: TlsServer;
let gw: TestGateway;

async function tlsEcho(name: string): Promise<TlsServer> {
  const cert = await ca.issue({ names: [name] });
  const server = createTlsServer({ cert: cert.certPem, key: cert.keyPem }, (s) => s.end(`I am ${name}\n`));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}
const portOf = (s: TlsServer) => (s.address() as { port: number }).port;

beforeAll(async () => {
  ca = await createTestCa();
  dir = await makeTempDir('rustronaut-tls-');
  const files: string[] = [];
  for (const names of [['a.test'], ['b.test', '*.wild.test']]) {
    const cert = await ca.issue({ names });
    const base = join(dir.path, names[0] ?? 'x');
    await writeFile(`${base}.crt`, cert.certPem);
    await writeFile(`${base}.key`, cert.keyPem);
    files.push(`    - { certFile: "${base}.crt", keyFile: "${base}.key" }`);
  }
  upstream = await startHttpUpstream({ name: 'app' });
  passA = await tlsEcho('a.pass');
  passB = await tlsEcho('b.pass');
  gw = await startTestGateway(`
listen:
  https: 127.0.0.1:0
tls:
  certificates:
${files.join('\n')}
routes:
  - name: app
    match: { host: "*" }
    upstreams: [{ url: "${upstream.url}" }]
    access: public
tcp:
  - name: passthrough
    listen: 127.0.0.1:0
    sni:
      - { host: a.pass, upstreams: [{ address: "127.0.0.1:${String(portOf(passA))}" }] }
      - { host: "*.b.pass", upstreams: [{ address: "127.0.0.1:${String(portOf(passB))}" }] }
      - { host: b.pass, upstreams: [{ address: "127.0.0.1:${String(portOf(passB))}" }] }
`);
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
  passA.close();
  passB.close();
  await dir.remove();
});

/** An HTTPS GET to the gateway with `servername`, trusting only the test CA; resolves with the served names. */
function httpsGet(
  servername: string,
): Promise<{ status: number; subject: string; hsts: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: gw.httpsPort,
        servername,
        path: '/',
        headers: { host: servername },
        ca: ca.certPem,
        agent: false,
      },
      (res) => {
        const subject = (res.socket as TLSSocket).getPeerCertificate().subjectaltname ?? '';
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, subject, hsts: res.headers['strict-transport-security'], body }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('HTTPS listener', () => {
  it('serves the certificate matching the SNI name, verified against the CA', async () => {
    const a = await httpsGet('a.test');
    expect(a).toMatchObject({ status: 200, subject: 'DNS:a.test' });
    expect(a.hsts).toBe('max-age=31536000');
    const b = await httpsGet('b.test');
    expect(b.subject).toBe('DNS:b.test, DNS:*.wild.test');
    expect((await httpsGet('x.wild.test')).subject).toBe('DNS:b.test, DNS:*.wild.test');
  });

  it('tells the upstream the client came over HTTPS', async () => {
    const { body } = await httpsGet('a.test');
    expect((JSON.parse(body) as { headers: Record<string, string> }).headers['x-forwarded-proto']).toBe('https');
  });

  it('refuses TLS older than 1.2', async () => {
    const socket = tlsConnect({
      host: '127.0.0.1',
      port: gw.httpsPort,
      servername: 'a.test',
      ca: ca.certPem,
      maxVersion: 'TLSv1.1',
      minVersion: 'TLSv1',
    });
    const [err] = (await once(socket, 'error')) as [Error];
    expect(err.message).toMatch(/protocol|version/i);
  });
});

describe('TLS passthrough by SNI', () => {
  const through = (servername: string) =>
    new Promise<{ subject: string; text: string }>((resolve, reject) => {
      const socket = tlsConnect({
        host: '127.0.0.1',
        port: gw.tcpPorts().get('passthrough'),
        servername,
        ca: ca.certPem,
      });
      let text = '';
      let subject: string | undefined;
      socket.on('secureConnect', () => (subject = socket.getPeerCertificate().subjectaltname ?? ''));
      socket.on('data', (c: Buffer) => (text += c.toString()));
      socket.on('end', () =>
        subject === undefined ? reject(new Error('closed before the TLS handshake')) : resolve({ subject, text }),
      );
      socket.on('error', reject);
    });

  it('forwards each server name to its upstream without terminating TLS', async () => {
    expect(await through('a.pass')).toEqual({ subject: 'DNS:a.pass', text: 'I am a.pass\n' });
    expect(await through('b.pass')).toEqual({ subject: 'DNS:b.pass', text: 'I am b.pass\n' });
  });

  it('closes connections for an unknown server name', async () => {
    await expect(through('nobody.test')).rejects.toThrow();
  });
});

describe('HTTP to HTTPS redirect', () => {
  it('answers plain HTTP with a 308 to the HTTPS listener when redirectHttp is on', async () => {
    const cert = await ca.issue({ names: ['r.test'] });
    await writeFile(join(dir.path, 'r.crt'), cert.certPem);
    await writeFile(join(dir.path, 'r.key'), cert.keyPem);
    const redirecting = await startTestGateway(`
listen: { https: 127.0.0.1:0 }
tls:
  certificates: [{ certFile: "${join(dir.path, 'r.crt')}", keyFile: "${join(dir.path, 'r.key')}" }]
  redirectHttp: true
`);
    try {
      const res = await request(`${redirecting.base}/a/./b?x=1`, { headers: { host: 'r.test' } });
      expect(res.statusCode).toBe(308);
      expect(res.headers['location']).toBe(`https://r.test:${String(redirecting.httpsPort)}/a/b?x=1`);
      await res.body.text();
    } finally {
      await redirecting.close();
    }
  });
});
