import { createHash, randomBytes } from 'node:crypto';

/** Every API key starts with this, so secret scanners and people recognise one. */
export const API_KEY_PREFIX = 'rsk_';

const KEY_PATTERN = /^rsk_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

/** A new API key: `rsk_<12 alphanumerics: lookup prefix>_<32 random bytes base64url>`. */
export function generateApiKey(): { key: string; prefix: string; secretHash: string } {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const prefix = Array.from(randomBytes(12), (byte) => alphabet[byte % alphabet.length]).join('');
  const key = `${API_KEY_PREFIX}${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, secretHash: sha256Hex(key) };
}

/** Splits a presented key into its lookup prefix; undefined when it is not shaped like one of ours. */
export function parseApiKey(key: string): { prefix: string } | undefined {
  const m = KEY_PATTERN.exec(key);
  return m?.[1] === undefined ? undefined : { prefix: m[1] };
}

/** SHA-256 in hex: how API keys, refresh tokens and one-time tokens are stored (they are high-entropy). */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
