import { Secret, TOTP } from 'otpauth';

const PERIOD = 30;

function totpFor(secretBase32: string, label = ''): TOTP {
  return new TOTP({
    issuer: 'Rustronaut',
    label,
    algorithm: 'SHA1',
    digits: 6,
    period: PERIOD,
    secret: Secret.fromBase32(secretBase32),
  });
}

/** A new TOTP secret (160 bits, base32) and its `otpauth://` URI for authenticator apps. */
export function newTotpSecret(email: string): { secret: string; uri: string } {
  const secret = new Secret({ size: 20 }).base32;
  return { secret, uri: totpFor(secret, email).toString() };
}

/**
 * Checks a 6-digit code, allowing one step of clock drift either way. Returns the time step it matched so the
 * caller can refuse a replay (a step at or before the last accepted one), or undefined when it does not match.
 */
export function matchTotp(secretBase32: string, code: string, now: Date): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const timestamp = now.getTime();
  const delta = totpFor(secretBase32).validate({ token: code, timestamp, window: 1 });
  return delta === null ? undefined : Math.floor(timestamp / 1000 / PERIOD) + delta;
}

/** The current code, for tests and for people setting up. */
export function totpCode(secretBase32: string, now: Date): string {
  return totpFor(secretBase32).generate({ timestamp: now.getTime() });
}
