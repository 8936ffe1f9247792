/** Counts refused requests per source address and blocks addresses that keep failing. */
export interface SourceBlocker {
  /** Seconds left on the address's block, or 0 when it is not blocked. */
  blockedFor(address: string, nowMs: number): number;
  /** Counts a refusal; true when this refusal started a block. */
  refused(address: string, nowMs: number): boolean;
}

/** Options of {@link createSourceBlocker}. */
export interface SourceBlockerOptions {
  /** Refusals within the window that start a block; 0 never blocks. */
  readonly threshold: number;
  readonly windowMs: number;
  readonly blockMs: number;
  /** Addresses tracked at most (a flood of distinct addresses evicts the oldest, never grows without bound). */
  readonly maxAddresses?: number;
}

interface Entry {
  windowStart: number;
  count: number;
  blockedUntil: number;
}

/**
 * An intrusion signal in memory (per gateway process): a fixed window of refusals per address. Reaching the
 * threshold blocks the address for `blockMs`; the window starts again after the block. Bounded: at most
 * `maxAddresses` entries, the least recently refused evicted first.
 */
export function createSourceBlocker(options: SourceBlockerOptions): SourceBlocker {
  const max = options.maxAddresses ?? 100_000;
  const entries = new Map<string, Entry>();
  return {
    blockedFor(address, nowMs) {
      if (options.threshold === 0) return 0;
      const entry = entries.get(address);
      if (entry === undefined || entry.blockedUntil <= nowMs) return 0;
      return Math.ceil((entry.blockedUntil - nowMs) / 1000);
    },
    refused(address, nowMs) {
      if (options.threshold === 0) return false;
      let entry = entries.get(address);
      if (entry === undefined || nowMs - entry.windowStart >= options.windowMs) {
        if (entry !== undefined && entry.blockedUntil > nowMs) return false;
        entry = { windowStart: nowMs, count: 0, blockedUntil: 0 };
      }
      // Re-inserted on every refusal, so the map's order is least recently refused first.
      entries.delete(address);
      entries.set(address, entry);
      if (entries.size > max) entries.delete(entries.keys().next().value as string);
      entry.count += 1;
      if (entry.count < options.threshold || entry.blockedUntil > nowMs) return false;
      entry.blockedUntil = nowMs + options.blockMs;
      entry.windowStart = entry.blockedUntil;
      entry.count = 0;
      return true;
    },
  };
}
