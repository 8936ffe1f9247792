import type { Config } from '@rustronaut/config';
import { authFailures, newId, type DrizzleDatabase } from '@rustronaut/db';
import { errors } from '@rustronaut/errors';
import { and, count, eq, gt, lt, max, min, or } from 'drizzle-orm';

/** Failures after which each further attempt of an account waits (1 s, 2 s, 4 s, ... up to 30 s). */
const BACKOFF_AFTER = 3;
const BACKOFF_CAP_SECONDS = 30;

type AuthConfig = Config['auth'];

const accountKey = (email: string) => `email:${email}`;
const sourceKey = (ip: string) => `ip:${ip}`;

async function failures(db: DrizzleDatabase, subject: string, since: Date) {
  const [row] = await db
    .select({ n: count(), first: min(authFailures.at), last: max(authFailures.at) })
    .from(authFailures)
    .where(and(eq(authFailures.subject, subject), gt(authFailures.at, since)));
  return { n: row?.n ?? 0, first: row?.first ?? null, last: row?.last ?? null };
}

const secondsUntil = (at: number, now: Date) => Math.max(1, Math.ceil((at - now.getTime()) / 1000));

/**
 * Refuses a sign-in before the password is checked when the account is locked (too many failures in the window:
 * 423, until the oldest one leaves the window), when it is in backoff after a few failures (429), or when the
 * source address has failed too often (429). Counted per email whether or not the account exists, so the answers
 * do not reveal which emails have accounts.
 */
export async function checkSignInAllowed(
  db: DrizzleDatabase,
  auth: AuthConfig,
  now: Date,
  attempt: { email: string; ip: string },
): Promise<void> {
  const windowMs = auth.lockoutWindowMinutes * 60_000;
  const since = new Date(now.getTime() - windowMs);
  const account = await failures(db, accountKey(attempt.email), since);
  if (account.n >= auth.lockoutThreshold && account.first !== null) {
    const retryAfterSeconds = secondsUntil(account.first.getTime() + windowMs, now);
    throw errors.authLocked.create(
      `the account is locked after ${String(account.n)} failed sign-ins; try again in ${String(retryAfterSeconds)} s`,
      { details: { retryAfterSeconds } },
    );
  }
  if (account.n >= BACKOFF_AFTER && account.last !== null) {
    const waitMs = Math.min(2 ** (account.n - BACKOFF_AFTER), BACKOFF_CAP_SECONDS) * 1000;
    if (now.getTime() - account.last.getTime() < waitMs) {
      const retryAfterSeconds = secondsUntil(account.last.getTime() + waitMs, now);
      throw errors.authThrottled.create(`too many failed sign-ins; wait ${String(retryAfterSeconds)} s`, {
        details: { retryAfterSeconds },
      });
    }
  }
  const source = await failures(db, sourceKey(attempt.ip), since);
  if (source.n >= auth.ipFailureLimit && source.first !== null) {
    const retryAfterSeconds = secondsUntil(source.first.getTime() + windowMs, now);
    throw errors.authThrottled.create(
      `too many failed sign-ins from this address; wait ${String(retryAfterSeconds)} s`,
      {
        details: { retryAfterSeconds },
      },
    );
  }
}

/** Records a failed sign-in for the account and the source; returns whether the account is now locked. */
export async function recordSignInFailure(
  db: DrizzleDatabase,
  auth: AuthConfig,
  now: Date,
  attempt: { email: string; ip: string },
): Promise<boolean> {
  const since = new Date(now.getTime() - auth.lockoutWindowMinutes * 60_000);
  const subjects = [accountKey(attempt.email), sourceKey(attempt.ip)];
  await db
    .delete(authFailures)
    .where(and(or(...subjects.map((subject) => eq(authFailures.subject, subject))), lt(authFailures.at, since)));
  await db.insert(authFailures).values(subjects.map((subject) => ({ id: newId(), subject, at: now })));
  return (await failures(db, accountKey(attempt.email), since)).n >= auth.lockoutThreshold;
}

/** Forgets an account's failures after a successful sign-in. */
export async function clearSignInFailures(db: DrizzleDatabase, email: string): Promise<void> {
  await db.delete(authFailures).where(eq(authFailures.subject, accountKey(email)));
}
