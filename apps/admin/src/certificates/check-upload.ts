import { errors } from '@rustronaut/errors';
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';

/** An uploaded chain and key that passed {@link checkUpload}. */
export interface CheckedUpload {
  /** The chain as uploaded, leaf first, one PEM block per certificate. */
  readonly certPem: string;
  /** The key as PKCS#8 PEM, the form gateways take. */
  readonly keyPem: string;
  readonly leaf: X509Certificate;
  /** Lower-cased DNS names of the leaf. */
  readonly hosts: string[];
  readonly notBefore: Date;
  /** The earliest end over the chain: when serving it stops working. */
  readonly notAfter: Date;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const MAX_CHAIN = 10;
/** A certificate that starts within this much of now is accepted: the issuer's clock may be a little ahead. */
const CLOCK_SKEW_MS = 5 * 60_000;
const HOST = /^(\*\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * Checks a certificate chain and key uploaded by hand, each failure with its own code (HTTP 422): the PEM parses
 * (`ERR_CERT_UNPARSABLE`, also for a leaf without DNS names or an encrypted key), the key belongs to the leaf
 * (`ERR_CERT_KEY_MISMATCH`), each certificate is signed by the next one (`ERR_CERT_CHAIN_INVALID`), and every one
 * is valid at `now` (`ERR_CERT_EXPIRED`). The chain need not end at a root: browsers have the root.
 */
export function checkUpload(certPem: string, keyPem: string, now: Date): CheckedUpload {
  const blocks = certPem.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw errors.certificateUnparsable.create('certPem holds no PEM certificate');
  if (blocks.length > MAX_CHAIN) {
    throw errors.certificateUnparsable.create(`certPem holds ${String(blocks.length)} certificates; at most 10`);
  }
  const chain = blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (err) {
      throw errors.certificateUnparsable.create(
        `certificate ${String(i + 1)} of certPem does not parse: ${(err as Error).message}`,
      );
    }
  });
  const leaf = chain[0] as X509Certificate;
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch (err) {
    throw errors.certificateUnparsable.create(
      `keyPem is not an unencrypted PEM private key: ${(err as Error).message}`,
    );
  }
  if (key.asymmetricKeyType === undefined || !leaf.checkPrivateKey(key)) {
    throw errors.certificateKeyMismatch.create(`keyPem is not the key of ${leaf.subject.replaceAll('\n', ', ')}`);
  }
  chain.slice(0, -1).forEach((cert, i) => {
    const issuer = chain[i + 1] as X509Certificate;
    if (!cert.checkIssued(issuer) || !cert.verify(issuer.publicKey)) {
      throw errors.certificateChainInvalid.create(
        `certificate ${String(i + 1)} (${cert.subject.replaceAll('\n', ', ')}) is not signed by certificate ` +
          `${String(i + 2)} (${issuer.subject.replaceAll('\n', ', ')}); put the leaf first, then its issuer`,
      );
    }
  });
  for (const [i, cert] of chain.entries()) {
    if (Date.parse(cert.validTo) <= now.getTime()) {
      throw errors.certificateExpired.create(`certificate ${String(i + 1)} expired on ${cert.validTo}`);
    }
    if (Date.parse(cert.validFrom) > now.getTime() + CLOCK_SKEW_MS) {
      throw errors.certificateExpired.create(`certificate ${String(i + 1)} is not valid before ${cert.validFrom}`);
    }
  }
  // node renders SANs as `DNS:a.example, IP Address:10.0.0.1`; quoted names (odd characters) are no host names.
  const hosts = (leaf.subjectAltName ?? '')
    .split(', ')
    .filter((san) => san.startsWith('DNS:'))
    .map((san) => san.slice(4).toLowerCase())
    .filter((name) => HOST.test(name) && name.length <= 253);
  if (hosts.length === 0) {
    throw errors.certificateUnparsable.create('the leaf certificate names no DNS host (subject alternative names)');
  }
  if (hosts.length > 100) throw errors.certificateUnparsable.create('the leaf names more than 100 hosts');
  return {
    certPem: `${blocks.join('\n')}\n`,
    keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    leaf,
    hosts: [...new Set(hosts)],
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(Math.min(...chain.map((c) => Date.parse(c.validTo)))),
  };
}
