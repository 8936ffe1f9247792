import { createTestCa, type TestCertificate } from '@rustronaut/testkit';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Upstream, UpstreamSet } from '../upstreams/types.js';
import { startTcpProxy, type TcpConnectionEvent, type TcpProxy, type TcpProxyOptions } from './tcp-proxy.js';

interface FakeUpstream extends Upstream {
  available: boolean;
  readonly reports: boolean[];
}

interface FakeSet extends UpstreamSet {
  readonly members: FakeUpstream[];
}

/**
 * A tiny stand-in for `createUpstreamSet` (the real one is tested by its own suite): round-robin over the
 * available members, counting acquire/release and recording reports, so tests can see what the proxy did.
 */
function fakeSet(name: string, ports: readonly number[]): FakeSet {
  const members = ports.map((port): FakeUpstream => {
    let active = 0;
    return {
      id: `127.0.0.1:${String(port)}`,
      host: '127.0.0.1',
      port,
      weight: 1,
      available: true,
      reports: [],
      get active() {
        return active;
      },
      acquire() {
        active++;
        let released = false;
        return () => {
          if (released) throw new Error('released twice');
          released = true;
          active--;
        };
      },
      report(ok) {
        this.reports.push(ok);
      },
    };
  });
  let cursor = 0;
  return {
    name,
    members,
    pick(exclude) {
      const candidates = members.filter((m) => m.available && m !== exclude);
      return candidates[cursor++ % Math.max(1, candidates.length)];
    },
    start() {},
    stop() {},
  };
}

const servers: Server[] = [];
const proxies: TcpProxy[] = [];

afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close(0)));
  for (const s of servers.splice(0)) {
    s.close();
    (s as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
  }
});

