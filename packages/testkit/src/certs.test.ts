import { X509Certificate, createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTestCa } from './certs.js';

describe('createTestCa', () => {
  it('issues leaf certificates with the given SANs, signed by the CA and matching their keys', async () => {
    const ca = await createTestCa({ commonName: 'Test Root' });
    const root = new X509Certificate(ca.certPem);
    expect(root.ca).toBe(true);
    expect(root.subject).toBe('CN=Test Root');

    const leaf = await ca.issue({ names: ['a.test', '*.wild.test', '127.0.0.1'] });
    const cert = new X509Certificate(leaf.certPem);
    expect(cert.ca).toBe(false);
    expect(cert.subject).toBe('CN=a.test');
    expect(cert.subjectAltName).toBe('DNS:a.test, DNS:*.wild.test, IP Address:127.0.0.1');
    expect(cert.checkIssued(root)).toBe(true);
    expect(cert.verify(root.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(leaf.keyPem))).toBe(true);
    expect(cert.publicKey.asymmetricKeyType).toBe('ec');
  });

  it('issues RSA certificates, and certificates named only by their CN', async () => {
    const ca = await createTestCa({ keyType: 'rsa' });
    const leaf = await ca.issue({ names: [], commonName: 'cn-only.test', keyType: 'rsa', days: 30 });
    const cert = new X509Certificate(leaf.certPem);
    expect(cert.subject).toBe('CN=cn-only.test');
    expect(cert.subjectAltName).toBeUndefined();
    expect(cert.publicKey.asymmetricKeyType).toBe('rsa');
    expect(Date.parse(cert.validTo) - Date.now()).toBeGreaterThan(29 * 86_400_000);
  });

  it('rejects names that are neither DNS names nor IP addresses', async () => {
    const ca = await createTestCa();
    await expect(ca.issue({ names: ['bad name'] })).rejects.toThrow(/"bad name" is neither/);
    await expect(ca.issue({ names: ['a.test'], days: 0 })).rejects.toThrow(TypeError);
  });
});
