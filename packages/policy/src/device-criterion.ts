import { checkList, checkObject, fail, hasControl } from './check.js';
import type { CriterionMatcher } from './criterion.js';
import { listed, shown } from './format.js';
import type { PreparedRequest } from './prepared-request.js';
import type { DeviceContext } from './types.js';

/** SAN types as Node's `X509Certificate.subjectAltName` prints them. */
const SAN_TYPES = ['DNS:', 'URI:', 'email:', 'IP Address:'];

const COLON_PAIRS = /^(?:[0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/;

/** 64 lowercase hex digits: the form fingerprints take in policies and request contexts. */
export function isFingerprint(text: string): boolean {
  if (text.length !== 64) return false;
  for (let i = 0; i < 64; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}

/**
 * A SHA-256 certificate fingerprint in canonical form (64 lowercase hex digits), from that form in any case or
 * from the colon-separated form Node's `X509Certificate.fingerprint256` returns (`AB:CD:...`); `undefined` for
 * anything else. The gateway converts once per TLS connection, so requests compare plain strings.
 */
export function normalizeFingerprint(text: string): string | undefined {
  let hex = text;
  if (text.length === 95) {
    if (!COLON_PAIRS.test(text)) return undefined;
    hex = text.replaceAll(':', '');
  }
  hex = hex.toLowerCase();
  return isFingerprint(hex) ? hex : undefined;
}

/** `DNS:<name>` with the name in lowercase: DNS names compare case-insensitively (RFC 4343). */
const lowerDns = (san: string): string => `DNS:${san.slice(4).toLowerCase()}`;

/** A fingerprint shortened for explanations; 16 hex digits identify a certificate to a person. */
const short = (fingerprint: string): string => `${fingerprint.slice(0, 16)}…`;

function fingerprintList(value: unknown, field: string): Set<string> {
  return new Set(
    checkList(value, field).map((entry, i) => {
      const normalized = typeof entry === 'string' ? normalizeFingerprint(entry) : undefined;
      if (normalized === undefined) {
        fail(
          `${field}[${String(i)}]`,
          `must be a SHA-256 fingerprint (64 hex digits, or colon-separated pairs), got ${shown(entry)}`,
        );
      }
      return normalized;
    }),
  );
}

function sanList(value: unknown, field: string): Set<string> {
  return new Set(
    checkList(value, field).map((entry, i) => {
      const at = `${field}[${String(i)}]`;
      if (typeof entry !== 'string' || hasControl(entry)) fail(at, `must be a string, got ${shown(entry)}`);
      const type = SAN_TYPES.find((prefix) => entry.startsWith(prefix));
      if (type === undefined || entry.length === type.length) {
        fail(
          at,
          `must be "<type>:<value>" with a type of ${SAN_TYPES.join(' ')} as Node prints SANs, got ${shown(entry)}`,
        );
      }
      // The request side is lowered only on a miss, see `matchingSan`.
      return type === 'DNS:' ? lowerDns(entry) : entry;
    }),
  );
}

/** The request's SAN found in `sans`, if any; a `DNS:` name in another case is retried in lowercase. */
function matchingSan(sans: ReadonlySet<string>, device: DeviceContext): string | undefined {
  for (const san of device.sans) {
    if (sans.has(san) || (san.startsWith('DNS:') && sans.has(lowerDns(san)))) return san;
  }
  return undefined;
}

/** The fingerprint of a certificate in the request's chain that is in `cas`, if any. */
function chainCa(cas: ReadonlySet<string>, device: DeviceContext): string | undefined {
  for (const fingerprint of device.chainFingerprints) if (cas.has(fingerprint)) return fingerprint;
  return undefined;
}

/**
 * Compiles `device`: the request must carry a verified client certificate, and every given field must match:
 * a CA in its chain, one of its SANs, or its own fingerprint. The gateway verifies the chain; this only compares.
 */
export function compileDevice(value: unknown, field: string): CriterionMatcher {
  const device = checkObject(value, field, ['caFingerprints', 'sans', 'fingerprints']);
  const cas =
    device.caFingerprints === undefined ? undefined : fingerprintList(device.caFingerprints, `${field}.caFingerprints`);
  const sans = device.sans === undefined ? undefined : sanList(device.sans, `${field}.sans`);
  const leaves =
    device.fingerprints === undefined ? undefined : fingerprintList(device.fingerprints, `${field}.fingerprints`);

  const matches = (req: PreparedRequest): boolean => {
    const cert = req.device;
    return (
      cert !== undefined &&
      (cas === undefined || chainCa(cas, cert) !== undefined) &&
      (sans === undefined || matchingSan(sans, cert) !== undefined) &&
      (leaves === undefined || leaves.has(cert.fingerprint))
    );
  };
  return {
    criterion: 'device',
    matches,
    describe(req) {
      const cert = req.device;
      if (cert === undefined) return 'no verified client certificate';
      const parts: string[] = [];
      if (cas !== undefined) {
        const ca = chainCa(cas, cert);
        parts.push(
          ca === undefined ? `chain holds none of CA ${listed([...cas].map(short))}` : `chain holds CA ${short(ca)}`,
        );
      }
      if (sans !== undefined) {
        const san = matchingSan(sans, cert);
        parts.push(san === undefined ? `SANs hold none of ${listed([...sans])}` : `SAN ${san} is allowed`);
      }
      if (leaves !== undefined) {
        const known = leaves.has(cert.fingerprint);
        parts.push(`certificate ${short(cert.fingerprint)} is ${known ? '' : 'not '}a listed fingerprint`);
      }
      return parts.length === 0 ? 'a verified client certificate is present' : parts.join('; ');
    },
  };
}
