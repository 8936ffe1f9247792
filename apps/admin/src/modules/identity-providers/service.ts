import type { IdentityProviderView } from '@rustronaut/contracts';
import { identityProviders, newId } from '@rustronaut/db';
import { errors } from '@rustronaut/errors';
import type { z } from 'zod';
import type { createIdentityProviderRequest } from '@rustronaut/contracts';
import { recordAudit } from '../../audit/record-audit.js';
import type { AdminContext } from '../../context.js';
import type { Caller } from '../members/caller.js';
import { oneOfOrg, ofOrg } from '../org-rows.js';

type NewProvider = z.output<typeof createIdentityProviderRequest>;
type ProviderRow = typeof identityProviders.$inferSelect;

/** Where providers send users back: register this URI at the provider. */
export const callbackUri = (base: string) => `${base.replace(/\/+$/, '')}/api/v1/auth/sso/callback`;

/** The secret's context in the secret box: bound to the provider. */
export const secretContext = (providerId: string) => `idp-secret:${providerId}`;

/** A provider as the API shows it. */
export function providerView(row: ProviderRow, base: string): IdentityProviderView {
  return {
    id: row.id,
    orgId: row.orgId,
    name: row.name,
    issuer: row.issuer,
    clientId: row.clientId,
    scopes: row.scopes,
    rolesClaim: row.rolesClaim,
    roleMapping: row.roleMapping,
    defaultRoles: row.defaultRoles,
    provision: row.provision,
    redirectUri: callbackUri(base),
    createdAt: row.createdAt.toISOString(),
  };
}

/** Adds a provider; the client secret is sealed and never shown again. */
export async function createProvider(ctx: AdminContext, caller: Caller, input: NewProvider): Promise<ProviderRow> {
  const id = newId();
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(identityProviders)
      .values({
        id,
        orgId: caller.orgId,
        name: input.name,
        issuer: input.issuer,
        clientId: input.clientId,
        clientSecretEnc: ctx.secrets.seal(input.clientSecret, secretContext(id)),
        scopes: input.scopes,
        rolesClaim: input.rolesClaim,
        roleMapping: input.roleMapping,
        defaultRoles: input.defaultRoles,
        provision: input.provision,
      })
      .returning();
    if (row === undefined) throw new Error('the provider was not stored');
    await recordAudit(tx, {
      orgId: caller.orgId,
      actor: caller.actor,
      action: 'identity_provider.create',
      targetType: 'identity_provider',
      targetId: id,
      ip: caller.ip,
      data: { name: input.name, issuer: input.issuer },
    });
    return row;
  });
}

/** Removes a provider; 404 when the org has no such provider. */
export async function deleteProvider(ctx: AdminContext, caller: Caller, providerId: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const row = await oneOfOrg(tx, identityProviders, caller.orgId, providerId, () =>
      errors.notFound.create('no such identity provider'),
    );
    await tx.delete(identityProviders).where(ofOrg(identityProviders, caller.orgId, providerId));
    await recordAudit(tx, {
      orgId: caller.orgId,
      actor: caller.actor,
      action: 'identity_provider.delete',
      targetType: 'identity_provider',
      targetId: providerId,
      ip: caller.ip,
      data: { name: row.name },
    });
  });
}
