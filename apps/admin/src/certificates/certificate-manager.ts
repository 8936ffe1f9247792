import { acmeHosts, certificates, dnsProviders, newId, resources, type DrizzleDatabase } from '@rustronaut/db';
import { and, eq, inArray, isNull, lte, or } from 'drizzle-orm';
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { recordAudit } from '../audit/record-audit.js';
import type { AdminContext } from '../context.js';
import { bumpConfigVersion } from '../control/config-changes.js';
import { orderCertificate, type AcmeSettings } from './acme-order.js';
import { BUILTIN_DAYS, builtinCa } from './builtin-ca.js';
import { certificateKeyContext } from './certificate-keys.js';
import { dnsChallengeProvider } from './dns-challenges.js';
import { dnsProvidersOf, dnsPublisher, providerOf } from './dns/dns-provider.js';
import { gatewayChallengeProvider } from './gateway-challenges.js';
import { covers, wildcardFor } from './host-names.js';
import { isRateLimited, renewalDue, retryDelayMs } from './renewal.js';

/** What the certificate manager needs besides the admin context. */
export interface CertificateManagerOptions {
  /**
   * Where to order certificates, and how the gateways prove control of hosts that no DNS provider of the org
   * covers (those use DNS-01 through it); undefined: ACME is off (fallbacks only).
   */
  readonly acme: (AcmeSettings & { readonly challenge: 'http-01' | 'tls-alpn-01' }) | undefined;
  /** Jitter source of the retry delays (tests pin it). */
  readonly random?: () => number;
  /** Time between periodic sweeps; default one minute. A config change starts one at once. */
  readonly intervalMs?: number;
}

/** The running certificate manager. */
export interface CertificateManager {
  /** One pass over every host now (concurrent calls share one pass, and ask for another after it). */
  sweep(): Promise<void>;
  /** Stops sweeping; resolves when the pass under way, if any, has ended. */
  close(): Promise<void>;
}

/** An attempt in progress holds its host this long, so another admin sharing the database leaves it alone. */
const CLAIM_MS = 10 * 60_000;
const MAX_ERROR_LENGTH = 500;
const DNS_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

type HostRow = typeof acmeHosts.$inferSelect;
/** A host to keep a certificate on; `coveredBy` names the wildcard whose certificate serves it instead of its own. */
type Wanted = { orgId: string; host: string; acme: boolean; coveredBy?: string };
type Validity = { readonly notBefore: Date | null; readonly notAfter: Date };

/**
 * Keeps a certificate on every host of every enabled HTTP resource: at once one from the built-in CA (so HTTPS
 * works from the first second), then, when ACME is configured and the resource does not opt out
 * (`options.acme: false`), one from the CA, renewed at two thirds of its lifetime. A failed attempt leaves the
 * certificate in service alone, is written to the audit log and the host's status, and is retried after an
 * exponentially growing, jittered delay ({@link retryDelayMs}). Hosts with a valid uploaded certificate are never
 * touched. Every change bumps the org's config version, so gateways pick it up without a restart.
 */
