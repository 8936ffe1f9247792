import { getSetting, newId, setSetting, users } from '@rustronaut/db';
import { errors } from '@rustronaut/errors';
import { count } from 'drizzle-orm';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { recordAudit } from '../../audit/record-audit.js';
import { sha256Hex } from '../../auth/api-key-format.js';
import { hashPassword } from '../../auth/passwords.js';
import type { AdminContext } from '../../context.js';
import { createOrg } from '../orgs/routes.js';

/** How long the first-run setup link is valid. */
export const SETUP_TOKEN_MS = 3600_000;
const SETUP_SETTING = 'setup.token';

interface StoredSetupToken {
  readonly hash: string;
  readonly expiresAt: string;
}

/** The first owner: a user and an organisation "Default" that they own. */
export async function createOwner(
  ctx: AdminContext,
  input: { email: string; password: string; name?: string | undefined; ip?: string },
): Promise<string> {
  const passwordHash = await hashPassword(input.password);
  return ctx.db.transaction(async (tx) => {
    const userId = newId();
    await tx.insert(users).values({ id: userId, email: input.email, name: input.name ?? '', passwordHash });
    await recordAudit(tx, {
      orgId: null,
      actor: { type: 'system', id: null },
      action: 'user.create',
      targetType: 'user',
      targetId: userId,
      ip: input.ip,
      data: { email: input.email, reason: 'first_owner' },
    });
    await createOrg(tx, { name: 'Default', slug: 'default', ownerId: userId, ...(input.ip ? { ip: input.ip } : {}) });
    await setSetting(tx, SETUP_SETTING, { hash: '', expiresAt: new Date(0).toISOString() });
    return userId;
  });
}

/**
 * First start: when there is no user yet, creates the owner from `RUSTRONAUT_ADMIN_EMAIL` and
 * `RUSTRONAUT_ADMIN_PASSWORD`, or else stores a one-time setup token (valid one hour) and returns it, for the
 * setup link to print. Returns undefined when nothing was needed.
 */
export async function bootstrapOwner(ctx: AdminContext): Promise<string | undefined> {
  const [row] = await ctx.db.select({ n: count() }).from(users);
  if ((row?.n ?? 0) > 0) return undefined;
  const { initialEmail, initialPassword } = ctx.config.admin;
  if ((initialEmail === undefined) !== (initialPassword === undefined)) {
    throw errors.configInvalid.create(
      'RUSTRONAUT_ADMIN_EMAIL and RUSTRONAUT_ADMIN_PASSWORD go together: set both (or neither, for a setup link)',
    );
  }
  if (initialEmail !== undefined && initialPassword !== undefined) {
    await createOwner(ctx, { email: initialEmail.toLowerCase(), password: initialPassword });
    ctx.logger.info({ email: initialEmail.toLowerCase() }, 'first start: owner account created');
    return undefined;
  }
  const token = randomBytes(24).toString('base64url');
  await setSetting(ctx.db, SETUP_SETTING, {
    hash: sha256Hex(token),
    expiresAt: new Date(ctx.now().getTime() + SETUP_TOKEN_MS).toISOString(),
  } satisfies StoredSetupToken);
  return token;
}

/** Checks and spends the setup token; throws ERR_AUTH_SETUP_INVALID when it does not match or has expired. */
export async function checkSetupToken(ctx: AdminContext, token: string): Promise<void> {
  const stored = (await getSetting(ctx.db, SETUP_SETTING)) as StoredSetupToken | undefined;
  const [row] = await ctx.db.select({ n: count() }).from(users);
  const presented = Buffer.from(sha256Hex(token), 'hex');
  const expected = Buffer.from(stored?.hash ?? '', 'hex');
  const valid =
    stored !== undefined &&
    expected.length === presented.length &&
    timingSafeEqual(expected, presented) &&
    new Date(stored.expiresAt) > ctx.now() &&
    (row?.n ?? 0) === 0;
  if (!valid) throw errors.authSetupInvalid.create('the setup link is invalid, used or expired');
}
