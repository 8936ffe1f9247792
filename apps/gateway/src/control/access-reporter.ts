import type { AccessEvent } from '@rustronaut/contracts';
import type { Logger } from '@rustronaut/observability';
import type { AccessReport } from '../proxy/http-proxy.js';

/** Batches access decisions and sends them to the admin off the request path. */
export interface AccessReporter {
  /** Queues one decision (never blocks, never throws). */
  readonly report: (report: AccessReport) => void;
  /** Sends what is queued; on close, after the listeners drained, so nothing is lost on a graceful shutdown. */
  flush(): Promise<void>;
  /** Stops the timer and sends what is left. */
  close(): Promise<void>;
}

/** Options of {@link createAccessReporter}. */
export interface AccessReporterOptions {
  readonly send: (events: readonly AccessEvent[]) => Promise<void>;
  readonly logger: Logger;
  /** At most one batch this often (one audit transaction); default 1 s. */
  readonly intervalMs?: number;
  /** The wait before the first batch after a quiet spell, so repeats can gather; default 100 ms. */
  readonly quietDelayMs?: number;
  /** Largest batch; default 500. */
  readonly batchSize?: number;
  /** Decisions kept while the admin is unreachable; older ones are dropped beyond it (and counted). Default 50,000. */
  readonly maxQueued?: number;
  /** Told how many decisions were dropped. */
  readonly onDropped?: (count: number) => void;
}

const clip = (text: string, max: number) => (text.length <= max ? text : text.slice(0, max));

type Queued = { -readonly [K in keyof AccessEvent]: AccessEvent[K] };

/** What makes two decisions the same but for their time: the same client asking the same thing, answered alike. */
const keyOf = (e: AccessEvent) =>
  [e.resourceId, e.allowed, e.reason, e.ruleId, e.userId, e.authMethod, e.ip, e.method, e.host, e.path, e.status].join(
    '\n',
  );

/**
 * A reporter: decisions queue in memory and go out in batches of at most `batchSize`, one batch in flight at a
 * time: `quietDelayMs` after the first decision of a quiet spell (so the audit log and the live monitor see it at
 * once), then at most every `intervalMs` while decisions keep coming. Repeats of a queued decision (same client,
 * resource, request line, outcome) are counted on it (`count`, `lastAt`) rather than queued again, so a client
 * hammering one URL costs one audit event per interval, not one per request. A failed batch goes back to the front
 * of the queue and is retried on the next tick (the admin writes a batch in one transaction: all of it or none).
 * While the admin is away the queue is bounded; the oldest decisions are dropped first, and counted.
 */
export function createAccessReporter(options: AccessReporterOptions): AccessReporter {
  const batchSize = options.batchSize ?? 500;
  const maxQueued = options.maxQueued ?? 50_000;
  let queue: Queued[] = [];
  // Queued decisions that repeats may still be counted on: not yet taken into a batch.
  const open = new Map<string, Queued>();
  const intervalMs = options.intervalMs ?? 1000;
  const quietDelayMs = options.quietDelayMs ?? 100;
  let sending: Promise<void> | undefined;
  let failing = false;
  // When the last turn of sending began.
  let lastTurn = -Infinity;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  // Sends what is queued now; what arrives meanwhile waits for the next turn (one turn per interval).
  const sendOnce = async () => {
    for (let left = queue.length; left > 0;) {
      const batch = queue.slice(0, Math.min(batchSize, left));
      left -= batch.length;
      for (const e of batch) open.delete(keyOf(e));
      try {
        await options.send(batch);
      } catch (err) {
        if (!failing) options.logger.warn({ err, queued: queue.length }, 'cannot send access decisions; will retry');
        failing = true;
        return;
      }
      failing = false;
      queue = queue.slice(batch.length);
    }
  };
  const flush = () => {
    if (sending === undefined) lastTurn = Date.now();
    return (sending ??= sendOnce().finally(() => {
      sending = undefined;
      if (queue.length > 0) schedule();
    }));
  };
  const schedule = () => {
    if (timer !== undefined || closed) return;
    const delay = Math.max(quietDelayMs, lastTurn + intervalMs - Date.now());
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, delay).unref();
  };

  return {
    report(r) {
      const at = new Date().toISOString();
      const event: Queued = {
        at,
        resourceId: r.route,
        allowed: r.verdict.allowed,
        reason: clip(r.verdict.reason, 64),
        ruleId: r.verdict.ruleId === undefined ? null : clip(r.verdict.ruleId, 128),
        userId: r.verdict.userId ?? null,
        authMethod: r.verdict.authMethod ?? null,
        ip: clip(r.client, 64),
        method: clip(r.method, 32),
        host: clip(r.host, 253),
        path: clip(r.path, 2048),
        status: r.status,
        count: 1,
      };
      const key = keyOf(event);
      const same = open.get(key);
      if (same !== undefined) {
        same.count++;
        same.lastAt = at;
        return;
      }
      open.set(key, event);
      queue.push(event);
      schedule();
      if (queue.length > maxQueued) {
        const gone = queue.slice(0, queue.length - maxQueued);
        queue = queue.slice(gone.length);
        for (const e of gone) open.delete(keyOf(e));
        options.onDropped?.(gone.reduce((n, e) => n + e.count, 0));
      }
    },
    flush,
    async close() {
      closed = true;
      clearTimeout(timer);
      await sending;
      await flush();
    },
  };
}
