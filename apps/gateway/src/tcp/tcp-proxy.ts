import type { ListenAddress } from '@rustronaut/config';
import { connect, createServer, type Socket } from 'node:net';
import { listen } from '../listen.js';
import { compileRouteTable, type RouteTable } from '../routing/route-table.js';
import { readClientHelloSni } from '../tls/client-hello.js';
import type { Upstream, UpstreamSet } from '../upstreams/types.js';

/** How a proxied TCP connection ended. */
export type TcpOutcome =
  /** Both sides finished (each direction ended with a FIN). */
  | 'closed'
  /** A socket error (e.g. a reset) on either side cut the connection. */
  | 'reset'
  /** Nothing moved either way for `idleTimeoutMs`. */
  | 'idle-timeout'
  /** No member of the upstream set was available. */
  | 'no-upstream'
  /** Connecting failed or timed out, on the retry too when there was another member. */
  | 'connect-failed'
  /** The client left before its upstream connection was established. */
  | 'aborted'
  /** SNI mode: no `sni` entry matched and there are no default `upstreams`. */
  | 'no-route'
  /** SNI mode: the first bytes are not a TLS ClientHello the proxy can read. */
  | 'not-tls'
  /** SNI mode: the ClientHello did not arrive within 5 seconds. */
  | 'hello-timeout'
  /** SNI mode: the ClientHello is larger than 16 KiB. */
  | 'hello-too-large'
  /** Still open when `close(graceMs)` ran out of time. */
  | 'shutdown';

/** One finished client connection, for metrics and logs. */
export interface TcpConnectionEvent {
  /** The listener's name. */
  readonly listener: string;
  readonly outcome: TcpOutcome;
  /** Id of the last upstream tried, if any. */
  readonly upstream: string | undefined;
  /** SNI mode: the server name the client asked for. */
  readonly serverName: string | undefined;
  readonly remoteAddress: string | undefined;
  /** Bytes received from the client (including a ClientHello read for SNI). */
  readonly bytesIn: number;
  /** Bytes sent to the client. */
  readonly bytesOut: number;
  readonly durationMs: number;
}

/** Options of {@link startTcpProxy}. */
export interface TcpProxyOptions {
  /** Listener name, for events and error messages. */
  readonly name: string;
  readonly listen: ListenAddress;
  /** Where connections go; in SNI mode, the default for names no `sni` entry matches and for no name at all. */
  readonly upstreams?: UpstreamSet | undefined;
  /**
   * TLS passthrough: route on the ClientHello's server name, without terminating TLS. `host` is an exact name,
   * `*.example.com` (one or more labels in front) or `*` (any name); exact beats the longest wildcard beats `*`.
   */
  readonly sni?: ReadonlyArray<{ readonly host: string; readonly upstreams: UpstreamSet }> | undefined;
  readonly connectTimeoutMs: number;
  /** Closes a connection after this long without bytes in either direction. */
  readonly idleTimeoutMs: number;
  /** Called once as each client connection ends. Must not throw. */
  readonly onConnection?: ((event: TcpConnectionEvent) => void) | undefined;
}

/** A running TCP listener. */
export interface TcpProxy {
  /** Bound port. */
  readonly port: number;
  /** Stops accepting, lets open connections run for up to `graceMs`, then cuts them; resolves when all are gone. */
  close(graceMs: number): Promise<void>;
}

// RFC 8446 section 5.1: one record carries at most 2^14 bytes; a ClientHello needs far less (about 2 KiB with
// post-quantum key shares), so a larger one is refused rather than buffered.
const MAX_HELLO_BYTES = 16_384 + 5;
const HELLO_DEADLINE_MS = 5_000;

/**
 * Starts a TCP listener that forwards each connection to a member of an upstream set: plain forwarding, or TLS
 * passthrough routed by SNI. Bytes flow both ways with backpressure; a half-close (FIN) from either side is passed
 * on and the other direction keeps flowing. A failed connect is reported to the set and retried once on another
 * member. The caller owns the upstream sets: it starts and stops them.
 */
