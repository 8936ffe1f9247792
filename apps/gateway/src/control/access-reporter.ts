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
  /** Send at least this often while something is queued; default 250 ms. */
  readonly intervalMs?: number;
  /** Largest batch; default 500. */
  readonly batchSize?: number;
  /** Decisions kept while the admin is unreachable; older ones are dropped beyond it (and counted). Default 50,000. */
  readonly maxQueued?: number;
  /** Told how many decisions were dropped. */
  readonly onDropped?: (count: number) => void;
}

const clip = (text: string, max: number) => (text.length <= max ? text : text.slice(0, max));

/**
 * A reporter: decisions queue in memory and go out in batches of at most `batchSize` every `intervalMs`, one
 * batch in flight at a time. A failed batch goes back to the front of the queue and is retried on the next tick
 * (the admin writes a batch in one transaction: all of it or none). While the admin is away the queue is
 * bounded; the oldest decisions are dropped first, and counted.
 */
export function createAccessReporter(options: AccessReporterOptions): AccessReporter {
  const batchSize = options.batchSize ?? 500;
  const maxQueued = options.maxQueued ?? 50_000;
  let queue: AccessEvent[] = [];
  let sending: Promise<void> | undefined;
  let failing = false;

  const sendOnce = async () => {
    while (queue.length > 0) {
      const batch = queue.slice(0, batchSize);
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
  const flush = () => (sending ??= sendOnce().finally(() => (sending = undefined)));
  const timer = setInterval(() => void flush(), options.intervalMs ?? 250).unref();

  return {
    report(r) {
      queue.push({
        at: new Date().toISOString(),
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
      });
      if (queue.length > maxQueued) {
        const dropped = queue.length - maxQueued;
        queue = queue.slice(dropped);
        options.onDropped?.(dropped);
      }
    },
    flush,
    async close() {
      clearInterval(timer);
      await sending;
      await flush();
    },
  };
}