export function startCertificateManager(ctx: AdminContext, options: CertificateManagerOptions): CertificateManager {
  const logger = ctx.logger.child({ component: 'certificates' });
  const acme = options.acme;
  const random = options.random ?? Math.random;
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;

  const publish = async (orgId: string, work: (tx: DrizzleDatabase) => Promise<void>) => {
    await ctx.db.transaction(async (tx) => {
      await work(tx);
      await bumpConfigVersion(tx, orgId);
    });
    ctx.changes.notify(orgId);
  };

  /**
   * Enabled HTTP resources' hosts by `orgId host`, and whether every resource on the host allows ACME; plus
   * `*.<domain>` for each DNS provider ordering a wildcard, when an ACME host lies one label below its domain.
   */
  const wantedHosts = async () => {
    const rows = await ctx.db
      .select({ orgId: resources.orgId, host: resources.host, options: resources.options })
      .from(resources)
      .where(and(eq(resources.kind, 'http'), eq(resources.enabled, true)));
    const wanted = new Map<string, Wanted>();
    for (const r of rows) {
      if (!DNS_NAME.test(r.host) || isIP(r.host) !== 0) continue;
      const key = `${r.orgId} ${r.host}`;
      const allows = r.options['acme'] !== false;
      const known = wanted.get(key);
      wanted.set(key, { orgId: r.orgId, host: r.host, acme: allows && (known?.acme ?? true) });
    }
    const wildcards = await ctx.db
      .select({ orgId: dnsProviders.orgId, domain: dnsProviders.domain })
      .from(dnsProviders)
      .where(eq(dnsProviders.wildcard, true));
    for (const w of [...wanted.values()]) {
      const wildcard = wildcardFor(w.host);
      if (!w.acme || !wildcards.some((p) => p.orgId === w.orgId && `*.${p.domain}` === wildcard)) continue;
      w.coveredBy = wildcard;
      wanted.set(`${w.orgId} ${String(wildcard)}`, { orgId: w.orgId, host: String(wildcard), acme: true });
    }
    return wanted;
  };

  const issueFallback = async (row: HostRow) => {
    const ca = await builtinCa(ctx);
    const issued = await ca.issueServerCertificate([row.host], ctx.now(), {
      subject: `CN=${row.host}`,
      days: BUILTIN_DAYS,
    });
    const id = newId();
    await publish(row.orgId, async (tx) => {
      await tx.insert(certificates).values({
        id,
        orgId: row.orgId,
        hosts: [row.host],
        source: 'builtin',
        certPem: issued.certPem,
        keyEnc: ctx.secrets.seal(issued.keyPem, certificateKeyContext(id)),
        notBefore: issued.notBefore,
        notAfter: issued.notAfter,
      });
      await tx.update(acmeHosts).set({ fallbackId: id, updatedAt: ctx.now() }).where(eq(acmeHosts.id, row.id));
      if (row.fallbackId !== null) await tx.delete(certificates).where(eq(certificates.id, row.fallbackId));
    });
    logger.info({ host: row.host }, 'serving a certificate of the built-in CA until one is issued');
  };

  /** DNS-01 through the org's DNS provider for the host, if one covers it; else the gateways answer. */
  const providerFor = async (row: HostRow, challenge: 'http-01' | 'tls-alpn-01') => {
    const dns = providerOf(await dnsProvidersOf(ctx, row.orgId), row.host);
    return dns === undefined
      ? gatewayChallengeProvider(ctx, challenge)
      : dnsChallengeProvider(dnsPublisher(ctx, dns), logger);
  };

  const attempt = async (row: HostRow, renewal: boolean) => {
    if (acme === undefined) return;
    const now = ctx.now();
    const claimed = await ctx.db
      .update(acmeHosts)
      .set({ nextAttemptAt: new Date(now.getTime() + CLAIM_MS), lastAttemptAt: now, updatedAt: now })
      .where(and(eq(acmeHosts.id, row.id), or(isNull(acmeHosts.nextAttemptAt), lte(acmeHosts.nextAttemptAt, now))))
      .returning({ id: acmeHosts.id });
    if (claimed.length === 0) return;
    const target = { orgId: row.orgId, hostId: row.id, host: row.host };
    try {
      const ordered = await orderCertificate(ctx, acme, await providerFor(row, acme.challenge), target);
      const leaf = new X509Certificate(ordered.certPem);
      const id = newId();
      const notAfter = new Date(leaf.validTo);
      await publish(row.orgId, async (tx) => {
        await tx.insert(certificates).values({
          id,
          orgId: row.orgId,
          hosts: [row.host],
          source: 'acme',
          certPem: ordered.certPem,
          keyEnc: ctx.secrets.seal(ordered.keyPem, certificateKeyContext(id)),
          notBefore: new Date(leaf.validFrom),
          notAfter,
        });
        await tx
          .update(acmeHosts)
          .set({
            status: 'valid',
            certificateId: id,
            failures: 0,
            lastError: null,
            nextAttemptAt: null,
            challenge: null,
            updatedAt: ctx.now(),
          })
          .where(eq(acmeHosts.id, row.id));
        if (row.certificateId !== null) await tx.delete(certificates).where(eq(certificates.id, row.certificateId));
        await recordAudit(tx, {
          orgId: row.orgId,
          actor: { type: 'system', id: null },
          action: renewal ? 'certificate.renew' : 'certificate.issue',
          targetType: 'certificate',
          targetId: id,
          data: { host: row.host, issuer: leaf.issuer.replaceAll('\n', ', '), notAfter: notAfter.toISOString() },
        });
      });
      logger.info({ host: row.host, notAfter }, renewal ? 'certificate renewed' : 'certificate issued');
    } catch (err) {
      const message = (err instanceof Error ? err.message : String(err)).slice(0, MAX_ERROR_LENGTH);
      const failures = row.failures + 1;
      const nextAttemptAt = new Date(ctx.now().getTime() + retryDelayMs(failures, isRateLimited(message), random));
      await publish(row.orgId, async (tx) => {
        await tx
          .update(acmeHosts)
          .set({ status: 'failed', failures, lastError: message, nextAttemptAt, challenge: null, updatedAt: ctx.now() })
          .where(eq(acmeHosts.id, row.id));
        await recordAudit(tx, {
          orgId: row.orgId,
          actor: { type: 'system', id: null },
          action: renewal ? 'certificate.renew.failed' : 'certificate.issue.failed',
          targetType: 'host',
          targetId: row.host,
          data: { host: row.host, error: message, failures, nextAttemptAt: nextAttemptAt.toISOString() },
        });
      });
      logger.warn(
        { host: row.host, error: message, failures, nextAttemptAt },
        'ACME: could not obtain a certificate; the one in service stays, retrying later',
      );
    }
  };

  const sweepOnce = async () => {
    const wanted = await wantedHosts();
    const rows = await ctx.db.select().from(acmeHosts);
    for (const row of rows) {
      if (wanted.has(`${row.orgId} ${row.host}`)) continue;
      // The host is gone: so are its certificates (uploaded ones stay, they are the user's).
      const ids = [row.certificateId, row.fallbackId].filter((id): id is string => id !== null);
      await publish(row.orgId, async (tx) => {
        await tx.delete(acmeHosts).where(eq(acmeHosts.id, row.id));
        if (ids.length > 0) await tx.delete(certificates).where(inArray(certificates.id, ids));
      });
    }
    const known = new Set(rows.map((r) => `${r.orgId} ${r.host}`));
    const missing = [...wanted].filter(([key]) => !known.has(key)).map(([, w]) => w);
    if (missing.length > 0) {
      await ctx.db
        .insert(acmeHosts)
        .values(missing.map((w) => ({ id: newId(), orgId: w.orgId, host: w.host })))
        .onConflictDoNothing();
    }
    const hosts = await ctx.db.select().from(acmeHosts);
    const held = await ctx.db
      .select({
        id: certificates.id,
        orgId: certificates.orgId,
        source: certificates.source,
        hosts: certificates.hosts,
        notBefore: certificates.notBefore,
        notAfter: certificates.notAfter,
      })
      .from(certificates);
    const byId = new Map<string, Validity>(held.map((c) => [c.id, c]));
    for (const row of hosts) {
      if (closed) return;
      const now = ctx.now();
      const uploaded = held.some(
        (c) => c.source === 'upload' && c.orgId === row.orgId && covers(c.hosts, row.host) && c.notAfter > now,
      );
      if (uploaded) continue;
      const current = row.certificateId === null ? undefined : byId.get(row.certificateId);
      const valid = current !== undefined && current.notAfter > now;
      // A wildcard needs no fallback of its own: each host it covers has one.
      if (!valid && !row.host.startsWith('*.')) {
        const fallback = row.fallbackId === null ? undefined : byId.get(row.fallbackId);
        if (fallback === undefined || now >= dueOf(fallback)) await issueFallback(row);
      }
      const want = wanted.get(`${row.orgId} ${row.host}`);
      if (!want?.acme || want.coveredBy !== undefined) continue;
      const due = !valid || now >= dueOf(current);
      if (due && (row.nextAttemptAt === null || row.nextAttemptAt <= now)) await attempt(row, current !== undefined);
    }
  };

  const sweep = (): Promise<void> => {
    if (running !== undefined) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await sweepOnce();
      } while (again && !closed);
    })().finally(() => {
      running = undefined;
    });
    return running;
  };
  const kick = () => {
    if (closed) return;
    sweep().catch((err: unknown) => logger.error({ err }, 'certificates: the sweep failed; retrying on the next one'));
  };
  const unsubscribe = ctx.changes.subscribeAll(kick);
  const timer = setInterval(kick, options.intervalMs ?? 60_000).unref();
  kick();
  return {
    sweep,
    async close() {
      closed = true;
      unsubscribe();
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}

/** When a certificate is due for renewal; one without a recorded start counts from 90 days before its end. */
function dueOf(c: Validity): Date {
  return renewalDue(c.notBefore ?? new Date(c.notAfter.getTime() - 90 * 86_400_000), c.notAfter);
}
