import { rfc2136Settings } from '@rustronaut/contracts';
import { dnsProviders } from '@rustronaut/db';
import { eq } from 'drizzle-orm';
import type { AdminContext } from '../../context.js';
import { rfc2136Client } from './rfc2136.js';

/**
 * What a DNS provider does for DNS-01 (RFC 8555 section 8.4): publish a TXT record, and remove exactly that one
 * again. `addTxt` returns once the record is on the server the provider updates; removing a record that is gone
 * succeeds. To add a provider (a DNS hosting API), write a factory from its settings and secret to this interface,
 * add it to {@link DNS_PROVIDERS}, and its settings to `createDnsProviderRequest` in packages/contracts.
 */
export interface DnsTxtPublisher {
  addTxt(name: string, value: string, ttl: number): Promise<void>;
  deleteTxt(name: string, value: string): Promise<void>;
}

/** A provider's stored settings (validated by its contract when stored) and its opened secret. */
type Factory = (settings: Record<string, unknown>, secret: string, domain: string) => DnsTxtPublisher;

/** Every provider type, by the `type` stored with it. */
const DNS_PROVIDERS: Readonly<Record<string, Factory>> = {
  rfc2136: (stored, secret, domain) => {
    const settings = rfc2136Settings.parse(stored);
    return rfc2136Client({
      host: settings.server,
      port: settings.port,
      zone: settings.zone ?? domain,
      key: { name: settings.keyName, algorithm: settings.algorithm, secret: Buffer.from(secret, 'base64') },
    });
  },
};

/** The seal context of a provider's secret: it opens only for its row. */
export const dnsSecretContext = (providerId: string): string => `dns-provider:${providerId}`;

type ProviderRow = typeof dnsProviders.$inferSelect;

/** The org's provider whose domain is the longest one holding `name` (`*.` stripped), if any. */
export function providerOf(rows: readonly ProviderRow[], name: string): ProviderRow | undefined {
  const bare = name.replace(/^\*\./, '');
  return rows
    .filter((p) => bare === p.domain || bare.endsWith(`.${p.domain}`))
    .sort((a, b) => b.domain.length - a.domain.length)[0];
}

/** The org's DNS providers. */
export function dnsProvidersOf(ctx: AdminContext, orgId: string): Promise<ProviderRow[]> {
  return ctx.db.select().from(dnsProviders).where(eq(dnsProviders.orgId, orgId));
}

/** The publisher of a stored provider, its secret opened from the secret box. */
export function dnsPublisher(ctx: AdminContext, row: ProviderRow): DnsTxtPublisher {
  const factory = DNS_PROVIDERS[row.type];
  if (factory === undefined) throw new Error(`unknown DNS provider type "${row.type}" for ${row.domain}`);
  const secret = ctx.secrets.open(row.secretEnc, dnsSecretContext(row.id)).toString();
  return factory(row.settings, secret, row.domain);
}
