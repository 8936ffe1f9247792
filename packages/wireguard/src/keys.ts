import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { wireguardErrors } from './errors.js';

/** A WireGuard key pair, both keys in WireGuard's base64 form (44 characters ending in `=`). */
export interface KeyPair {
  /** The private key: secret, never logged, never passed in argv. */
  readonly privateKey: string;
  /** The public key derived from it: what peers configure. */
  readonly publicKey: string;
}

/** Length of every WireGuard key (Curve25519 keys and preshared keys), in bytes. */
export const KEY_BYTES = 32;

// 32 bytes are 43 base64 digits and one `=`; the last digit carries 2 padding bits, which must be zero for the
// encoding to be canonical (RFC 4648 §3.5), so only 16 digits may stand there. `wg` rejects the others too.
const CANONICAL_BASE64_KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;
const HEX_KEY = /^[0-9a-fA-F]{64}$/;
// PKCS #8 wrapping of a raw X25519 private key (RFC 8410 §7): node:crypto imports raw keys only in a container.
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/**
 * Generates an X25519 key pair, as `wg genkey | wg pubkey` would. The private key comes out clamped
 * (RFC 7748 §5), like `wg genkey`'s.
 */
export function generateKeyPair(): KeyPair {
  const jwk = generateKeyPairSync('x25519').privateKey.export({ format: 'jwk' });
  return { privateKey: fromBase64Url(jwk.d), publicKey: fromBase64Url(jwk.x) };
}

/** The public key of a private key (`wg pubkey`). Throws ERR_WG_KEY_INVALID for a malformed key. */
export function publicKeyFromPrivate(privateKey: string): string {
  const raw = parseKey(privateKey, 'private key');
  const key = createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });
  return fromBase64Url(createPublicKey(key).export({ format: 'jwk' }).x);
}

/** A fresh preshared key (`wg genpsk`): 32 random bytes, in base64. */
export function generatePresharedKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

/**
 * Decodes a key in WireGuard's base64 form to its 32 bytes. Strict: exactly 44 characters of canonical base64,
 * no whitespace, no base64url. Throws ERR_WG_KEY_INVALID naming `name`; the message never contains the value,
 * which may be secret.
 */
export function parseKey(text: string, name = 'key'): Buffer {
  if (typeof text !== 'string' || !CANONICAL_BASE64_KEY.test(text)) {
    throw wireguardErrors.keyInvalid.create(`${name} is not a WireGuard key: ${describeMistake(text)}`);
  }
  return Buffer.from(text, 'base64');
}

/** The lowercase hex form of a base64 key, as the UAPI socket expects it. Throws ERR_WG_KEY_INVALID. */
export function keyToHex(key: string, name = 'key'): string {
  return parseKey(key, name).toString('hex');
}

/**
 * The base64 form of a hex key read from the UAPI socket. Accepts either case (devices should send lowercase,
 * and wireguard-go reads either). Throws ERR_WG_KEY_INVALID.
 */
export function keyFromHex(hex: string, name = 'key'): string {
  if (!HEX_KEY.test(hex)) {
    throw wireguardErrors.keyInvalid.create(`${name} is not a WireGuard key: expected 64 hex digits`);
  }
  return Buffer.from(hex, 'hex').toString('base64');
}

function fromBase64Url(value: string | undefined): string {
  return Buffer.from(value ?? '', 'base64url').toString('base64');
}

// Names the likely mistake without echoing the value.
function describeMistake(text: unknown): string {
  if (typeof text !== 'string') return `expected a string, got ${typeof text}`;
  if (text.trim() !== text) return 'it has leading or trailing whitespace';
  if (HEX_KEY.test(text)) return 'it looks like hex; keys are base64 (44 characters ending in "=")';
  if (/[-_]/.test(text)) return 'it uses base64url characters ("-" or "_"); keys use standard base64';
  if (text.length !== 44) return `expected 44 base64 characters ending in "=", got ${text.length} characters`;
  return 'not canonical base64 of 32 bytes';
}
