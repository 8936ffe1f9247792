import fc from 'fast-check';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { connect, type ConnectionOptions } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readClientHelloSni } from './client-hello.js';

const VALID_NAME = /^[a-z0-9-]{1,63}(\.[a-z0-9-]{1,63})*$/;

// A plain TCP server that records the first TLS record each client sends: node's real ClientHellos.
let server: Server;
const waiting: Array<(hello: Buffer) => void> = [];

beforeAll(async () => {
  server = createServer((socket: Socket) => {
    let received = Buffer.alloc(0);
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 5 || received.length < 5 + received.readUInt16BE(3)) return;
      waiting.shift()?.(received.subarray(0, 5 + received.readUInt16BE(3)));
      socket.destroy();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
});

afterAll(() => {
  server.close();
});

/** Connects with node's TLS client and returns the first record it sent. Serial: one capture at a time. */
async function captureClientHello(options: ConnectionOptions): Promise<Buffer> {
  const hello = new Promise<Buffer>((resolve) => waiting.push(resolve));
  const { port } = server.address() as AddressInfo;
  const client = connect({ host: '127.0.0.1', port, ...options });
  client.on('error', () => {});
  try {
    return await hello;
  } finally {
    client.destroy();
  }
}

/** Re-frames a single-record ClientHello as several handshake records, cut at `cuts` (offsets into the message). */
function fragment(hello: Buffer, cuts: number[]): Buffer {
  const message = hello.subarray(5);
  const points = [...new Set(cuts.map((c) => c % message.length).filter((c) => c > 0))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let from = 0;
  for (const to of [...points, message.length]) {
    const header = Buffer.from([22, 3, 1, 0, 0]);
    header.writeUInt16BE(to - from, 3);
    parts.push(header, message.subarray(from, to));
    from = to;
  }
  return Buffer.concat(parts);
}

/** A minimal ClientHello with the given extension block, for cases node's client will not produce. */
function syntheticHello(extensions: Buffer): Buffer {
  const body = Buffer.concat([
    Buffer.from([3, 3]),
    Buffer.alloc(32, 7), // random
    Buffer.from([0]), // empty session id
    Buffer.from([0, 2, 0x13, 0x01]), // one cipher suite
    Buffer.from([1, 0]), // null compression
    u16(extensions.length),
    extensions,
  ]);
  const handshake = Buffer.concat([Buffer.from([1, 0, body.length >> 8, body.length & 0xff]), body]);
  return Buffer.concat([Buffer.from([22, 3, 1]), u16(handshake.length), handshake]);
}

function serverNameExtension(name: Buffer, nameType = 0): Buffer {
  const entry = Buffer.concat([Buffer.from([nameType]), u16(name.length), name]);
  const list = Buffer.concat([u16(entry.length), entry]);
  return Buffer.concat([u16(0), u16(list.length), list]);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

describe('readClientHelloSni on real ClientHellos', () => {
  let hellos: Buffer[];

  beforeAll(async () => {
    hellos = [
      await captureClientHello({ servername: 'app.example.com' }),
      await captureClientHello({ servername: 'tls12.example.com', maxVersion: 'TLSv1.2' }),
      await captureClientHello({ servername: 'alpn.example.com', ALPNProtocols: ['h2', 'http/1.1'] }),
      await captureClientHello({}), // an IP host: node sends no SNI
    ];
  });

  it('reads the server name and ALPN protocols node sent, and no name when it sent none', () => {
    expect(hellos.map((h) => readClientHelloSni(h))).toEqual([
      { status: 'ok', serverName: 'app.example.com' },
      { status: 'ok', serverName: 'tls12.example.com' },
      { status: 'ok', serverName: 'alpn.example.com', alpn: ['h2', 'http/1.1'] },
      { status: 'ok', serverName: undefined },
    ]);
  });

  it('ignores bytes after the ClientHello', () => {
    const withEarlyBytes = Buffer.concat([hellos[0] as Buffer, Buffer.from([23, 3, 3, 0, 1, 0])]);
    expect(readClientHelloSni(withEarlyBytes)).toEqual({ status: 'ok', serverName: 'app.example.com' });
  });

  it('answers incomplete for every proper prefix of a ClientHello', () => {
    for (const hello of hellos) {
      for (let n = 0; n < hello.length; n++) {
        expect(readClientHelloSni(hello.subarray(0, n)), `prefix of ${String(n)} bytes`).toEqual({
          status: 'incomplete',
        });
      }
    }
  });

  it('reassembles a ClientHello fragmented over several records, and waits for all of them', () => {
    fc.assert(
      fc.property(fc.constantFrom(...hellos.keys()), fc.array(fc.nat(), { maxLength: 8 }), (i, cuts) => {
        const hello = hellos[i] as Buffer;
        const fragmented = fragment(hello, cuts);
        expect(readClientHelloSni(fragmented)).toEqual(readClientHelloSni(hello));
        const cut = cuts[0] ?? 0;
        expect(readClientHelloSni(fragmented.subarray(0, cut % fragmented.length))).toEqual({ status: 'incomplete' });
      }),
    );
  });

  it('never throws on mutated or truncated ClientHellos, and any name it returns is a valid lowercase host', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...hellos.keys()),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.option(fc.nat()),
        (i, edits, truncateAt) => {
          const bytes = Buffer.from(hellos[i] as Buffer);
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          const input = truncateAt === null ? bytes : bytes.subarray(0, truncateAt % (bytes.length + 1));
          const result = readClientHelloSni(input);
          expect(['incomplete', 'not-tls', 'ok']).toContain(result.status);
          if (result.status === 'ok' && result.serverName !== undefined) {
            expect(result.serverName).toMatch(VALID_NAME);
            expect(result.serverName.length).toBeLessThanOrEqual(253);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('round-trips any valid host name through node’s TLS client, lowercased', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .domain()
          .filter((d) => d.length <= 253)
          .chain((d) => fc.mixedCase(fc.constant(d))),
        async (name) => {
          const hello = await captureClientHello({ servername: name });
          expect(readClientHelloSni(hello)).toEqual({ status: 'ok', serverName: name.toLowerCase() });
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('readClientHelloSni on other bytes', () => {
  it('answers not-tls at the first byte of plaintext protocols', () => {
    expect(readClientHelloSni(Buffer.from('GET / HTTP/1.1\r\n'))).toEqual({ status: 'not-tls' });
    expect(readClientHelloSni(Buffer.from('SSH-2.0-OpenSSH_9.6\r\n'))).toEqual({ status: 'not-tls' });
    expect(readClientHelloSni(Buffer.from([0x16]))).toEqual({ status: 'incomplete' });
    expect(readClientHelloSni(Buffer.from([0x16, 0x04]))).toEqual({ status: 'not-tls' });
  });

  it('answers not-tls for other records, other handshake messages and bad record lengths', () => {
    expect(readClientHelloSni(Buffer.from([21, 3, 3, 0, 2, 2, 40]))).toEqual({ status: 'not-tls' }); // alert
    expect(readClientHelloSni(Buffer.from([22, 3, 3, 0, 60, 2]))).toEqual({ status: 'not-tls' }); // ServerHello
    expect(readClientHelloSni(Buffer.from([22, 3, 1, 0, 0]))).toEqual({ status: 'not-tls' }); // empty record
    expect(readClientHelloSni(Buffer.from([22, 3, 1, 0x40, 0x01, 1]))).toEqual({ status: 'not-tls' }); // > 2^14
    expect(readClientHelloSni(Buffer.from([22, 3, 1, 0, 8, 1, 0, 0, 4, 3, 3, 0, 0]))).toEqual({ status: 'not-tls' });
  });

  it('validates the host name: lowercases it, drops one trailing dot, rejects bad bytes and lengths', () => {
    const sni = (name: string | Buffer, nameType?: number) =>
      readClientHelloSni(syntheticHello(serverNameExtension(Buffer.from(name), nameType)));
    expect(sni('Mixed.Example.COM')).toEqual({ status: 'ok', serverName: 'mixed.example.com' });
    expect(sni('example.com.')).toEqual({ status: 'ok', serverName: 'example.com' });
    expect(sni(`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`)).toMatchObject({
      status: 'ok',
    });
    expect(sni(`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`)).toEqual({
      status: 'not-tls',
    }); // 254 bytes
    expect(sni(`${'a'.repeat(64)}.example.com`)).toEqual({ status: 'not-tls' });
    expect(sni('under_score.example.com')).toEqual({ status: 'not-tls' });
    expect(sni('a..b')).toEqual({ status: 'not-tls' });
    expect(sni('.')).toEqual({ status: 'not-tls' });
    expect(sni(Buffer.from([0x61, 0x00, 0x62]))).toEqual({ status: 'not-tls' });
    expect(sni(Buffer.from('bücher.example', 'utf8'))).toEqual({ status: 'not-tls' });
    expect(sni('example.com', 1)).toEqual({ status: 'ok', serverName: undefined }); // not a host_name entry
  });

  it('accepts a ClientHello without extensions (TLS 1.2 allows it)', () => {
    const hello = syntheticHello(Buffer.alloc(0));
    const withoutExtensionBlock = Buffer.from(hello.subarray(0, hello.length - 2));
    withoutExtensionBlock.writeUInt16BE(withoutExtensionBlock.length - 5, 3);
    withoutExtensionBlock.writeUIntBE(withoutExtensionBlock.length - 9, 6, 3);
    expect(readClientHelloSni(withoutExtensionBlock)).toEqual({ status: 'ok', serverName: undefined });
  });

  it('never throws on arbitrary bytes, with or without a plausible record and handshake header', () => {
    const plausible = fc
      .tuple(
        fc.integer({ min: 0, max: 0x4100 }),
        fc.integer({ min: 0, max: 0x1ffff }),
        fc.uint8Array({ maxLength: 600 }),
      )
      .map(([recordLength, helloLength, rest]) => {
        const head = Buffer.from([22, 3, 1, 0, 0, 1, 0, 0, 0]);
        head.writeUInt16BE(recordLength, 3);
        head.writeUIntBE(helloLength, 6, 3);
        return Buffer.concat([head, rest]);
      });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a)),
          plausible,
        ),
        (bytes) => {
          expect(['incomplete', 'not-tls', 'ok']).toContain(readClientHelloSni(bytes).status);
        },
      ),
      { numRuns: 5000 },
    );
  });
});
