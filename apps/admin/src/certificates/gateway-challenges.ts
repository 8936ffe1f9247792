import { acmeHosts, gateways } from '@rustronaut/db';
import * as acme from 'acme-client';
import { and, eq, gte, isNotNull } from 'drizzle-orm';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AdminContext } from '../context.js';
import { bumpConfigVersion } from '../control/config-changes.js';
import type { AcmeChallenge, ChallengeProvider, ChallengeTarget } from './challenge-provider.js';

/** Seal context of a TLS-ALPN-01 validation key. */
export const alpnKeyContext = (hostId: string): string => `acme-alpn:${hostId}`;

/** How long `present` waits for gateways to serve a challenge before letting the CA try anyway. */
const DEFAULT_PROPAGATION_MS = 15_000;
/** Gateways silent for longer than this are not waited for (they are down, and would only delay the order). */
const LIVE_WITHIN_MS = 3600_000;

/**
 * HTTP-01 (RFC 8555 section 8.3) or TLS-ALPN-01 (RFC 8737) answered by the org's gateways: the challenge goes into
 * the host's row, the config version is bumped so gateways fetch it with their next snapshot, and `present`
 * waits until every live gateway of the org reports serving that version (or `propagationMs` passes).
 */
export function gatewayChallengeProvider(
  ctx: AdminContext,
  type: 'http-01' | 'tls-alpn-01',
  options: { readonly propagationMs?: number } = {},
): ChallengeProvider {
  const publish = async (target: ChallengeTarget, challenge: Record<string, string> | null) => {
    const version = await ctx.db.transaction(async (tx) => {
      await tx.update(acmeHosts).set({ challenge, updatedAt: ctx.now() }).where(eq(acmeHosts.id, target.hostId));
      return bumpConfigVersion(tx, target.orgId);
    });
    ctx.changes.notify(target.orgId);
    return version;
  };
  return {
    type,
    async present(target: ChallengeTarget, challenge: AcmeChallenge) {
      let stored: Record<string, string>;
      if (type === 'http-01') {
        stored = { type, host: target.host, token: challenge.token, keyAuthorization: challenge.keyAuthorization };
      } else {
        // The validation certificate's key is thrown away after the order; sealed anyway, like every key we hold.
        const key = await acme.crypto.createPrivateEcdsaKey();
        const [, cert] = await acme.crypto.createAlpnCertificate(
          { identifier: challenge.identifier } as Parameters<typeof acme.crypto.createAlpnCertificate>[0],
          challenge.keyAuthorization,
          key,
        );
        stored = {
          type,
          host: target.host,
          certPem: cert.toString(),
          keyEnc: ctx.secrets.seal(key, alpnKeyContext(target.hostId)),
        };
      }
      const version = await publish(target, stored);
      await gatewaysServing(ctx, target.orgId, version, options.propagationMs ?? DEFAULT_PROPAGATION_MS);
    },
    async cleanUp(target: ChallengeTarget) {
      await publish(target, null);
    },
  };
}

/** Resolves once every live enrolled gateway of the org reports `version` or newer, or after `waitMs`. */
async function gatewaysServing(ctx: AdminContext, orgId: string, version: number, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    const rows = await ctx.db
      .select({ configVersion: gateways.configVersion })
      .from(gateways)
      .where(
        and(
          eq(gateways.orgId, orgId),
          isNotNull(gateways.enrolledAt),
          gte(gateways.lastSeenAt, new Date(ctx.now().getTime() - LIVE_WITHIN_MS)),
        ),
      );
    if (rows.every((r) => (r.configVersion ?? 0) >= version)) return;
    await sleep(200);
  }
  ctx.logger.warn({ orgId, version }, 'ACME: not every gateway confirmed the challenge in time; asking the CA anyway');
}
