import type { HealthCheckConfig } from '@rustronaut/contracts';
import { once } from 'node:events';
import { createTestCa } from '@rustronaut/testkit';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { UpstreamSet } from './types.js';
import { createUpstreamSet } from './upstream-set.js';

// Active checks, seen through the upstream set that runs them, against real servers on 127.0.0.1.

interface Change {
  readonly id: string;
  readonly available: boolean;
  readonly reason: string;
}

/** A server on 127.0.0.1 that can be stopped and started again on the same port. */
interface TestUpstream {
  readonly port: number;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

async function serve(makeServer: () => Server): Promise<TestUpstream> {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  const listen = async (port: number) => {
    server = makeServer();
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    return (server.address() as AddressInfo).port;
  };
  const port = await listen(0);
  return {
    port,
    async stop() {
      if (server?.listening !== true) return;
      const closed = once(server, 'close');
      server.close();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    async restart() {
      await listen(port);
    },
  };
}

const serveHttp = (handler: (req: IncomingMessage, res: ServerResponse) => void) =>
  serve(() => createHttpServer(handler));

/** Waits for an assertion to hold, polling; for counts kept by a test server. */
const eventually = (assertion: () => void) => vi.waitFor(assertion, { timeout: 5000 });

const stopAll: (() => unknown)[] = [];
afterEach(async () => {
  for (const stop of stopAll.splice(0)) await stop();
  vi.useRealTimers();
});

/** A started set of the given upstreams (ids `u0`, `u1`, …) that records availability changes. */
function watch(ports: readonly number[], healthCheck: Partial<HealthCheckConfig>, tls = false) {
  const changes: Change[] = [];
  const waiters: { match: (c: Change) => boolean; resolve: (c: Change) => void }[] = [];
  const set: UpstreamSet = createUpstreamSet({
    name: 'app',
    members: ports.map((port, i) => ({ id: `u${String(i)}`, host: '127.0.0.1', port, weight: 1, tls })),
    loadBalancing: 'round-robin',
    healthCheck: {
      type: 'http',
      path: '/healthz',
      intervalMs: 20,
      timeoutMs: 1000,
      unhealthyAfter: 2,
      healthyAfter: 1,
      ...healthCheck,
    },
    onAvailabilityChange: (member, available, reason) => {
      const change = { id: member.id, available, reason };
      changes.push(change);
      for (const [i, waiter] of waiters.entries()) {
        if (waiter.match(change)) {
          waiters.splice(i, 1);
          waiter.resolve(change);
          break;
        }
      }
    },
  });
  set.start();
  stopAll.push(() => set.stop());
  /** Resolves with the next change of `id` to `available`. */
  const until = (id: string, available: boolean) =>
    new Promise<Change>((resolve) => waiters.push({ match: (c) => c.id === id && c.available === available, resolve }));
  const picked = () => new Set(Array.from({ length: 20 }, () => set.pick()?.id));
  return { set, changes, until, picked };
}

describe('active health checks over HTTP', () => {
  it('take an upstream that goes down out of rotation, and bring it back when it is restarted', async () => {
    const up = await serveHttp((_, res) => res.end('ok'));
    const down = await serveHttp((_, res) => res.end('ok'));
    stopAll.push(() => up.stop());
    const { until, picked } = watch([up.port, down.port], {});
    expect(picked()).toEqual(new Set(['u0', 'u1']));

    const out = until('u1', false);
    await down.stop();
    expect(await out).toEqual({ id: 'u1', available: false, reason: 'active check failed: ECONNREFUSED' });
    expect(picked()).toEqual(new Set(['u0']));

    const back = until('u1', true);
    await down.restart();
    stopAll.push(() => down.stop());
    expect(await back).toEqual({ id: 'u1', available: true, reason: 'active check passed' });
    expect(picked()).toEqual(new Set(['u0', 'u1']));
  });

  it('need unhealthyAfter failures and healthyAfter passes in a row to flip', async () => {
    // Answers in order; failures or passes that are not in a row must not add up.
    const script = [200, 503, 200, 503, 503, 200, 503, 503, 503, /* down */ 200, 503, 200, 200 /* up */];
    let answered = 0;
    const upstream = await serveHttp((_, res) => {
      res.statusCode = script[answered] ?? 200;
      answered++;
      res.end();
    });
    stopAll.push(() => upstream.stop());
    const { until, changes } = watch([upstream.port], { unhealthyAfter: 3, healthyAfter: 2 });

    expect(await until('u0', false)).toEqual({ id: 'u0', available: false, reason: 'active check failed: HTTP 503' });
    // Checks of one upstream never overlap, so nothing was answered after the one that tipped it.
    expect(answered).toBe(9);
    await until('u0', true);
    expect(answered).toBe(13);
    expect(changes).toHaveLength(2);
  });

  it('pass on 3xx and fail on 4xx', async () => {
    let status = 302;
    let redirects = 0;
    const upstream = await serveHttp((_, res) => {
      if (status === 302) redirects++;
      res.writeHead(status, { location: '/elsewhere' }).end();
    });
    stopAll.push(() => upstream.stop());
    const { until, changes } = watch([upstream.port], { unhealthyAfter: 1 });
    await eventually(() => expect(redirects).toBeGreaterThanOrEqual(3));
    expect(changes).toEqual([]);
    const out = until('u0', false);
    status = 404;
    expect((await out).reason).toBe('active check failed: HTTP 404');
  });

  it('send GET path over a fresh connection each time', async () => {
    const seen: { method?: string; url?: string; connection?: string; remotePort?: number }[] = [];
    const upstream = await serveHttp((req, res) => {
      seen.push({
        method: req.method,
        url: req.url,
        connection: req.headers.connection,
        remotePort: req.socket.remotePort,
      });
      res.end();
    });
    stopAll.push(() => upstream.stop());
    const { set } = watch([upstream.port], { path: '/status?probe=1' });
    await eventually(() => expect(seen.length).toBeGreaterThanOrEqual(3));
    set.stop();
    expect(seen.slice(0, 3).map(({ method, url, connection }) => [method, url, connection])).toEqual([
      ['GET', '/status?probe=1', 'close'],
      ['GET', '/status?probe=1', 'close'],
      ['GET', '/status?probe=1', 'close'],
    ]);
    expect(new Set(seen.map((s) => s.remotePort)).size).toBe(seen.length);
  });

  it('fail a check that gets no answer within timeoutMs', async () => {
    const upstream = await serveHttp(() => undefined);
    stopAll.push(() => upstream.stop());
    const { until } = watch([upstream.port], { timeoutMs: 50, unhealthyAfter: 1 });
    expect((await until('u0', false)).reason).toBe('active check failed: timed out after 50 ms');
  });

  it('never overlap for one upstream, even when a check lasts longer than the interval', async () => {
    let open = 0;
    let most = 0;
    let answered = 0;
    const upstream = await serveHttp((_, res) => {
      open++;
      most = Math.max(most, open);
      setTimeout(() => {
        open--;
        answered++;
        res.end();
      }, 60);
    });
    stopAll.push(() => upstream.stop());
    watch([upstream.port], { intervalMs: 10, timeoutMs: 1000 });
    await eventually(() => expect(answered).toBeGreaterThanOrEqual(4));
    expect(most).toBe(1);
  });

  it('stop() cancels the check in flight and sends no request afterwards', async () => {
    let requests = 0;
    let stopChecks = () => undefined as unknown;
    const cancelled: Promise<unknown>[] = [];
    const upstream = await serveHttp((req, res) => {
      requests++;
      if (requests < 2) {
        res.end();
        return;
      }
      // Stop while this check waits for its answer, which never comes.
      cancelled.push(once(req.socket, 'close'));
      stopChecks();
    });
    stopAll.push(() => upstream.stop());
    const { set, changes } = watch([upstream.port], { timeoutMs: 60_000 });
    stopChecks = () => set.stop();
    await eventually(() => expect(cancelled).toHaveLength(1));
    // The gateway closes the check's connection rather than leaving it to its 60 s timeout.
    await cancelled[0];
    await sleep(100); // five intervals in which a leftover timer would have sent another check
    expect(requests).toBe(2);
    expect(changes).toEqual([]);
  });
});

describe('active health checks over HTTPS', () => {
  it('speak TLS to a tls member and verify its certificate', async () => {
    const ca = await createTestCa();
    const leaf = await ca.issue({ names: ['127.0.0.1'] });
    let requests = 0;
    const upstream = await serve(() =>
      createHttpsServer({ cert: leaf.certPem, key: leaf.keyPem }, (_, res) => {
        requests++;
        res.end();
      }),
    );
    stopAll.push(() => upstream.stop());
    const { until } = watch([upstream.port], { unhealthyAfter: 1 }, true);
    // The test CA is not one the gateway trusts, so the check fails at the handshake, before any request.
    expect((await until('u0', false)).reason).toBe('active check failed: UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(requests).toBe(0);
  });
});

describe('active health checks over TCP', () => {
  it('take an upstream that refuses connections out, and bring it back', async () => {
    const upstream = await serve(() => createTcpServer((socket) => socket.end()));
    const { until, picked } = watch([upstream.port], { type: 'tcp', unhealthyAfter: 2 });
    expect(picked()).toEqual(new Set(['u0']));

    const out = until('u0', false);
    await upstream.stop();
    expect(await out).toEqual({ id: 'u0', available: false, reason: 'active check failed: ECONNREFUSED' });
    expect(picked()).toEqual(new Set([undefined]));

    const back = until('u0', true);
    await upstream.restart();
    stopAll.push(() => upstream.stop());
    expect(await back).toEqual({ id: 'u0', available: true, reason: 'active check passed' });
  });
});

describe('health checker timers', () => {
  it('leave nothing behind after stop(), including a check in flight and an ejection', async () => {
    const upstream = await serve(() => createTcpServer((socket) => socket.end()));
    stopAll.push(() => upstream.stop());
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const set = createUpstreamSet({
      name: 'app',
      members: [{ id: 'u0', host: '127.0.0.1', port: upstream.port, weight: 1 }],
      loadBalancing: 'round-robin',
      healthCheck: { type: 'tcp', path: '/', intervalMs: 1000, timeoutMs: 1000, unhealthyAfter: 1, healthyAfter: 1 },
      passiveHealth: { consecutiveFailures: 1, ejectMs: 1000 },
    });
    set.start();
    expect(vi.getTimerCount()).toBe(1);
    // Fires the first check: a real connection whose timeout runs on the fake clock.
    vi.advanceTimersByTime(100);
    expect(vi.getTimerCount()).toBe(1);
    set.members[0]?.report(false);
    expect(vi.getTimerCount()).toBe(2);
    set.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('health check options', () => {
  it.each<[string, Partial<HealthCheckConfig>, string]>([
    ['an unknown type', { type: 'udp' as 'tcp' }, 'healthCheck.type must be "http" or "tcp", got "udp"'],
    ['a relative path', { path: 'healthz' }, 'healthCheck.path must start with "/" and hold only visible ASCII'],
    [
      'a path with a space',
      { path: '/a b' },
      'healthCheck.path must start with "/" and hold only visible ASCII, got "/a b"',
    ],
    ['a zero interval', { intervalMs: 0 }, 'healthCheck.intervalMs must be an integer from 1 to 2147483647, got 0'],
    ['a fractional timeout', { timeoutMs: 0.5 }, 'healthCheck.timeoutMs must be an integer'],
    ['zero failures to go down', { unhealthyAfter: 0 }, 'healthCheck.unhealthyAfter must be an integer from 1'],
    ['passes as text', { healthyAfter: '1' as unknown as number }, 'healthCheck.healthyAfter must be an integer'],
  ])('reject %s when the set is built', (_, patch, message) => {
    expect(() =>
      createUpstreamSet({
        name: 'app',
        members: [{ id: 'u0', host: '127.0.0.1', port: 1, weight: 1 }],
        loadBalancing: 'round-robin',
        healthCheck: {
          type: 'http',
          path: '/',
          intervalMs: 100,
          timeoutMs: 100,
          unhealthyAfter: 1,
          healthyAfter: 1,
          ...patch,
        },
      }),
    ).toThrow(`upstream set "app": ${message}`);
  });
});