async function serve(server: Server): Promise<number> {
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** Echoes everything and passes a half-close back (ends after the client ended). */
function echoServer(): Promise<number> {
  return serve(createServer({ allowHalfOpen: true }, (s) => s.on('error', () => {}).pipe(s)));
}

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

async function startProxy(options: Partial<TcpProxyOptions>): Promise<{
  port: number;
  proxy: TcpProxy;
  events: TcpConnectionEvent[];
  nextEvent: () => Promise<TcpConnectionEvent>;
}> {
  const events: TcpConnectionEvent[] = [];
  const waiters: Array<(e: TcpConnectionEvent) => void> = [];
  const proxy = await startTcpProxy({
    name: 'test',
    listen: { host: '127.0.0.1', port: 0 },
    connectTimeoutMs: 2000,
    idleTimeoutMs: 30_000,
    ...options,
    onConnection: (event) => {
      events.push(event);
      waiters.shift()?.(event);
    },
  });
  proxies.push(proxy);
  let seen = 0;
  const nextEvent = () => {
    const index = seen++;
    const ready = events[index];
    return ready ? Promise.resolve(ready) : new Promise<TcpConnectionEvent>((resolve) => waiters.push(resolve));
  };
  return { port: proxy.port, proxy, events, nextEvent };
}

/** Connects, optionally writes and half-closes (it can still read after that), and resolves with everything received once the socket closes. */
async function exchange(port: number, data?: Buffer | string, end = true): Promise<Buffer> {
  const socket = connect({ host: '127.0.0.1', port });
  return readAll(socket, () => {
    if (data !== undefined) socket.write(data);
    if (end) socket.end();
  });
}

function readAll(socket: Socket, onConnect: () => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    socket.on('connect', onConnect);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => {}); // a reset still ends in 'close'
    socket.on('close', () => resolve(Buffer.concat(chunks)));
    socket.on('timeout', () => reject(new Error('test socket timed out')));
  });
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('startTcpProxy, plain forwarding', () => {
  it('forwards several MiB both ways intact, releases the upstream and reports bytes', async () => {
    const set = fakeSet('echo', [await echoServer()]);
    const { port, nextEvent } = await startProxy({ upstreams: set });
    const payload = randomBytes(8 * 1024 * 1024);

    const echoed = await exchange(port, payload);

    expect(echoed.length).toBe(payload.length);
    expect(sha256(echoed)).toBe(sha256(payload));
    expect(await nextEvent()).toMatchObject({
      listener: 'test',
      outcome: 'closed',
      upstream: set.members[0]?.id,
      bytesIn: payload.length,
      bytesOut: payload.length,
      remoteAddress: '127.0.0.1',
    });
    expect(set.members[0]?.active).toBe(0);
    expect(set.members[0]?.reports).toEqual([true]);
  });

  it('passes a client half-close on and still delivers the answer', async () => {
    // Answers only after the request ended: a proxy without half-close would cut the answer.
    const upstreamPort = await serve(
      createServer({ allowHalfOpen: true }, (s) => {
        let received = 0;
        s.on('data', (c: Buffer) => (received += c.length));
        s.on('end', () => s.end(`got ${String(received)} bytes`));
      }),
    );
    const { port } = await startProxy({ upstreams: fakeSet('counter', [upstreamPort]) });

    expect((await exchange(port, 'x'.repeat(100_000))).toString()).toBe('got 100000 bytes');
  });

  it('passes an upstream half-close on and keeps forwarding what the client still sends', async () => {
    let upstreamReceived: Promise<string> | undefined;
    const upstreamPort = await serve(
      createServer({ allowHalfOpen: true }, (s) => {
        s.end('bye'); // upstream is done talking but keeps listening
        upstreamReceived = new Promise((resolve) => {
          let text = '';
          s.on('data', (c: Buffer) => (text += c.toString()));
          s.on('end', () => resolve(text));
        });
      }),
    );
    const { port, nextEvent } = await startProxy({ upstreams: fakeSet('greeter', [upstreamPort]) });
    const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const received = readAll(socket, () => {});
    socket.once('end', () => socket.end('late words'));

    expect((await received).toString()).toBe('bye');
    expect(await upstreamReceived).toBe('late words');
    expect((await nextEvent()).outcome).toBe('closed');
  });

  it('reports a member that refuses the connection and retries once on another', async () => {
    const dead = await deadPort();
    const set = fakeSet('mixed', [dead, await echoServer()]);
    const { port, nextEvent } = await startProxy({ upstreams: set });

    expect((await exchange(port, 'hello')).toString()).toBe('hello');
    expect(await nextEvent()).toMatchObject({ outcome: 'closed', upstream: set.members[1]?.id });
    expect(set.members.map((m) => m.reports)).toEqual([[false], [true]]);
    expect(set.members.map((m) => m.active)).toEqual([0, 0]);
  });

  it('closes the client after the retry fails too, without trying a third member', async () => {
    const set = fakeSet('down', [await deadPort(), await deadPort(), await deadPort()]);
    const { port, nextEvent } = await startProxy({ upstreams: set });

    expect((await exchange(port, 'hello', false)).length).toBe(0);
    expect((await nextEvent()).outcome).toBe('connect-failed');
    expect(set.members.flatMap((m) => m.reports)).toEqual([false, false]);
    expect(set.members.map((m) => m.active)).toEqual([0, 0, 0]);
  });

  it('closes the client when no member is available', async () => {
    const set = fakeSet('ejected', [await echoServer()]);
    (set.members[0] as FakeUpstream).available = false;
    const { port, nextEvent } = await startProxy({ upstreams: set });

    expect((await exchange(port, 'hello', false)).length).toBe(0);
    expect((await nextEvent()).outcome).toBe('no-upstream');
  });

  it('closes a connection that stays silent for idleTimeoutMs', async () => {
    const { port, nextEvent } = await startProxy({
      upstreams: fakeSet('echo', [await echoServer()]),
      idleTimeoutMs: 200,
    });

    expect((await exchange(port, 'ping', false)).toString()).toBe('ping');
    expect((await nextEvent()).outcome).toBe('idle-timeout');
  });

  it('on close(grace) refuses new connections and lets open ones finish', async () => {
    const { port, proxy, nextEvent } = await startProxy({ upstreams: fakeSet('echo', [await echoServer()]) });
    const socket = connect({ host: '127.0.0.1', port });
    const received = readAll(socket, () => socket.write('before'));
    await once(socket, 'data');

    const closed = proxy.close(30_000);
    const refused = connect({ host: '127.0.0.1', port });
    const [err] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    expect(err.code).toBe('ECONNREFUSED');

    socket.end('after');
    expect((await received).toString()).toBe('beforeafter');
    await closed;
    expect((await nextEvent()).outcome).toBe('closed');
  });

  it('cuts connections still open when the grace period ends', async () => {
    const { port, proxy, nextEvent } = await startProxy({ upstreams: fakeSet('echo', [await echoServer()]) });
    const socket = connect({ host: '127.0.0.1', port });
    const received = readAll(socket, () => socket.write('hold'));
    await once(socket, 'data');

    await proxy.close(50);

    expect((await received).toString()).toBe('hold');
    expect((await nextEvent()).outcome).toBe('shutdown');
  });

  it('checks its options up front and names the setting when the port is taken', async () => {
    const base = { name: 'db', listen: { host: '127.0.0.1', port: 0 }, connectTimeoutMs: 1000, idleTimeoutMs: 1000 };
    const set = fakeSet('x', [1]);
    await expect(startTcpProxy(base)).rejects.toThrow(/needs upstreams, sni entries, or both/);
    await expect(startTcpProxy({ ...base, upstreams: set, idleTimeoutMs: 0 })).rejects.toThrow(/idleTimeoutMs/);
    await expect(startTcpProxy({ ...base, sni: [{ host: 'bad host', upstreams: set }] })).rejects.toThrow(TypeError);

    const taken = await echoServer();
    await expect(
      startTcpProxy({ ...base, upstreams: set, listen: { host: '127.0.0.1', port: taken } }),
    ).rejects.toMatchObject({ code: 'ERR_STARTUP_PORT_IN_USE', message: expect.stringContaining('tcp.db.listen') });
  });
});

