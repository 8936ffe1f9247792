import type { createDnsProviderRequest, DnsProviderView } from '@rustronaut/contracts';
import { dnsProviders, newId } from '@rustronaut/db';
import { errors } from '@rustronaut/errors';
import type { z } from 'zod';
import { recordAudit } from '../../audit/record-audit.js';
import type { AdminContext } from '../../context.js';
import { dnsSecretContext } from '../../certificates/dns/dns-provider.js';
import type { Caller } from '../members/caller.js';
import { ofOrg, oneOfOrg } from '../org-rows.js';

type NewProvider = z.output<typeof createDnsProviderRequest>;
type ProviderRow = typeof dnsProviders.$inferSelect;

/** A provider as the API shows it: never the secret. */
export function dnsProviderView(row: ProviderRow): DnsProviderView {
  return {
    id: row.id,
    orgId: row.orgId,
    domain: row.domain,
    wildcard: row.wildcard,
    type: row.type as DnsProviderView['type'],
    settings: row.settings,
    createdAt: row.createdAt.toISOString(),
  };
}

/**
 * Adds a DNS provider: from then on the hosts of its domain are validated with DNS-01 through it. The secret is
 * sealed to the row and never shown again; one provider per domain (409 `ERR_CONFLICT` for a second).
 */
export async function createDnsProvider(ctx: AdminContext, caller: Caller, input: NewProvider): Promise<ProviderRow> {
  const id = newId();
  const row = await ctx.db.transaction(async (tx) => {
    const [inserted] = await tx
      .insert(dnsProviders)
      .values({
        id,
        orgId: caller.orgId,
        domain: input.domain,
        type: input.type,
        settings: input.settings,
        secretEnc: ctx.secrets.seal(input.secret, dnsSecretContext(id)),
        wildcard: input.wildcard,
      })
      .onConflictDoNothing()
      .returning();
    if (inserted === undefined) {
      throw errors.conflict.create(`the domain ${input.domain} has a DNS provider already; delete it first`);
    }
    await recordAudit(tx, {
      orgId: caller.orgId,
      actor: caller.actor,
      action: 'dns_provider.create',
      targetType: 'dns_provider',
      targetId: id,
      ip: caller.ip,
      data: { domain: input.domain, type: input.type, wildcard: input.wildcard },
    });
    return inserted;
  });
  // The certificate manager sweeps on every change: hosts of the domain move to DNS-01 now.
  ctx.changes.notify(caller.orgId);
  return row;
}

/** Removes a DNS provider; 404 when the org has no such provider. Its hosts go back to the gateways' challenge. */
export async function deleteDnsProvider(ctx: AdminContext, caller: Caller, providerId: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const row = await oneOfOrg(tx, dnsProviders, caller.orgId, providerId, () =>
      errors.notFound.create('no such DNS provider'),
    );
    await tx.delete(dnsProviders).where(ofOrg(dnsProviders, caller.orgId, providerId));
    await recordAudit(tx, {
      orgId: caller.orgId,
      actor: caller.actor,
      action: 'dns_provider.delete',
      targetType: 'dns_provider',
      targetId: providerId,
      ip: caller.ip,
      data: { domain: row.domain },
    });
  });
  ctx.changes.notify(caller.orgId);
}
