import { acmeHosts, newId } from '@rustronaut/db';
import type { TestAdmin } from './harness.js';

/**
 * The ACME state of `host` after `failures` failed attempts, as the certificate manager records it (for tests of
 * what the API and the console show; the manager itself needs an ACME CA, see pebble.ts).
 */
export async function recordAcmeFailures(
  t: TestAdmin,
  orgId: string,
  host: string,
  failures: number,
  lastError: string,
): Promise<void> {
  const now = t.ctx.now();
  await t.ctx.db.insert(acmeHosts).values({
    id: newId(),
    orgId,
    host,
    status: 'failed',
    failures,
    lastError,
    lastAttemptAt: now,
    nextAttemptAt: new Date(now.getTime() + 15 * 60_000),
  });
}
