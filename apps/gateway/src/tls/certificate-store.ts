import { errors } from '@rustronaut/errors';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';

/** One certificate chain and its private key, in PEM. */
export interface CertificateInput {
  /** The leaf certificate first, then any intermediates. */
  readonly certPem: string | Buffer;
  readonly keyPem: string | Buffer;
  /** Where it came from (a file name), for error messages. */
  readonly source?: string | undefined;
}

/** A loaded certificate, as the store serves it. */
export interface CertificateEntry {
  /** Position in the input list; 0 is the default certificate. */
  readonly index: number;
  /** Subject of the leaf, e.g. `CN=example.com`. */
  readonly subject: string;
  /** Lowercased DNS names it serves: its DNS SANs, or its CN when it has none (`*.example.com` for wildcards). */
  readonly names: readonly string[];
  /** Earliest `notAfter` over the whole chain: when serving it stops working (for an expiry metric). */
  readonly notAfter: Date;
  /** Key algorithm of the leaf: `ec`, `rsa`, `rsa-pss`, `ed25519`... */
  readonly keyType: string;
  readonly context: SecureContext;
}

/** Certificates indexed by name; see {@link createCertificateStore}. */
export interface CertificateStore {
  /** The context for a TLS server name: exact name, then wildcard, then the default. */
  select(serverName: string | undefined): SecureContext;
  /** The first certificate's context, for clients that send no or an unknown server name. */
  readonly defaultContext: SecureContext;
  readonly entries: readonly CertificateEntry[];
  /** PEM of the default certificate and key: `tls.createServer` builds its own default context from them. */
  readonly defaultCertificate: CertificateInput;
}

const MIN_VERSION = 'TLSv1.2';
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/**
 * Builds one TLS context per certificate and indexes them by the names they serve; `clientCa` (PEM) is the trust
 * store for client certificates, when some route uses mTLS. Checks every input up front:
 * an unparsable certificate or key, or a key that does not belong to the certificate, throws `ERR_CONFIG_INVALID`
 * naming the certificate. When several certificates serve one name, the first listed wins.
 */
export function createCertificateStore(
  certs: readonly CertificateInput[],
  clientCa: readonly string[] = [],
): CertificateStore {
  if (certs.length === 0) throw errors.configInvalid.create('TLS needs at least one certificate');
  const entries = certs.map((input, index) => loadCertificateEntry(input, index, clientCa));
  const exact = new Map<string, SecureContext>();
  // Keyed by what follows `*.`: RFC 6125 section 6.4.3 lets the wildcard stand for exactly one whole label.
  const wildcard = new Map<string, SecureContext>();
  for (const entry of entries) {
    for (const name of entry.names) {
      if (name.startsWith('*.')) {
        if (!wildcard.has(name.slice(2))) wildcard.set(name.slice(2), entry.context);
      } else if (!name.includes('*') && !exact.has(name)) {
        // Partial wildcards (`w*.example.com`) are ignored: RFC 6125 section 7.2 advises against them.
        exact.set(name, entry.context);
      }
    }
  }
  const defaultContext = (entries[0] as CertificateEntry).context;
  return {
    defaultContext,
    entries,
    defaultCertificate: certs[0] as CertificateInput,
    select(serverName) {
      if (serverName === undefined) return defaultContext;
      const name = serverName.toLowerCase();
      const found = exact.get(name);
      if (found !== undefined) return found;
      const dot = name.indexOf('.');
      return (dot > 0 ? wildcard.get(name.slice(dot + 1)) : undefined) ?? defaultContext;
    },
  };
}

/**
 * Loads one certificate and its key into a TLS context (TLS 1.2 floor, `clientCa` for mTLS), checking that the
 * key belongs to the certificate; throws `ERR_CONFIG_INVALID` naming certificate `index` otherwise.
 */
