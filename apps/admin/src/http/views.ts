import type { sessions, users } from '@rustronaut/db';

/** A Date (or null) as the API's ISO string. */
export const iso = (date: Date): string => date.toISOString();
/** A nullable Date as an ISO string or null. */
export const isoOrNull = (date: Date | null): string | null => (date === null ? null : date.toISOString());

/** A user row as the API shows it: never the password hash or the TOTP secret. */
export function userViewOf(row: typeof users.$inferSelect) {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    totpEnabled: row.totpEnabled,
    disabled: row.disabled,
    createdAt: iso(row.createdAt),
  };
}

/** A session row as the API shows it. */
export function sessionViewOf(row: typeof sessions.$inferSelect, currentSessionId: string | undefined) {
  return {
    id: row.id,
    userId: row.userId,
    authMethod: row.authMethod,
    mfa: row.mfa,
    ip: row.ip,
    userAgent: row.userAgent,
    createdAt: iso(row.createdAt),
    lastSeenAt: iso(row.lastSeenAt),
    expiresAt: iso(row.expiresAt),
    revokedAt: isoOrNull(row.revokedAt),
    revokedReason: row.revokedReason,
    current: row.id === currentSessionId,
  };
}
