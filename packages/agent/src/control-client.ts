import { configSnapshot, versionEvent, type ConfigSnapshot } from '@rustronaut/contracts';
import type { Logger } from '@rustronaut/observability';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import type { AgentIdentity } from './agent-state.js';
import { createBackoff } from './backoff.js';
import { readServerSentEvents } from './server-sent-events.js';

/** What the control client needs. */
export interface ControlClientOptions {
  readonly identity: AgentIdentity;
  readonly logger: Logger;
  /** Software version reported in heartbeats. */
  readonly agentVersion: string;
  /** Version of the configuration in use, undefined before the first one. */
  readonly initialVersion: number | undefined;
  /** Applies a snapshot (and saves it); resolves with an error message when it was refused. */
  apply(snapshot: ConfigSnapshot): Promise<{ ok: true } | { ok: false; error: string }>;
  /** Status fields of each heartbeat besides `uptimeSeconds` and `lastError` (a connector's `target:<name>`). */
  status?(): Readonly<Record<string, string | number | boolean | null>>;
  /** Heartbeat interval; default 10 s. */
  readonly heartbeatMs?: number;
  /** Reconnection delays: first and largest; default 500 ms and 30 s. */
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
}

/** What every agent (gateway, tunnel hub, connector) is started with besides its own settings. */
export interface AgentOptions {
  readonly logger: Logger;
  /** Base URL of the admin API, for enrolment (`https://admin.example.com`). */
  readonly adminUrl: string;
  /** Software version, reported in heartbeats. */
  readonly agentVersion: string;
  /** Heartbeat and reconnection timings; tests shorten them. */
  readonly control?: Pick<ControlClientOptions, 'heartbeatMs' | 'retryMinMs' | 'retryMaxMs'>;
}

/** A running control client. */
export interface ControlClient {
  /** Fetches and applies the snapshot now (SIGHUP). */
  resync(): Promise<{ ok: true; version: number } | { ok: false; error: string }>;
  /**
   * POSTs a JSON body to `path` on the control listener and reads the answer; rejects when the admin cannot be
   * reached within `timeoutMs`. Turn an unexpected status into an error with {@link controlRefusal}.
   */
  post(path: string, body: unknown, timeoutMs: number): Promise<ControlAnswer>;
  /** Stops following the stream and sending heartbeats. */
  close(): Promise<void>;
}

/** An answer of the control listener. */
export interface ControlAnswer {
  readonly status: number;
  /** The body as text; `''` when empty. */
  readonly text: string;
}

/** The error for an answer that was not the one expected: the status and the problem's `detail` (or the text). */
export function controlRefusal(what: string, answer: ControlAnswer): Error {
  let detail = answer.text.slice(0, 300);
  try {
    const given = (JSON.parse(answer.text) as { detail?: unknown }).detail;
    if (typeof given === 'string') detail = given;
  } catch {
    // not JSON: keep the text
  }
  return new Error(`${what}: the admin answered ${String(answer.status)}${detail ? ` (${detail})` : ''}`);
}

/** No byte for this long on the stream (the admin sends a comment every 15 s) means the connection is dead. */
const STREAM_IDLE_MS = 45_000;

/**
 * Follows the admin over mutual TLS: `GET /v1/stream` announces config versions, and every version other than the
 * one in use is fetched from `GET /v1/snapshot` and applied. A lost or refused stream is retried with capped
 * exponential backoff and jitter; the agent keeps serving what it has meanwhile (fail static). Heartbeats
 * (`POST /v1/heartbeat`) go out every 10 s and after each applied snapshot.
 */
