import { createTestCa, makeTempDir, type TestCa, type TestCertificate } from '@rustronaut/testkit';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateStore, createHttpsServerOptions, loadCertificateFiles } from './certificate-store.js';

let ca: TestCa;
let defaultCert: TestCertificate;
let appCert: TestCertificate;
let wildcardCert: TestCertificate;

beforeAll(async () => {
  ca = await createTestCa();
  [defaultCert, appCert, wildcardCert] = await Promise.all([
    ca.issue({ names: ['default.test'] }),
    ca.issue({ names: ['app.test', 'API.test'] }),
    ca.issue({ names: ['*.wild.test'] }),
  ]);
});

describe('HTTPS with createHttpsServerOptions', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    const store = createCertificateStore([defaultCert, appCert, wildcardCert]);
    server = createServer(createHttpsServerOptions(store), (req, res) => res.end(`hello ${String(req.headers.host)}`));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => {
    server.close();
  });

  /** A request that trusts only the test CA and checks the certificate against `name` (node's default check). */
  function get(name: string): Promise<{ body: string; san: string | undefined }> {
    return new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, servername: name, headers: { host: name }, ca: ca.certPem },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          const san = (res.socket as TLSSocket).getPeerCertificate().subjectaltname;
          res.on('end', () => resolve({ body, san }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  /** The certificate served for `name` (or for no SNI at all), with the chain checked against the test CA. */
  async function servedFor(name: string | undefined): Promise<{ san: string | undefined; authorized: boolean }> {
    const socket = connect({
      host: '127.0.0.1',
      port,
      ca: ca.certPem,
      ...(name === undefined ? {} : { servername: name }),
      checkServerIdentity: () => undefined,
    });
    await once(socket, 'secureConnect');
    const served = { san: socket.getPeerCertificate().subjectaltname, authorized: socket.authorized };
    socket.destroy();
    return served;
  }

  it('serves the certificate named by SNI, which a client trusting the test CA accepts', async () => {
    expect(await get('app.test')).toEqual({ body: 'hello app.test', san: 'DNS:app.test, DNS:API.test' });
    expect(await get('api.test')).toMatchObject({ san: 'DNS:app.test, DNS:API.test' });
    expect(await get('default.test')).toEqual({ body: 'hello default.test', san: 'DNS:default.test' });
  });

  it('serves a wildcard certificate for exactly one label in front of its suffix', async () => {
    expect(await get('one.wild.test')).toEqual({ body: 'hello one.wild.test', san: 'DNS:*.wild.test' });
    expect(await servedFor('two.one.wild.test')).toEqual({ san: 'DNS:default.test', authorized: true });
    expect(await servedFor('wild.test')).toEqual({ san: 'DNS:default.test', authorized: true });
  });

  it('serves the first certificate for unknown names and for clients without SNI', async () => {
    expect(await servedFor('unknown.test')).toEqual({ san: 'DNS:default.test', authorized: true });
    expect(await servedFor(undefined)).toEqual({ san: 'DNS:default.test', authorized: true });
    await expect(get('unknown.test')).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });
});

describe('createHttpsServerOptions', () => {
  it('refuses certificates with different key types, which node would serve wrongly', async () => {
    const rsaCert = await ca.issue({ names: ['rsa.test'], keyType: 'rsa' });
    const store = createCertificateStore([defaultCert, rsaCert]);
    expect(store.entries.map((e) => e.keyType)).toEqual(['ec', 'rsa']);
    expect(() => createHttpsServerOptions(store)).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID', message: expect.stringContaining('same key type') }),
    );
  });

  it('serves RSA certificates by SNI when all certificates are RSA', async () => {
    const [first, second] = await Promise.all([
      ca.issue({ names: ['one.test'], keyType: 'rsa' }),
      ca.issue({ names: ['two.test'], keyType: 'rsa' }),
    ]);
    const server = createServer(createHttpsServerOptions(createCertificateStore([first, second])));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const socket = connect({
      host: '127.0.0.1',
      port: (server.address() as AddressInfo).port,
      servername: 'two.test',
      ca: ca.certPem,
    });
    await once(socket, 'secureConnect');
    expect(socket.getPeerCertificate().subjectaltname).toBe('DNS:two.test');
    socket.destroy();
    server.close();
  });
});

