import { errors } from '@rustronaut/errors';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Encrypts secrets at rest with AES-256-GCM under the master key. */
export interface SecretBox {
  /**
   * Encrypts `plaintext`, bound to `context` (additional authenticated data, e.g. `signing-key:<kid>`): a
   * ciphertext moved to another row does not decrypt. Returns `v1.<iv>.<ciphertext+tag>` in base64url.
   */
  seal(plaintext: string | Buffer, context: string): string;
  /** Decrypts what {@link seal} returned for the same context; throws ERR_SECRET_UNREADABLE otherwise. */
  open(sealed: string, context: string): Buffer;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A {@link SecretBox} over a 32-byte key. */
export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new TypeError('the master key must be 32 bytes');
  return {
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context));
      const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
      return `v1.${iv.toString('base64url')}.${body.toString('base64url')}`;
    },
    open(sealed, context) {
      const [version, ivText, bodyText] = sealed.split('.');
      const iv = Buffer.from(ivText ?? '', 'base64url');
      const body = Buffer.from(bodyText ?? '', 'base64url');
      if (version !== 'v1' || iv.length !== IV_BYTES || body.length < TAG_BYTES) {
        throw errors.secretUnreadable.create(`the stored secret for ${context} is not in a known format`);
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv);
        decipher.setAAD(Buffer.from(context));
        decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
        return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]);
      } catch {
        throw errors.secretUnreadable.create(
          `the stored secret for ${context} does not decrypt: is RUSTRONAUT_MASTER_KEY the key it was written with?`,
        );
      }
    },
  };
}
