import { configVersions, type DrizzleDatabase } from '@rustronaut/db';
import type { Logger } from '@rustronaut/observability';
import { eq, inArray } from 'drizzle-orm';
import type { ConfigChanges } from './config-changes.js';

/** Tells push streams about config changes of their org, whichever admin process made them. */
export interface VersionWatch {
  /**
   * Calls `listener` with the org's current config version on every in-process change notification (at once)
   * and on every version change the poll finds (changes made by another admin process). The same version may
   * be announced twice; listeners keep the last one they sent.
   */
  subscribe(orgId: string, listener: (version: number) => void): () => void;
  /** The org's current config version, 0 before any change. */
  current(orgId: string): Promise<number>;
  /** Stops polling and drops every subscription. */
  close(): void;
}

interface Watched {
  known: number;
  readonly listeners: Set<(version: number) => void>;
  readonly unsubscribe: () => void;
}

/**
 * A {@link VersionWatch}: in-process notifications come through `changes`; while anyone listens, `config_versions`
 * is also polled every `pollMs` (one query for every watched org), so a change committed by another admin
 * process sharing the database reaches the streams within `pollMs` plus a round trip.
 */
export function createVersionWatch(options: {
  readonly db: DrizzleDatabase;
  readonly changes: ConfigChanges;
  readonly logger: Logger;
  readonly pollMs?: number;
}): VersionWatch {
  const { db, changes, logger } = options;
  const pollMs = options.pollMs ?? 500;
  const watched = new Map<string, Watched>();
  let timer: NodeJS.Timeout | undefined;
  let polling = false;

  const current = async (orgId: string) => {
    const [row] = await db
      .select({ version: configVersions.version })
      .from(configVersions)
      .where(eq(configVersions.orgId, orgId));
    return row?.version ?? 0;
  };
  const announce = (orgId: string, version: number) => {
    const w = watched.get(orgId);
    if (w === undefined) return;
    w.known = Math.max(w.known, version);
    for (const listener of w.listeners) listener(w.known);
  };
  const poll = async () => {
    if (polling || watched.size === 0) return;
    polling = true;
    try {
      const rows = await db
        .select({ orgId: configVersions.orgId, version: configVersions.version })
        .from(configVersions)
        .where(inArray(configVersions.orgId, [...watched.keys()]));
      for (const row of rows)
        if (row.version > (watched.get(row.orgId)?.known ?? Infinity)) announce(row.orgId, row.version);
    } catch (err) {
      logger.warn({ err }, 'control channel: cannot poll config versions');
    } finally {
      polling = false;
    }
  };

  return {
    current,
    subscribe(orgId, listener) {
      let w = watched.get(orgId);
      if (w === undefined) {
        const unsubscribe = changes.subscribe(orgId, () => {
          current(orgId).then(
            (version) => announce(orgId, version),
            (err: unknown) => logger.warn({ err, orgId }, 'control channel: cannot read the config version'),
          );
        });
        w = { known: 0, listeners: new Set(), unsubscribe };
        watched.set(orgId, w);
      }
      w.listeners.add(listener);
      timer ??= setInterval(() => void poll(), pollMs).unref();
      return () => {
        const entry = watched.get(orgId);
        if (entry === undefined) return;
        entry.listeners.delete(listener);
        if (entry.listeners.size === 0) {
          entry.unsubscribe();
          watched.delete(orgId);
        }
        if (watched.size === 0) {
          clearInterval(timer);
          timer = undefined;
        }
      };
    },
    close() {
      clearInterval(timer);
      timer = undefined;
      for (const w of watched.values()) w.unsubscribe();
      watched.clear();
    },
  };
}
