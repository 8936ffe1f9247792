import { INTENT_VERSION, redirectIntent, type RedirectIntent } from '@rustronaut/contracts';
import { errors } from '@rustronaut/errors';
import { createDecipheriv } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The org a redirect intent claims to come from, read before its key is known; undefined when malformed. */
export function intentOrg(token: string): string | undefined {
  const [version, orgId, body, extra] = token.split('.');
  if (version !== INTENT_VERSION || orgId === undefined || body === undefined || extra !== undefined) return undefined;
  return UUID.test(orgId) ? orgId : undefined;
}

/**
 * Decrypts a redirect intent a gateway of `orgId` made (`v1.<orgId>.<base64url(iv | ciphertext | tag)>`,
 * AES-256-GCM with the org id as additional data), and checks its shape and expiry. Anything else — a changed
 * byte, another org's key, an expired intent — is ERR_ACCESS_INTENT_INVALID: the admin never redirects to
 * anything a browser made up.
 */
export function openIntent(token: string, orgId: string, intentKey: string, now: Date): RedirectIntent {
  const invalid = (why: string) =>
    errors.accessIntentInvalid.create(`the sign-in intent ${why}; open the resource again`);
  if (intentOrg(token) !== orgId) throw invalid('is malformed');
  const sealed = Buffer.from(token.split('.')[2] ?? '', 'base64url');
  if (sealed.length <= IV_BYTES + TAG_BYTES) throw invalid('is malformed');
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', Buffer.from(intentKey, 'base64url'), sealed.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(orgId));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    plain = Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw invalid('does not verify');
  }
  let parsed: RedirectIntent;
  try {
    parsed = redirectIntent.parse(JSON.parse(plain.toString('utf8')));
  } catch {
    throw invalid('is malformed');
  }
  if (parsed.exp * 1000 <= now.getTime()) throw invalid('has expired');
  return parsed;
}