describe('createCertificateStore', () => {
  it('lists each certificate with its names, subject and earliest expiry over the chain', async () => {
    const shortCa = await createTestCa({ days: 2 });
    const leaf = await shortCa.issue({ names: ['chain.test'], days: 30 });
    const cnOnly = await ca.issue({ names: [], commonName: 'Legacy.Test' });
    const store = createCertificateStore([
      appCert,
      { certPem: `${leaf.certPem}${shortCa.certPem}`, keyPem: leaf.keyPem },
      cnOnly,
    ]);

    expect(store.entries.map(({ index, subject, names }) => ({ index, subject, names }))).toEqual([
      { index: 0, subject: 'CN=app.test', names: ['app.test', 'api.test'] },
      { index: 1, subject: 'CN=chain.test', names: ['chain.test'] },
      { index: 2, subject: 'CN=Legacy.Test', names: ['legacy.test'] },
    ]);
    const notAfter = (pem: string) => Date.parse(new X509Certificate(pem).validTo);
    expect(store.entries[0]?.notAfter.getTime()).toBe(notAfter(appCert.certPem));
    expect(store.entries[1]?.notAfter.getTime()).toBe(notAfter(shortCa.certPem));
    expect(notAfter(shortCa.certPem)).toBeLessThan(notAfter(leaf.certPem));
  });

  it('selects exact names before wildcards, case-insensitively, and the first certificate otherwise', async () => {
    const exactInWildcard = await ca.issue({ names: ['exact.wild.test'] });
    const store = createCertificateStore([defaultCert, wildcardCert, exactInWildcard]);
    const [d, w, e] = store.entries.map((entry) => entry.context);

    expect(store.defaultContext).toBe(d);
    expect(store.select('EXACT.wild.test')).toBe(e);
    expect(store.select('other.wild.test')).toBe(w);
    expect(store.select('a.b.wild.test')).toBe(d);
    expect(store.select(undefined)).toBe(d);
  });

  it('names the certificate whose key does not match, or that cannot be parsed', () => {
    expect(() =>
      createCertificateStore([defaultCert, { certPem: appCert.certPem, keyPem: defaultCert.keyPem }]),
    ).toThrow(
      expect.objectContaining({
        code: 'ERR_CONFIG_INVALID',
        message: 'TLS certificate 1 CN=app.test: the private key does not match the certificate',
      }),
    );
    expect(() => createCertificateStore([{ certPem: 'not a certificate', keyPem: defaultCert.keyPem }])).toThrow(
      'TLS certificate 0: no PEM certificate found',
    );
    const mangled = defaultCert.certPem.replace(/\n[A-Za-z0-9+/]{10}/, '\nAAAAAAAAAA');
    expect(() => createCertificateStore([{ certPem: mangled, keyPem: defaultCert.keyPem, source: 'a.pem' }])).toThrow(
      /^TLS certificate 0 \(a\.pem\): cannot parse the certificate/,
    );
    expect(() => createCertificateStore([{ certPem: defaultCert.certPem, keyPem: 'garbage' }])).toThrow(
      /^TLS certificate 0 CN=default\.test: cannot read the private key/,
    );
    expect(() => createCertificateStore([])).toThrow('TLS needs at least one certificate');
  });
});

describe('loadCertificateFiles', () => {
  it('reads PEM files into store inputs, and names a file it cannot read', async () => {
    await using dir = await makeTempDir('rustronaut-certs-');
    const certFile = join(dir.path, 'app.crt');
    const keyFile = join(dir.path, 'app.key');
    await writeFile(certFile, appCert.certPem);
    await writeFile(keyFile, appCert.keyPem);

    const [loaded] = await loadCertificateFiles([{ certFile, keyFile }]);
    expect(createCertificateStore([loaded!]).entries[0]?.names).toEqual(['app.test', 'api.test']);

    const missing = join(dir.path, 'missing.key');
    await expect(loadCertificateFiles([{ certFile, keyFile: missing }])).rejects.toMatchObject({
      code: 'ERR_CONFIG_INVALID',
      message: expect.stringContaining(`cannot read TLS key file "${missing}"`),
    });
  });
});