describe('startTcpProxy, TLS passthrough by SNI', () => {
  let ca: Awaited<ReturnType<typeof createTestCa>>;
  let certA: TestCertificate;
  let certB: TestCertificate;

  beforeAll(async () => {
    ca = await createTestCa();
    [certA, certB] = await Promise.all([
      ca.issue({ names: ['a.test'] }),
      ca.issue({ names: ['b.test', '*.wild.test'] }),
    ]);
  });

  /** A TLS echo server that also remembers the server name each client asked it for. */
  async function tlsEcho(cert: TestCertificate): Promise<{ port: number; names: Array<string | false | null> }> {
    const names: Array<string | false | null> = [];
    const server = createTlsServer({ cert: cert.certPem, key: cert.keyPem }, (s) => {
      names.push(s.servername);
      s.on('error', () => {}).pipe(s);
    });
    return { port: await serve(server), names };
  }

  /** Opens TLS through the proxy, trusting only the test CA; resolves with the certificate seen and the echo. */
  async function tlsThrough(
    port: number,
    servername?: string,
  ): Promise<{ cn: unknown; authorized: boolean; echo: string }> {
    const socket: TLSSocket = tlsConnect({
      host: '127.0.0.1',
      port,
      ca: ca.certPem,
      ...(servername === undefined ? {} : { servername }),
      // The chain must verify against the test CA; the name check is asserted below, per test.
      checkServerIdentity: () => undefined,
    });
    await once(socket, 'secureConnect');
    const cn = socket.getPeerCertificate().subject.CN;
    const authorized = socket.authorized;
    socket.end('ping over tls');
    let echo = '';
    for await (const chunk of socket) echo += String(chunk);
    return { cn, authorized, echo };
  }

  it('routes by server name to the right TLS server, which terminates TLS itself', async () => {
    const a = await tlsEcho(certA);
    const b = await tlsEcho(certB);
    const { port, nextEvent } = await startProxy({
      sni: [
        { host: 'a.test', upstreams: fakeSet('a', [a.port]) },
        { host: 'b.test', upstreams: fakeSet('b', [b.port]) },
        { host: '*.wild.test', upstreams: fakeSet('wild', [b.port]) },
      ],
    });

    expect(await tlsThrough(port, 'a.test')).toEqual({ cn: 'a.test', authorized: true, echo: 'ping over tls' });
    expect(await tlsThrough(port, 'B.Test')).toEqual({ cn: 'b.test', authorized: true, echo: 'ping over tls' });
    expect(await tlsThrough(port, 'x.y.wild.test')).toMatchObject({ cn: 'b.test', authorized: true });
    expect(a.names).toEqual(['a.test']);
    expect(b.names).toEqual(['B.Test', 'x.y.wild.test']);
    const events = [await nextEvent(), await nextEvent(), await nextEvent()];
    expect(events.map((e) => [e.outcome, e.serverName, e.upstream]).sort()).toEqual([
      ['closed', 'a.test', `127.0.0.1:${String(a.port)}`],
      ['closed', 'b.test', `127.0.0.1:${String(b.port)}`],
      ['closed', 'x.y.wild.test', `127.0.0.1:${String(b.port)}`],
    ]);
  });

  it('sends names no entry matches, and clients without SNI, to the default upstreams; else closes', async () => {
    const a = await tlsEcho(certA);
    const b = await tlsEcho(certB);
    const withDefault = await startProxy({
      upstreams: fakeSet('a', [a.port]),
      sni: [{ host: 'b.test', upstreams: fakeSet('b', [b.port]) }],
    });
    const withoutDefault = await startProxy({ sni: [{ host: 'b.test', upstreams: fakeSet('b', [b.port]) }] });

    expect(await tlsThrough(withDefault.port, 'other.test')).toMatchObject({ cn: 'a.test', echo: 'ping over tls' });
    expect(await tlsThrough(withDefault.port)).toMatchObject({ cn: 'a.test', echo: 'ping over tls' });
    expect(a.names).toEqual(['other.test', false]);

    await expect(tlsThrough(withoutDefault.port, 'other.test')).rejects.toThrow();
    expect(await withoutDefault.nextEvent()).toMatchObject({ outcome: 'no-route', serverName: 'other.test' });
  });

  it('re-sends the buffered ClientHello when it retries on another member', async () => {
    const a = await tlsEcho(certA);
    const set = fakeSet('a', [await deadPort(), a.port]);
    const { port } = await startProxy({ sni: [{ host: 'a.test', upstreams: set }] });

    expect(await tlsThrough(port, 'a.test')).toEqual({ cn: 'a.test', authorized: true, echo: 'ping over tls' });
    expect(set.members.map((m) => m.reports)).toEqual([[false], [true]]);
  });

  it('closes connections whose first bytes are not a readable ClientHello', async () => {
    const a = await tlsEcho(certA);
    const { port, nextEvent } = await startProxy({
      upstreams: fakeSet('a', [a.port]),
      sni: [{ host: 'a.test', upstreams: fakeSet('a2', [a.port]) }],
    });

    expect(await exchange(port, 'GET / HTTP/1.1\r\nHost: a.test\r\n\r\n', false)).toHaveLength(0);
    expect((await nextEvent()).outcome).toBe('not-tls');

    const garbage = Buffer.concat([
      Buffer.from([22, 3, 1, 0, 60, 1, 0, 0, 56, 3, 3]),
      Buffer.alloc(32, 1),
      Buffer.from([0xff]), // a session id of 255 bytes: at most 32 are allowed
      randomBytes(21),
    ]);
    expect(await exchange(port, garbage, false)).toHaveLength(0);
    expect((await nextEvent()).outcome).toBe('not-tls');

    // A ClientHello announcing 64 KiB over several records is refused at 16 KiB.
    const record = Buffer.concat([Buffer.from([22, 3, 1, 0x40, 0x00, 1, 0x01, 0x00, 0x00]), Buffer.alloc(16_380)]);
    const next = Buffer.concat([Buffer.from([22, 3, 1, 0x40, 0x00]), Buffer.alloc(100)]);
    expect(await exchange(port, Buffer.concat([record, next]), false)).toHaveLength(0);
    expect((await nextEvent()).outcome).toBe('hello-too-large');

    expect(await exchange(port, Buffer.from([22, 3, 1]), true)).toHaveLength(0);
    expect((await nextEvent()).outcome).toBe('aborted');
    expect(a.names).toEqual([]);
  });

  it('closes a client that has not sent a whole ClientHello after 5 seconds', async () => {
    const a = await tlsEcho(certA);
    const { port, nextEvent } = await startProxy({ sni: [{ host: 'a.test', upstreams: fakeSet('a', [a.port]) }] });

    expect(await exchange(port, Buffer.from([22, 3, 1, 0, 200, 1]), false)).toHaveLength(0);
    expect((await nextEvent()).outcome).toBe('hello-timeout');
  });
});
