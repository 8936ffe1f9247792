import type { SnapshotCertificate, SnapshotChallenge, SnapshotTls } from '@rustronaut/contracts';
import { acmeHosts, certificates } from '@rustronaut/db';
import { and, eq, inArray, or } from 'drizzle-orm';
import type { AdminContext } from '../context.js';
import { certificateKeyContext } from './certificate-keys.js';
import { alpnKeyContext } from './gateway-challenges.js';

const SOURCES = new Set(['upload', 'acme', 'builtin']);

/**
 * The TLS part of an org's snapshot: its uploaded certificates, the ACME and built-in ones of its hosts, and the
 * ACME challenges under way, keys opened from the secret box. It only ever travels over the mutual-TLS control
 * channel. A key that does not open (another master key) leaves its certificate out, and says so in the log.
 */
export async function snapshotTls(ctx: AdminContext, orgId: string): Promise<SnapshotTls> {
  const hosts = await ctx.db.select().from(acmeHosts).where(eq(acmeHosts.orgId, orgId));
  const referenced = hosts.flatMap((h) => [h.certificateId, h.fallbackId]).filter((id): id is string => id !== null);
  const rows = await ctx.db
    .select()
    .from(certificates)
    .where(
      and(
        eq(certificates.orgId, orgId),
        referenced.length === 0
          ? eq(certificates.source, 'upload')
          : or(eq(certificates.source, 'upload'), inArray(certificates.id, referenced)),
      ),
    );
  const served: SnapshotCertificate[] = [];
  for (const row of rows) {
    if (!SOURCES.has(row.source)) continue;
    try {
      const keyPem = ctx.secrets.open(row.keyEnc, certificateKeyContext(row.id)).toString();
      served.push({
        id: row.id,
        source: row.source as SnapshotCertificate['source'],
        hosts: row.hosts,
        certPem: row.certPem,
        keyPem,
      });
    } catch (err) {
      ctx.logger.error({ err, certificate: row.id }, 'certificate left out of the snapshot: its key does not open');
    }
  }
  const challenges: SnapshotChallenge[] = [];
  for (const h of hosts) {
    const c = h.challenge;
    if (c?.['type'] === 'http-01' && c['token'] !== undefined && c['keyAuthorization'] !== undefined) {
      challenges.push({ type: 'http-01', host: h.host, token: c['token'], keyAuthorization: c['keyAuthorization'] });
    } else if (c?.['type'] === 'tls-alpn-01' && c['certPem'] !== undefined && c['keyEnc'] !== undefined) {
      const keyPem = ctx.secrets.open(c['keyEnc'], alpnKeyContext(h.id)).toString();
      challenges.push({ type: 'tls-alpn-01', host: h.host, certPem: c['certPem'], keyPem });
    }
  }
  return { certificates: served, challenges };
}
