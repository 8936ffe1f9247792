import { orgAccessKeys } from '@rustronaut/db';
import { eq } from 'drizzle-orm';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { AdminContext } from '../context.js';

/** The secrets of an org's gateway access flow, opened. */
export interface OrgAccessKeys {
  /** 32 bytes in base64url: encrypts redirect intents (AES-256-GCM). */
  readonly intentKey: string;
  /** Ed25519 private key, PKCS#8 PEM: signs `X-Rustronaut-Assertion` on the org's gateways. */
  readonly assertionKeyPem: string;
}

const intentContext = (orgId: string) => `intent-key:${orgId}`;
const assertionContext = (orgId: string) => `assertion-key:${orgId}`;

/**
 * The org's access keys, made and stored (sealed under the master key) on first use. Two admin processes racing
 * to make them both read back the row that won, so every gateway of the org gets the same keys.
 */
export async function orgAccessKeysOf(
  ctx: Pick<AdminContext, 'db' | 'secrets'>,
  orgId: string,
): Promise<OrgAccessKeys> {
  const read = async () =>
    (await ctx.db.select().from(orgAccessKeys).where(eq(orgAccessKeys.orgId, orgId)).limit(1))[0];
  let row = await read();
  if (row === undefined) {
    const intentKey = randomBytes(32).toString('base64url');
    const assertionKeyPem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' });
    await ctx.db
      .insert(orgAccessKeys)
      .values({
        orgId,
        intentKeyEnc: ctx.secrets.seal(intentKey, intentContext(orgId)),
        assertionKeyEnc: ctx.secrets.seal(assertionKeyPem, assertionContext(orgId)),
      })
      .onConflictDoNothing();
    row = await read();
    if (row === undefined) throw new Error(`the access keys of org ${orgId} could not be stored`);
  }
  return {
    intentKey: ctx.secrets.open(row.intentKeyEnc, intentContext(orgId)).toString('utf8'),
    assertionKeyPem: ctx.secrets.open(row.assertionKeyEnc, assertionContext(orgId)).toString('utf8'),
  };
}
