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
  /** Issues a server certificate (with a fresh key) for the control listener, for these DNS names and IPs. */
  issueServerCertificate(names: readonly string[], now: Date): Promise<IssuedCertificate & { keyPem: string }>;
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
  let ca = cache.get(ctx);
  if (ca === undefined) {
    ca = loadOrCreateCa(ctx);
    cache.set(ctx, ca);
    // A failed load (database down) is retried by the next caller rather than remembered.
    ca.catch(() => cache.delete(ctx));
  }
  return ca;
}

async function loadOrCreateCa(ctx: AdminContext): Promise<ControlCa> {
  let stored = await readStored(ctx);
  if (stored === undefined) {
    const created = await createCa(ctx.now());
    try {
      await insertSetting(ctx.db, SETTING, {
        certPem: created.certPem,
        keyEnc: ctx.secrets.seal(created.pkcs8, SEAL_CONTEXT),
      });
      ctx.logger.info('control channel: certificate authority created');
      return caOf(created.certPem, created.key);
    } catch (err) {
      // Another admin process sharing the database created it first: use theirs.
      if (!isAppError(err) || err.code !== errors.dbUniqueViolation.code) throw err;
      stored = await readStored(ctx);
      if (stored === undefined) throw err;
    }
  }
  const key = await importKey(ctx.secrets.open(stored.keyEnc, SEAL_CONTEXT));
  return caOf(stored.certPem, key);
}

async function readStored(ctx: AdminContext) {
  const value = await getSetting(ctx.db, SETTING);
  if (value === undefined) return undefined;
  const parsed = storedCa.safeParse(value);
  if (!parsed.success) throw new Error(`setting ${SETTING} is not a stored CA`);
  return parsed.data;
}

async function createCa(now: Date) {
  const keys = await crypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=Rustronaut control CA',
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

function caOf(certPem: string, key: webcrypto.CryptoKey): ControlCa {
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
    async issueServerCertificate(names, now) {
      const keys = await crypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']);
      const san = new x509.SubjectAlternativeNameExtension(
        names.map((name) => ({ type: isIP(name) === 0 ? ('dns' as const) : ('ip' as const), value: name })),
      );
      const issued = await issue(
        'CN=Rustronaut control',
        await x509.PublicKey.create(keys.publicKey),
        x509.ExtendedKeyUsage.serverAuth,
        SERVER_DAYS,
        now,
        [san],
      );
      const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', keys.privateKey));
      return { ...issued, keyPem: toPem(pkcs8, 'PRIVATE KEY') };
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
