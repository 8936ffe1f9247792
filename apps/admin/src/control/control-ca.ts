import { getSetting, insertSetting } from '@rustronaut/db';
import { errors, isAppError } from '@rustronaut/errors';
import { createHash, type webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';
import type { AdminContext } from '../context.js';
import { EC_P256, x509 } from './x509.js';

/** A certificate the CA issued. */
export interface IssuedCertificate {
  readonly certPem: string;
  /** SHA-256 of the DER certificate, lower-case hex: how the control listener recognises the agent. */
  readonly fingerprint: string;
  /** Serial number, hex. */
  readonly serial: string;
  readonly notAfter: Date;
}

/** The admin's built-in certificate authority for the control channel (ECDSA P-256). */
export interface ControlCa {
  /** The CA certificate (PEM) agents trust for the control listener. */
  readonly certPem: string;
  /**
   * Issues a client certificate for an agent from its PKCS#10 request: the agent's key never leaves it. The
   * subject is ours (`CN=gateway <id>`), whatever the request asked for. Throws ERR_VALIDATION for a request that
   * does not parse, is not self-signed correctly, or is not for an ECDSA P-256 key.
   */
  issueClientCertificate(csrPem: string, gatewayId: string, now: Date): Promise<IssuedCertificate>;
  /**
   * Issues a server certificate (with a fresh key) for these DNS names and IPs: by default for the control
   * listener (`CN=Rustronaut control`, one year).
   */
  issueServerCertificate(
    names: readonly string[],
    now: Date,
    options?: { readonly subject?: string; readonly days?: number },
  ): Promise<IssuedCertificate & { keyPem: string; notBefore: Date }>;
}

/** Where the CA is kept in `settings`: the certificate, and the PKCS#8 key sealed under the master key. */
const SETTING = 'control.ca';
const SEAL_CONTEXT = 'control-ca';
const storedCa = z.object({ certPem: z.string(), keyEnc: z.string() });

const DAY_MS = 86_400_000;
/** Client certificates: one year (renewal is not implemented yet; re-enrol with a new token). */
const CLIENT_DAYS = 365;
const SERVER_DAYS = 365;
const CA_DAYS = 20 * 365;
/** Backdating absorbs clock skew between the admin and its agents. */
const BACKDATE_MS = 5 * 60_000;

const cache = new WeakMap<AdminContext, Promise<ControlCa>>();

/** The CA of this admin: loaded from `settings` (created there on first use), once per context. */
export function controlCa(ctx: AdminContext): Promise<ControlCa> {
  return cachedCa(ctx, cache, CONTROL_CA, caOf);
}

/** Where a CA of the admin is kept in `settings`, and what its certificate is called. */
export interface StoredCaSpec {
  /** Setting key of `{ certPem, keyEnc }`; the PKCS#8 key is sealed under the master key with the same context. */
  readonly setting: string;
  /** Subject of the self-signed CA certificate, e.g. `CN=Rustronaut control CA`. */
  readonly subject: string;
  /** Additional authenticated data the key is sealed with (binds the ciphertext to this use). */
  readonly sealContext: string;
  /** Name used in the log line on creation. */
  readonly label: string;
}

const CONTROL_CA: StoredCaSpec = {
  setting: SETTING,
  subject: 'CN=Rustronaut control CA',
  sealContext: SEAL_CONTEXT,
  label: 'control channel',
};

/**
 * A CA of this admin made by `build` from its certificate and key: loaded from `settings` (created there on first
 * use) once per context and memoised in `memo`. A failed load (database down) is retried by the next caller.
 */
export function cachedCa<T>(
  ctx: AdminContext,
  memo: WeakMap<AdminContext, Promise<T>>,
  spec: StoredCaSpec,
  build: (certPem: string, key: webcrypto.CryptoKey) => T,
): Promise<T> {
  let ca = memo.get(ctx);
  if (ca === undefined) {
    ca = loadOrCreateCa(ctx, spec).then(({ certPem, key }) => build(certPem, key));
    memo.set(ctx, ca);
    ca.catch(() => memo.delete(ctx));
  }
  return ca;
}

async function loadOrCreateCa(ctx: AdminContext, spec: StoredCaSpec) {
  let stored = await readStored(ctx, spec.setting);
  if (stored === undefined) {
    const created = await createCa(spec.subject, ctx.now());
    try {
      await insertSetting(ctx.db, spec.setting, {
        certPem: created.certPem,
        keyEnc: ctx.secrets.seal(created.pkcs8, spec.sealContext),
      });
      ctx.logger.info(`${spec.label}: certificate authority created`);
      return { certPem: created.certPem, key: created.key };
    } catch (err) {
      // Another admin process sharing the database created it first: use theirs.
      if (!isAppError(err) || err.code !== errors.dbUniqueViolation.code) throw err;
      stored = await readStored(ctx, spec.setting);
      if (stored === undefined) throw err;
    }
  }
  const key = await importKey(ctx.secrets.open(stored.keyEnc, spec.sealContext));
  return { certPem: stored.certPem, key };
}

async function readStored(ctx: AdminContext, setting: string) {
  const value = await getSetting(ctx.db, setting);
  if (value === undefined) return undefined;
  const parsed = storedCa.safeParse(value);
  if (!parsed.success) throw new Error(`setting ${setting} is not a stored CA`);
  return parsed.data;
}

async function createCa(subject: string, now: Date) {
  const keys = await crypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: subject,
    keys,
    signingAlgorithm: EC_P256,
    serialNumber: randomSerial(),
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + CA_DAYS * DAY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { certPem: cert.toString('pem'), key: keys.privateKey, pkcs8 };
}

function importKey(pkcs8: Buffer): Promise<webcrypto.CryptoKey> {
  return crypto.subtle.importKey('pkcs8', pkcs8, EC_P256, false, ['sign']);
}

/** The issuing side of a CA from its certificate and key. */
export function caOf(certPem: string, key: webcrypto.CryptoKey): ControlCa {
  const caCert = new x509.X509Certificate(certPem);
  const issue = async (
    subject: string,
    publicKey: x509.PublicKey,
    usage: x509.ExtendedKeyUsage,
    days: number,
    now: Date,
    extra: x509.Extension[] = [],
  ): Promise<IssuedCertificate> => {
    const cert = await x509.X509CertificateGenerator.create({
      subject,
      issuer: caCert.subject,
      publicKey,
      signingKey: key,
      signingAlgorithm: EC_P256,
      serialNumber: randomSerial(),
      notBefore: new Date(now.getTime() - BACKDATE_MS),
      notAfter: new Date(now.getTime() + days * DAY_MS),
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([usage]),
        await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
        ...extra,
      ],
    });
    return {
      certPem: cert.toString('pem'),
      fingerprint: fingerprintOf(Buffer.from(cert.rawData)),
      serial: cert.serialNumber,
      notAfter: cert.notAfter,
    };
  };

  return {
    certPem,
    async issueClientCertificate(csrPem, gatewayId, now) {
      const publicKey = await checkedRequestKey(csrPem);
      return issue(`CN=gateway ${gatewayId}`, publicKey, x509.ExtendedKeyUsage.clientAuth, CLIENT_DAYS, now);
    },
    async issueServerCertificate(names, now, options = {}) {
      const keys = await crypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']);
      const san = new x509.SubjectAlternativeNameExtension(
        names.map((name) => ({ type: isIP(name) === 0 ? ('dns' as const) : ('ip' as const), value: name })),
      );
      const issued = await issue(
        options.subject ?? 'CN=Rustronaut control',
        await x509.PublicKey.create(keys.publicKey),
        x509.ExtendedKeyUsage.serverAuth,
        options.days ?? SERVER_DAYS,
        now,
        [san],
      );
      const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
      return {
        ...issued,
        keyPem: toPem(pkcs8, 'PRIVATE KEY'),
        notBefore: new Date(now.getTime() - BACKDATE_MS),
      };
    },
  };
}

/** The public key of a well-formed, correctly self-signed request for an ECDSA P-256 key. */
async function checkedRequestKey(csrPem: string): Promise<x509.PublicKey> {
  const invalid = (message: string) =>
    errors.validation.create(`the certificate request ${message}`, {
      details: { errors: [{ field: 'body.csr', message }] },
    });
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch {
    throw invalid('is not a PKCS#10 request');
  }
  const algorithm = csr.publicKey.algorithm as { name?: string; namedCurve?: string };
  if (algorithm.name !== 'ECDSA' || algorithm.namedCurve !== 'P-256') throw invalid('is not for an ECDSA P-256 key');
  const verified = await csr.verify().catch(() => false);
  if (!verified) throw invalid('has a signature that does not verify');
  return csr.publicKey;
}

/** SHA-256 of a DER certificate, lower-case hex. */
export function fingerprintOf(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex');
}

/** 16 random bytes with the top bit clear, so the DER integer stays positive (RFC 5280 section 4.1.2.2). */
function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Buffer.from(bytes).toString('hex');
}

function toPem(der: Buffer, label: string): string {
  const body = der.toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}
