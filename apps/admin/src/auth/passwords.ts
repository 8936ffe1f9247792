import { hash, verify } from '@node-rs/argon2';

// argon2id (the library's default algorithm) at OWASP's baseline: 19 MiB memory, 2 iterations, 1 lane.
const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** Longest password accepted: argon2 takes any length, but hashing megabytes is a denial of service. */
export const MAX_PASSWORD_LENGTH = 1024;
/** Shortest password accepted for new accounts. */
export const MIN_PASSWORD_LENGTH = 12;

/** Hashes a password with argon2id; returns the PHC string (salt and parameters included). */
export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

// Verified against when the account does not exist, so both answers take the same time.
let dummyHash: Promise<string> | undefined;

/**
 * Whether `password` matches `phc`. With `phc` undefined (no such account) it still spends the time of a real
 * verification and answers false, so response times do not reveal which emails have accounts.
 */
export async function verifyPassword(phc: string | undefined, password: string): Promise<boolean> {
  dummyHash ??= hashPassword('rustronaut-dummy-password');
  const target = phc ?? (await dummyHash);
  try {
    const ok = await verify(target, password);
    return ok && phc !== undefined;
  } catch {
    return false;
  }
}