export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const { name, upstreams, connectTimeoutMs, idleTimeoutMs, onConnection } = options;
  checkOptions(options);
  const sni: RouteTable<UpstreamSet> | undefined =
    options.sni === undefined
      ? undefined
      : compileRouteTable(options.sni.map((entry) => ({ host: entry.host, pathPrefix: '/', route: entry.upstreams })));
  // One abort function per open connection, so close() can cut what is left.
  const open = new Set<(outcome: TcpOutcome) => void>();
  let drained: (() => void) | undefined;

  const serve = (client: Socket): void => {
    const startedAt = Date.now();
    const remoteAddress = client.remoteAddress;
    let outcome: TcpOutcome | undefined;
    let upstreamId: string | undefined;
    let serverName: string | undefined;
    let upstream: Socket | undefined;
    let established = false;
    let openSockets = 1;

    const abort = (reason: TcpOutcome): void => {
      outcome ??= reason;
      client.destroy();
      upstream?.destroy();
    };
    const settle = (): void => {
      if (--openSockets > 0) return;
      clearTimeout(helloTimer);
      open.delete(abort);
      onConnection?.({
        listener: name,
        outcome: outcome ?? 'closed',
        upstream: upstreamId,
        serverName,
        remoteAddress,
        bytesIn: client.bytesRead,
        bytesOut: client.bytesWritten,
        durationMs: Date.now() - startedAt,
      });
      if (open.size === 0) drained?.();
    };
    // SNI mode: a deadline, not an idle timer, so a client trickling bytes cannot hold the slot.
    const helloTimer = sni === undefined ? undefined : setTimeout(() => abort('hello-timeout'), HELLO_DEADLINE_MS);
    open.add(abort);
    client.on('error', () => abort('reset'));
    client.on('timeout', () => abort('idle-timeout'));
    client.on('close', () => {
      if (!established) outcome ??= 'aborted';
      if (upstream !== undefined) {
        // A clean close means both directions ended: the upstream was told (end) and only flushes what is left,
        // now under its own idle timer since the client's is gone.
        if (client.readableEnded && client.writableFinished) upstream.setTimeout(idleTimeoutMs);
        else upstream.destroy();
      }
      settle();
    });

    const connectTo = (set: UpstreamSet, head: Buffer | undefined, failed?: Upstream): void => {
      const member = set.pick(failed);
      if (member === undefined) return abort(failed === undefined ? 'no-upstream' : 'connect-failed');
      upstreamId = member.id;
      const release = member.acquire();
      const socket = connect({
        host: member.host,
        port: member.port,
        allowHalfOpen: true,
        noDelay: true,
        timeout: connectTimeoutMs,
      });
      upstream = socket;
      openSockets++;
      // Before connecting this is the connect timeout (a destroyed attempt counts as a failure); after the client
      // closed cleanly, the idle timeout of the final flush.
      socket.on('timeout', () => socket.destroy());
      socket.on('error', () => {
        if (established) abort('reset');
      });
      socket.once('connect', () => {
        established = true;
        member.report(true);
        // Idle time is watched on the client alone: every byte either way passes through it.
        socket.setTimeout(0);
        client.setTimeout(idleTimeoutMs);
        if (head !== undefined) socket.write(head);
        client.pipe(socket);
        socket.pipe(client);
      });
      socket.on('close', () => {
        release();
        upstream = undefined;
        if (!established && outcome === undefined) {
          member.report(false);
          openSockets--;
          // Retry once, on another member; the client's bytes are still unread (or held in `head`).
          return failed === undefined ? connectTo(set, head, member) : abort('connect-failed');
        }
        if (!(socket.readableEnded && socket.writableFinished)) client.destroy();
        settle();
      });
    };

    if (sni === undefined) return connectTo(upstreams as UpstreamSet, undefined);

    let received: Buffer | undefined;
    const onEnd = () => abort('aborted');
    const onData = (chunk: Buffer): void => {
      const buf = received === undefined ? chunk : Buffer.concat([received, chunk]);
      const hello = readClientHelloSni(buf);
      if (hello.status === 'incomplete') {
        if (buf.length >= MAX_HELLO_BYTES) return abort('hello-too-large');
        received = buf;
        return;
      }
      client.off('data', onData).off('end', onEnd).pause();
      clearTimeout(helloTimer);
      if (hello.status === 'not-tls') return abort('not-tls');
      serverName = hello.serverName;
      const set = (serverName === undefined ? undefined : sni.lookup(serverName, '/')) ?? upstreams;
      if (set === undefined) return abort('no-route');
      connectTo(set, buf);
    };
    client.on('data', onData).on('end', onEnd);
  };

  const server = createServer({ allowHalfOpen: true, noDelay: true }, serve);
  const port = await listen(server, options.listen, `tcp.${name}.listen`);
  let closing: Promise<void> | undefined;
  return {
    port,
    close: (graceMs) =>
      (closing ??= new Promise((resolve) => {
        const timer = setTimeout(() => {
          for (const abort of open) abort('shutdown');
        }, graceMs);
        let serverClosed = false;
        drained = () => {
          if (!serverClosed || open.size > 0) return;
          clearTimeout(timer);
          resolve();
        };
        server.close(() => {
          serverClosed = true;
          drained?.();
        });
      })),
  };
}

function checkOptions(options: TcpProxyOptions): void {
  const where = `TCP listener "${options.name}"`;
  if (options.name === '') throw new TypeError('TCP listener: name must not be empty');
  if (options.upstreams === undefined && (options.sni === undefined || options.sni.length === 0)) {
    throw new TypeError(`${where}: needs upstreams, sni entries, or both`);
  }
  for (const key of ['connectTimeoutMs', 'idleTimeoutMs'] as const) {
    const value = options[key];
    if (!Number.isInteger(value) || value <= 0) {
      throw new TypeError(`${where}: ${key} must be a positive integer, got ${String(value)}`);
    }
  }
}
