import { configVersions, type DrizzleDatabase } from '@rustronaut/db';
import { sql } from 'drizzle-orm';

/**
 * Bumps the org's config version inside the transaction of a change that gateways must see (a resource,
 * policy, site, certificate or membership change), and returns the new version. Call
 * {@link ConfigChanges.notify} after the transaction commits.
 */
export async function bumpConfigVersion(tx: DrizzleDatabase, orgId: string): Promise<number> {
  const [row] = await tx
    .insert(configVersions)
    .values({ orgId, version: 1 })
    .onConflictDoUpdate({ target: configVersions.orgId, set: { version: sql`${configVersions.version} + 1` } })
    .returning({ version: configVersions.version });
  return row?.version ?? 1;
}

/** In-process fan-out of "org X's config changed", from the API to the control channel's push streams. */
export interface ConfigChanges {
  /** Tells subscribers of `orgId` that its config changed; call after the transaction commits. */
  notify(orgId: string): void;
  /** Calls `listener` on every change of `orgId`; returns the unsubscribe function. */
  subscribe(orgId: string, listener: () => void): () => void;
  /** Calls `listener` with the org of every change (the certificate manager); returns the unsubscribe function. */
  subscribeAll(listener: (orgId: string) => void): () => void;
}

/** A {@link ConfigChanges} for one admin process. */
export function createConfigChanges(): ConfigChanges {
  const listeners = new Map<string, Set<() => void>>();
  const everyOrg = new Set<(orgId: string) => void>();
  return {
    notify(orgId) {
      for (const listener of listeners.get(orgId) ?? []) listener();
      for (const listener of everyOrg) listener(orgId);
    },
    subscribeAll(listener) {
      everyOrg.add(listener);
      return () => everyOrg.delete(listener);
    },
    subscribe(orgId, listener) {
      let set = listeners.get(orgId);
      if (set === undefined) listeners.set(orgId, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(orgId);
      };
    },
  };
}