export function startControlClient(options: ControlClientOptions): ControlClient {
  const { identity, logger } = options;
  const base = identity.controlUrl.replace(/\/+$/, '');
  const dispatcher = new Agent({
    connect: { ca: identity.caPem, cert: identity.certPem, key: identity.keyPem, timeout: 10_000 },
    headersTimeout: 30_000,
  });
  const backoff = createBackoff({ minMs: options.retryMinMs ?? 500, maxMs: options.retryMaxMs ?? 30_000 });
  const stop = new AbortController();
  const started = Date.now();
  let version = options.initialVersion;
  let lastError: string | null = null;
  let failing = false;

  /** The error for a non-2xx answer (problem documents carry `detail`). */
  const refusal = async (what: string, res: Awaited<ReturnType<typeof request>>) =>
    controlRefusal(what, { status: res.statusCode, text: await res.body.text().catch(() => '') });

  const heartbeat = async () => {
    try {
      const res = await request(`${base}/v1/heartbeat`, {
        method: 'POST',
        dispatcher,
        signal: stop.signal,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          agentVersion: options.agentVersion,
          configVersion: version ?? 0,
          status: { ...options.status?.(), uptimeSeconds: Math.round((Date.now() - started) / 1000), lastError },
        }),
      });
      if (res.statusCode !== 204) throw await refusal('heartbeat', res);
      await res.body.dump();
    } catch (err) {
      if (!stop.signal.aborted) logger.debug({ err }, 'control channel: heartbeat failed');
    }
  };

  const sync = async (): Promise<{ ok: true; version: number } | { ok: false; error: string }> => {
    const res = await request(`${base}/v1/snapshot`, { dispatcher, signal: stop.signal });
    if (res.statusCode !== 200) throw await refusal('snapshot', res);
    const snapshot = configSnapshot.parse(await res.body.json());
    if (snapshot.orgId !== identity.orgId) throw new Error('snapshot: the admin sent another organisation');
    const applied = await options.apply(snapshot);
    if (!applied.ok) {
      lastError = applied.error;
      return applied;
    }
    version = snapshot.version;
    lastError = null;
    logger.info({ version }, 'control channel: snapshot applied');
    void heartbeat();
    return { ok: true, version };
  };

  const follow = async () => {
    const res = await request(`${base}/v1/stream`, {
      dispatcher,
      signal: stop.signal,
      headers: { accept: 'text/event-stream' },
      bodyTimeout: STREAM_IDLE_MS,
    });
    if (res.statusCode !== 200) throw await refusal('stream', res);
    if (failing) logger.info('control channel: connected again');
    failing = false;
    for await (const event of readServerSentEvents(res.body)) {
      if (event.event !== 'version') continue;
      const announced = versionEvent.parse(JSON.parse(event.data)).version;
      backoff.reset();
      // Any other version is applied, not only a higher one: the admin's database may have been restored.
      if (announced !== version) await sync();
    }
  };

  const loop = async () => {
    while (!stop.signal.aborted) {
      try {
        await follow();
        if (!stop.signal.aborted) throw new Error('the admin ended the stream');
      } catch (err) {
        if (stop.signal.aborted) break;
        const message = err instanceof Error ? err.message : String(err);
        const delay = backoff.next();
        logger[failing ? 'debug' : 'warn'](
          { error: message, retryInMs: delay },
          'control channel: lost the admin; serving the last snapshot and retrying',
        );
        failing = true;
        await sleep(delay, undefined, { signal: stop.signal }).catch(() => undefined);
      }
    }
  };

  const running = loop();
  const beating = setInterval(() => void heartbeat(), options.heartbeatMs ?? 10_000).unref();

  return {
    async post(path, body, timeoutMs) {
      const res = await request(`${base}${path}`, {
        method: 'POST',
        dispatcher,
        signal: AbortSignal.any([stop.signal, AbortSignal.timeout(timeoutMs)]),
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.statusCode, text: await res.body.text() };
    },
    resync: () =>
      sync().catch((err: unknown) => ({ ok: false as const, error: err instanceof Error ? err.message : String(err) })),
    async close() {
      clearInterval(beating);
      stop.abort();
      await running;
      await dispatcher.destroy();
    },
  };
}