export function loadCertificateEntry(
  input: CertificateInput,
  index: number,
  clientCa: readonly string[] = [],
): CertificateEntry {
  let label = `certificate ${String(index)}${input.source === undefined ? '' : ` (${input.source})`}`;
  const fail = (reason: string, cause?: unknown): never => {
    throw errors.configInvalid.create(`TLS ${label}: ${reason}`, cause === undefined ? undefined : { cause });
  };
  const chain = String(input.certPem).match(PEM_CERTIFICATE) ?? fail('no PEM certificate found');
  let certificates: X509Certificate[] = [];
  try {
    certificates = chain.map((pem) => new X509Certificate(pem));
  } catch (err) {
    fail(`cannot parse the certificate: ${(err as Error).message}`, err);
  }
  const leaf = certificates[0] as X509Certificate;
  label += ` ${leaf.subject.replaceAll('\n', ', ')}`;
  try {
    if (!leaf.checkPrivateKey(createPrivateKey(input.keyPem))) fail('the private key does not match the certificate');
  } catch (err) {
    if ((err as { code?: unknown }).code === errors.configInvalid.code) throw err;
    fail(`cannot read the private key: ${(err as Error).message}`, err);
  }
  let context: SecureContext | undefined;
  try {
    context = createSecureContext({
      cert: input.certPem,
      key: input.keyPem,
      minVersion: MIN_VERSION,
      // The CAs client certificates are verified against (mTLS routes); each SNI context needs them.
      ...(clientCa.length > 0 ? { ca: [...clientCa] } : {}),
    });
  } catch (err) {
    fail(`cannot build a TLS context: ${(err as Error).message}`, err);
  }
  const names = dnsNames(leaf);
  if (names.length === 0) fail('it names no host: no DNS subject alternative name and no CN');
  return {
    index,
    subject: leaf.subject,
    names,
    notAfter: new Date(Math.min(...certificates.map((c) => Date.parse(c.validTo)))),
    keyType: leaf.publicKey.asymmetricKeyType ?? 'unknown',
    context: context as SecureContext,
  };
}

/** DNS SANs, or the subject CN when there are none (RFC 6125 section 6.4.4), lowercased. */
function dnsNames(cert: X509Certificate): string[] {
  // node renders SANs as `DNS:a.example, IP Address:10.0.0.1`; names with odd characters come JSON-quoted, and
  // no valid host name needs quoting, so those are skipped.
  const sans = (cert.subjectAltName ?? '')
    .split(', ')
    .filter((san) => san.startsWith('DNS:') && !san.startsWith('DNS:"'))
    .map((san) => san.slice(4).toLowerCase());
  if (sans.length > 0) return sans;
  const cn = cert.subject
    .split('\n')
    .find((part) => part.startsWith('CN='))
    ?.slice(3);
  return cn === undefined ? [] : [cn.toLowerCase()];
}

/** Reads PEM certificate and key files, for {@link createCertificateStore}; a file that cannot be read is named. */
export async function loadCertificateFiles(
  files: readonly { readonly certFile: string; readonly keyFile: string }[],
): Promise<CertificateInput[]> {
  const read = (file: string, what: string): Promise<Buffer> =>
    readFile(file).catch((err: unknown) => {
      throw errors.configInvalid.create(`cannot read TLS ${what} file "${file}": ${(err as Error).message}`, {
        cause: err,
      });
    });
  return Promise.all(
    files.map(async ({ certFile, keyFile }) => {
      const [certPem, keyPem] = await Promise.all([read(certFile, 'certificate'), read(keyFile, 'key')]);
      return { certPem, keyPem, source: certFile };
    }),
  );
}

/**
 * Options for `https.createServer` / `tls.createServer`: the first certificate by default, the rest chosen by SNI.
 * TLS 1.2 is the floor (RFC 8996 deprecates 1.0 and 1.1).
 *
 * Every certificate must have the same key type: node adds the SNI certificate next to the default one instead of
 * replacing it when their key types differ, and OpenSSL then serves whichever the client's signature algorithms
 * prefer, usually the wrong one (nodejs/node#54235). Mixed key types throw `ERR_CONFIG_INVALID` here.
 */
export function createHttpsServerOptions(store: CertificateStore): SecureContextOptions & {
  SNICallback: (serverName: string, callback: (err: Error | null, context?: SecureContext) => void) => void;
} {
  const [first] = store.entries;
  const mixed = store.entries.find((entry) => entry.keyType !== first?.keyType);
  if (first !== undefined && mixed !== undefined) {
    throw errors.configInvalid.create(
      `TLS certificates must all have the same key type: certificate ${String(mixed.index)} (${mixed.subject}) ` +
        `has an ${mixed.keyType} key, certificate 0 (${first.subject}) an ${first.keyType} key; ` +
        'node would serve the wrong certificate for some names',
    );
  }
  return {
    cert: store.defaultCertificate.certPem,
    key: store.defaultCertificate.keyPem,
    minVersion: MIN_VERSION,
    SNICallback: (serverName, callback) => callback(null, store.select(serverName)),
  };
}
