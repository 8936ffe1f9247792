// Test helper: a redirect intent sealed the way a gateway of the org seals it (apps/gateway/src/access/org-access.ts),
// for admin tests that have no gateway.
import { createCipheriv, randomBytes } from 'node:crypto';
import { orgAccessKeysOf } from '../src/access/access-keys.js';
import type { AdminContext } from '../src/context.js';

/** `v1.<orgId>.<base64url(iv | ciphertext | tag)>` for `resourceId` on `origin`, valid 10 minutes from the admin's clock. */
export async function sealTestIntent(
  ctx: AdminContext,
  orgId: string,
  intent: { resourceId: string; origin: string; path: string },
): Promise<string> {
  const { intentKey } = await orgAccessKeysOf(ctx, orgId);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(intentKey, 'base64url'), iv);
  cipher.setAAD(Buffer.from(orgId));
  const plain = JSON.stringify({ ...intent, exp: Math.floor(ctx.now().getTime() / 1000) + 600 });
  const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  return `v1.${orgId}.${sealed.toString('base64url')}`;
}
