import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createUapiClient } from './client.js';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const PEER = 'hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=';

/** A fake UAPI device: reads one request (through its blank line), then lets `behave` answer or misbehave. */
interface FakeDevice {
  readonly socketPath: string;
  /** Requests received, in order, one per connection. */
  readonly requests: string[];
  /** Connections accepted so far. */
  connections: number;
  /** Resolves once every connection accepted so far has been closed by the client. */
  allClosed(): Promise<void>;
}

let dir: string;
let server: Server | undefined;
const serverSockets = new Set<Socket>();
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rwg-uapi-client-'));
});
afterEach(async () => {
  for (const socket of serverSockets) socket.destroy();
  serverSockets.clear();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function fakeDevice(behave: (socket: Socket, request: string) => void): Promise<FakeDevice> {
  const socketPath = join(dir, `dev-${Math.random().toString(16).slice(2)}.sock`);
  const open = new Set<Promise<void>>();
  const device: FakeDevice = {
    socketPath,
    requests: [],
    connections: 0,
    allClosed: () => Promise.all(open).then(() => undefined),
  };
  server = createServer((socket) => {
    device.connections++;
    serverSockets.add(socket);
    open.add(new Promise((resolve) => socket.on('close', () => resolve())));
    let request = '';
    socket.setEncoding('utf8');
    socket.on('error', () => {}); // the client may reset the connection; that is what some tests check
    socket.on('data', (chunk: string) => {
      request += chunk;
      const end = request.indexOf('\n\n');
      if (end < 0 || request.length > end + 2) return;
      device.requests.push(request);
      behave(socket, request);
    });
  });
  await new Promise<void>((resolve) => server!.listen(socketPath, resolve));
  return device;
}

describe('createUapiClient against a fake device', () => {
  it('gets the state from a recorded wireguard-go answer, one connection per operation', async () => {
    const device = await fakeDevice((socket) => socket.write(fixture('wireguard-go-hub.txt')));
    const client = createUapiClient({ socketPath: device.socketPath });
    const first = await client.get();
    const second = await client.get();
    expect(first.peers).toHaveLength(3);
    expect(second).toEqual(first);
    expect(device.requests).toEqual(['get=1\n\n', 'get=1\n\n']);
    expect(device.connections).toBe(2);
    await device.allClosed(); // the client closes each connection once answered
  });

  it('reassembles an answer that arrives a byte at a time', async () => {
    const answer = fixture('wireguard-go-hub.txt');
    const device = await fakeDevice((socket) => {
      let i = 0;
      const drip = (): void => {
        if (i < answer.length && !socket.destroyed) socket.write(answer[i++]!, drip);
      };
      drip();
    });
    const state = await createUapiClient({ socketPath: device.socketPath }).get();
    expect(state.peers.map((p) => p.allowedIps)).toEqual([
      ['10.0.0.0/24', 'fd00::/64'],
      ['100.64.0.2/32', 'fd7a:115c:a1e0::2/128'],
      ['100.64.1.0/24', '2001:db8:c::/48'],
    ]);
  });

  it('sends the encoded set and resolves on errno=0', async () => {
    const device = await fakeDevice((socket) => socket.write('errno=0\n\n'));
    await createUapiClient({ socketPath: device.socketPath }).set({
      peers: [{ publicKey: PEER, endpoint: { address: '::1', port: 51820 }, allowedIps: ['10.0.0.1/24'] }],
    });
    expect(device.requests).toEqual([
      `set=1\npublic_key=${Buffer.from(PEER, 'base64').toString('hex')}\nendpoint=[::1]:51820\nallowed_ip=10.0.0.0/24\n\n`,
    ]);
  });

  it.each([
    ['errno=-22\n\n', -22],
    ['errno=1\n\n', 1],
    ['errno=-98\n\n', -98],
  ])('rejects a set answered with %j as ERR_WG_UAPI', async (answer, errno) => {
    const device = await fakeDevice((socket) => socket.write(answer));
    await expect(createUapiClient({ socketPath: device.socketPath }).set({ listenPort: 1 })).rejects.toMatchObject({
      code: 'ERR_WG_UAPI',
      details: { errno },
    });
  });

  it('rejects a get answered with an errno, as a device in trouble answers', async () => {
    const device = await fakeDevice((socket) => socket.end('errno=-5\n\n'));
    await expect(createUapiClient({ socketPath: device.socketPath }).get()).rejects.toMatchObject({
      code: 'ERR_WG_UAPI',
      details: { errno: -5 },
      message: expect.stringContaining('EIO'),
    });
  });

  it('rejects an answer cut off by EOF mid-answer', async () => {
    const answer = fixture('wireguard-go-hub.txt');
    const device = await fakeDevice((socket) => socket.end(answer.slice(0, answer.length / 2)));
    await expect(createUapiClient({ socketPath: device.socketPath }).get()).rejects.toMatchObject({
      code: 'ERR_WG_UAPI_PROTOCOL',
      message: expect.stringContaining('early EOF mid-answer'),
    });
  });

  // wireguard-go does this on a command it does not know.
  it('rejects a device that closes without answering', async () => {
    const device = await fakeDevice((socket) => socket.end());
    await expect(createUapiClient({ socketPath: device.socketPath }).set({})).rejects.toMatchObject({
      code: 'ERR_WG_UAPI_PROTOCOL',
      message: expect.stringContaining('closed the connection without answering'),
    });
  });

  it('stops reading an answer that never ends, past 64 Mi characters', async () => {
    const device = await fakeDevice((socket) => socket.write(Buffer.alloc(64 * 1024 * 1024 + 1, 'a')));
    await expect(createUapiClient({ socketPath: device.socketPath }).get()).rejects.toMatchObject({
      code: 'ERR_WG_UAPI_PROTOCOL',
      message: expect.stringContaining('answer larger than'),
    });
  });

  it('rejects garbage lines', async () => {
    const device = await fakeDevice((socket) => socket.write('HTTP/1.1 400 Bad Request\r\n\r\nerrno=0\n\n'));
    await expect(createUapiClient({ socketPath: device.socketPath }).get()).rejects.toMatchObject({
      code: 'ERR_WG_UAPI_PROTOCOL',
    });
  });

  it('rejects an answer with a complete line of garbage before errno', async () => {
    const device = await fakeDevice((socket) => socket.write('listen_port=51820\n\x00\x01\x02\nerrno=0\n\n'));
    await expect(createUapiClient({ socketPath: device.socketPath }).get()).rejects.toMatchObject({
      code: 'ERR_WG_UAPI_PROTOCOL',
      message: expect.stringContaining('line 2'),
    });
  });

  it('times out on a device that never answers, and closes the connection', async () => {
    const device = await fakeDevice(() => {});
    const client = createUapiClient({ socketPath: device.socketPath, timeoutMs: 100 });
    await expect(client.get()).rejects.toMatchObject({
      code: 'ERR_WG_UAPI_TIMEOUT',
      message: expect.stringContaining('no complete answer within 100 ms'),
    });
    await device.allClosed();
  });

  it('times out on a device that stops mid-answer', async () => {
    const device = await fakeDevice((socket) => socket.write('listen_port=51820\n'));
    const client = createUapiClient({ socketPath: device.socketPath, timeoutMs: 100 });
    await expect(client.get()).rejects.toMatchObject({ code: 'ERR_WG_UAPI_TIMEOUT' });
  });

  it('rejects with ERR_WG_UAPI_UNAVAILABLE when no device listens', async () => {
    const client = createUapiClient({ socketPath: join(dir, 'missing.sock') });
    await expect(client.get()).rejects.toMatchObject({
      code: 'ERR_WG_UAPI_UNAVAILABLE',
      message: expect.stringContaining('ENOENT'),
    });
  });

  it('rejects an invalid change before connecting', async () => {
    const device = await fakeDevice((socket) => socket.write('errno=0\n\n'));
    const client = createUapiClient({ socketPath: device.socketPath });
    await expect(client.set({ listenPort: -1 })).rejects.toMatchObject({ code: 'ERR_WG_CONFIG_INVALID' });
    expect(device.connections).toBe(0);
  });
});

describe('createUapiClient faults injected by a fake device', () => {
  const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('accepts a slow answer that arrives in pieces within the time limit', async () => {
    const device = await fakeDevice((socket) => {
      void (async () => {
        for (const piece of ['listen_port=51820\n', 'fwmark=7\n', 'errno=0\n', '\n']) {
          await later(30);
          if (!socket.destroyed) socket.write(piece);
        }
      })();
    });
    const state = await createUapiClient({ socketPath: device.socketPath, timeoutMs: 2000 }).get();
    expect(state).toMatchObject({ listenPort: 51820, fwmark: 7 });
  });

  it('times out on an answer that keeps coming but never ends in time: a deadline, not an idle timer', async () => {
    const device = await fakeDevice((socket) => {
      const timer = setInterval(() => (socket.destroyed ? clearInterval(timer) : socket.write('fwmark=1\n')), 10);
    });
    await expect(createUapiClient({ socketPath: device.socketPath, timeoutMs: 150 }).get()).rejects.toMatchObject({
      code: 'ERR_WG_UAPI_TIMEOUT',
    });
    await device.allClosed();
  });

  it.each([
    ['an errno too long to be one', 'errno=-99999999999\n\n'],
    ['an errno with a sign and nothing else', 'errno=-\n\n'],
    ['bytes that are not UTF-8', 'listen_port=\uFFFD\nerrno=0\n\n'],
    ['an HTTP answer', 'HTTP/1.1 200 OK\n\n'],
  ])('rejects %s as ERR_WG_UAPI_PROTOCOL', async (_what, answer) => {
    const device = await fakeDevice((socket) => socket.end(answer));
    await expect(createUapiClient({ socketPath: device.socketPath }).get()).rejects.toMatchObject({
      code: 'ERR_WG_UAPI_PROTOCOL',
    });
  });

  it('ignores bytes after the blank line that ends the answer, and closes the connection', async () => {
    const device = await fakeDevice((socket) => socket.write('errno=0\n\ngarbage that follows'));
    await createUapiClient({ socketPath: device.socketPath }).set({ fwmark: 1 });
    await device.allClosed();
  });

  it('rejects a device that hangs up before reading the request', async () => {
    server = createServer((socket) => socket.destroy());
    const socketPath = join(dir, 'hangs-up.sock');
    await new Promise<void>((resolve) => server!.listen(socketPath, resolve));
    await expect(createUapiClient({ socketPath }).set({ fwmark: 1 })).rejects.toMatchObject({
      code: expect.stringMatching(/^ERR_WG_UAPI_(PROTOCOL|UNAVAILABLE)$/),
    });
  });

  it('reports a stale socket (its device killed) as ERR_WG_UAPI_UNAVAILABLE', async () => {
    // A killed device leaves its socket file behind, and nothing listens on it: connecting is refused, as here.
    const stale = join(dir, 'stale.sock');
    await writeFile(stale, '');
    await expect(createUapiClient({ socketPath: stale }).get()).rejects.toMatchObject({
      code: 'ERR_WG_UAPI_UNAVAILABLE',
      message: expect.stringContaining('ECONNREFUSED'),
    });
  });

  it('starts each operation afresh: a timed-out one does not poison the next', async () => {
    let calls = 0;
    const device = await fakeDevice((socket) => {
      if (calls++ > 0) socket.end('listen_port=1\nerrno=0\n\n');
    });
    const client = createUapiClient({ socketPath: device.socketPath, timeoutMs: 100 });
    await expect(client.get()).rejects.toMatchObject({ code: 'ERR_WG_UAPI_TIMEOUT' });
    expect(await client.get()).toMatchObject({ listenPort: 1 });
    expect(device.connections).toBe(2);
  });
});

describe('createUapiClient options', () => {
  it.each([
    [{ socketPath: '' }, 'socketPath must be a non-empty path'],
    [{ socketPath: '/run/a\0b.sock' }, 'socketPath must be a non-empty path'],
    [{ socketPath: `/run/${'x'.repeat(110)}.sock` }, 'longer than 107 bytes'],
    [{ socketPath: '/run/wg0.sock', timeoutMs: 0 }, 'timeoutMs must be a positive integer'],
    [{ socketPath: '/run/wg0.sock', timeoutMs: Number.POSITIVE_INFINITY }, 'timeoutMs'],
  ])('refuses %j at construction', (options, message) => {
    expect(() => createUapiClient(options)).toThrow(message);
  });
});
