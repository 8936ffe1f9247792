// The proxy through a real gateway: headers, streaming, WebSocket, failures, limits, CORS.
import { rawExchange, startHttpUpstream, statusOf, type HttpUpstream } from '@rustronaut/testkit';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { startTestGateway, type TestGateway } from '../test/start-test-gateway.js';

const MiB = 1024 * 1024;
/** Deterministic bytes, so both ends can hash what they expect. */
const pattern = (size: number) => {
  const buf = Buffer.alloc(size);
  for (let i = 0; i < size; i++) buf[i] = (i * 31 + (i >> 8)) & 0xff;
  return buf;
};
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let echo: HttpUpstream;
let bulk: Awaited<ReturnType<typeof startBulk>>;
let ws: WebSocketServer;
let slow: HttpUpstream;
let gw: TestGateway;
let wsPort: number;

async function startBulk() {
  const big = pattern(10 * MiB);
  const server = createServer((req, res) => {
    if (req.url === '/download') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      // Chunked, without a length: the gateway must stream it through as it comes.
      Readable.from(
        (function* () {
          for (let o = 0; o < big.length; o += 64 * 1024) yield big.subarray(o, o + 64 * 1024);
        })(),
      ).pipe(res);
      return;
    }
    const hash = createHash('sha256');
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      hash.update(c);
    });
    req.on('end', () => res.end(JSON.stringify({ size, sha: hash.digest('hex') })));
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as { port: number }).port, sha: sha(big) };
}

beforeAll(async () => {
  echo = await startHttpUpstream({ name: 'echo' });
  bulk = await startBulk();
  ws = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(ws, 'listening');
  ws.on('connection', (sock, req) => {
    sock.send(`hello ${String(req.headers['x-forwarded-for'] ?? '?')} via ${String(req.headers.host)}`);
    sock.on('message', (data, binary) => sock.send(data, { binary }));
  });
  slow = await startHttpUpstream({ name: 'slow', handler: (_req, res) => setTimeout(() => res.end('late'), 2000) });
  wsPort = (ws.address() as { port: number }).port;
  gw = await startTestGateway(`
trustedProxies: [10.0.0.0/8]
routes:
  - name: echo
    match: { host: echo.test }
    upstreams: [{ url: "${echo.url}/base" }]
    cors: { allowOrigins: ["https://ui.test"], allowMethods: [GET, PUT], allowHeaders: [x-custom] }
    access: public
  - name: preserve
    match: { host: preserve.test }
    upstreams: [{ url: "${echo.url}" }]
    preserveHost: true
    allowEncodedSlash: true
    securityHeaders: { frameOptions: "off", referrerPolicy: "off", contentTypeOptions: false }
    access: public
  - name: bulk
    match: { host: bulk.test }
    upstreams: [{ url: "http://127.0.0.1:${String(bulk.port)}" }]
    access: public
  - name: ws
    match: { host: ws.test }
    upstreams: [{ url: "http://127.0.0.1:${String(wsPort)}" }]
    access: public
  - name: down
    match: { host: down.test }
    upstreams: [{ url: "http://127.0.0.1:1" }, { url: "http://127.0.0.1:2" }]
    passiveHealth: { consecutiveFailures: 100, ejectMs: 1000 }
    access: public
  - name: retry
    match: { host: retry.test }
    upstreams: [{ url: "http://127.0.0.1:1" }, { url: "${echo.url}" }]
    passiveHealth: { consecutiveFailures: 100, ejectMs: 1000 }
    access: public
  - name: slow
    match: { host: slow.test }
    upstreams: [{ url: "${slow.url}" }]
    timeouts: { responseHeaderMs: 300 }
    access: public
  - name: limited
    match: { host: limited.test }
    upstreams: [{ url: "${echo.url}" }]
    rateLimit: { requestsPerSecond: 1, burst: 3 }
    access: public
`);
});
afterAll(async () => {
  await gw.close();
  await Promise.all([echo.close(), slow.close()]);
  bulk.server.close();
  ws.close();
});

const send = async (
  host: string,
  path = '/',
  init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
) => {
  const res = await request(`${gw.base}${path}`, {
    method: (init.method ?? 'GET') as 'GET',
    headers: { host, ...init.headers },
    body: init.body,
  });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    headers: res.headers,
    text,
    json: () => JSON.parse(text) as Record<string, unknown>,
  };
};

describe('forwarding', () => {
  it('prefixes the upstream base path and sends the normalized path and query', async () => {
    const res = await send('echo.test', '/a/./b/../c/%7Euser?q=%2F1');
    expect(res.status).toBe(200);
    expect(res.json()['url']).toBe('/base/a/c/~user?q=%2F1');
  });

  it('strips hop-by-hop headers and those named in Connection, keeps end-to-end ones', async () => {
    // Raw bytes: HTTP client libraries refuse to send such Connection headers.
    const answer = await rawExchange(
      gw.httpPort,
      'GET / HTTP/1.1\r\nHost: echo.test\r\nConnection: close, x-secret-hop\r\nX-Secret-Hop: 1\r\n' +
        'Keep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Authorization: Basic eA==\r\nX-App: yes\r\n\r\n',
    );
    expect(statusOf(answer)).toBe(200);
    const headers = (JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { headers: Record<string, string> })
      .headers;
    for (const hop of ['x-secret-hop', 'te', 'keep-alive', 'proxy-authorization']) expect(headers[hop]).toBeUndefined();
    expect(headers['x-app']).toBe('yes');
    expect(headers['host']).toBe(`127.0.0.1:${String(echo.port)}`);
  });

  it('replaces forwarding headers from untrusted clients instead of believing them', async () => {
    const res = await send('echo.test', '/', {
      headers: {
        'x-forwarded-for': '6.6.6.6',
        'x-forwarded-proto': 'https',
        forwarded: 'for=6.6.6.6',
        'x-real-ip': '6.6.6.6',
      },
    });
    const headers = res.json()['headers'] as Record<string, string>;
    expect(headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(headers['x-forwarded-proto']).toBe('http');
    expect(headers['x-forwarded-host']).toBe('echo.test');
    expect(headers['forwarded']).toBe('for=127.0.0.1;host="echo.test";proto=http');
    expect(headers['x-real-ip']).toBeUndefined();
  });

  it('keeps a valid X-Request-Id end to end and mints one otherwise', async () => {
    const kept = await send('echo.test', '/', { headers: { 'x-request-id': 'req-42' } });
    expect(kept.headers['x-request-id']).toBe('req-42');
    expect((kept.json()['headers'] as Record<string, string>)['x-request-id']).toBe('req-42');
    const minted = await send('echo.test', '/', { headers: { 'x-request-id': '<script>' } });
    expect(minted.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('adds security headers by default and lets a route turn them off; preserves Host when asked', async () => {
    const res = await send('echo.test');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    expect(res.headers['strict-transport-security']).toBeUndefined(); // plain HTTP: never HSTS
    const off = await send('preserve.test', '/x%2Fy');
    expect(off.headers['x-frame-options']).toBeUndefined();
    expect(off.headers['x-content-type-options']).toBeUndefined();
    expect(off.json()['url']).toBe('/x%2Fy');
    expect((off.json()['headers'] as Record<string, string>)['host']).toBe('preserve.test');
  });

  it('refuses an encoded slash unless the route allows it, before the upstream sees anything', async () => {
    const before = echo.received.length;
    const res = await send('echo.test', '/a%2F..%2Fadmin');
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ code: 'ERR_GW_BAD_PATH' });
    expect(echo.received.length).toBe(before);
  });
});

describe('streaming', () => {
  it('streams a 10 MiB upload through intact', async () => {
    const body = pattern(10 * MiB);
    const res = await send('bulk.test', '/upload', { method: 'POST', body });
    expect(res.json()).toEqual({ size: body.length, sha: sha(body) });
  });

  it('streams a 10 MiB download through intact', async () => {
    const res = await request(`${gw.base}/download`, { headers: { host: 'bulk.test' } });
    const chunks: Buffer[] = [];
    for await (const c of res.body) chunks.push(c as Buffer);
    const got = Buffer.concat(chunks);
    expect({ size: got.length, sha: sha(got) }).toEqual({ size: 10 * MiB, sha: bulk.sha });
  });
});

describe('WebSocket', () => {
  it('upgrades and echoes text and binary messages through the gateway', async () => {
    const client = new WebSocket(`ws://127.0.0.1:${String(gw.httpPort)}/socket`, { headers: { host: 'ws.test' } });
    const messages: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      client.on('message', (data: Buffer, binary) => {
        messages.push(binary ? `bin:${data.toString('hex')}` : data.toString());
        if (messages.length === 1) {
          client.send('ping');
          client.send(Buffer.from([1, 2, 3]));
        }
        if (messages.length === 3) resolve();
      });
      client.on('error', reject);
    });
    await done;
    client.close();
    expect(messages).toEqual([`hello 127.0.0.1 via 127.0.0.1:${String(wsPort)}`, 'ping', 'bin:010203']);
  });

  it('answers 502 when the upstream of an upgrade cannot be reached', async () => {
    const answer = await rawExchange(
      gw.httpPort,
      'GET / HTTP/1.1\r\nHost: down.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    expect(statusOf(answer)).toBe(502);
    expect(answer).toContain('ERR_GW_UPSTREAM_CONNECT');
  });

  it('refuses upgrades to anything but WebSocket', async () => {
    const answer = await rawExchange(
      gw.httpPort,
      'GET / HTTP/1.1\r\nHost: ws.test\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n',
    );
    expect(statusOf(answer)).toBe(400);
    expect(answer).toContain('only WebSocket upgrades are supported');
  });

  it('refuses an upgrade for an unknown host', async () => {
    const client = new WebSocket(`ws://127.0.0.1:${String(gw.httpPort)}/`, { headers: { host: 'nowhere.test' } });
    client.on('error', () => undefined);
    const [, res] = (await once(client, 'unexpected-response')) as [unknown, { statusCode: number }];
    expect(res.statusCode).toBe(404);
    client.terminate();
  });
});

describe('upstream failures', () => {
  it('answers 502 with a code when no upstream can be reached', async () => {
    const res = await send('down.test');
    expect(res.status).toBe(502);
    expect(res.json()).toMatchObject({ code: 'ERR_GW_UPSTREAM_CONNECT' });
  });

  it('retries an idempotent request once on another upstream after a connect failure', async () => {
    for (let i = 0; i < 6; i++) expect((await send('retry.test')).status).toBe(200);
  });

  it('does not retry a request with a body', async () => {
    const statuses = new Set<number>();
    for (let i = 0; i < 6; i++) statuses.add((await send('retry.test', '/', { method: 'POST', body: 'x' })).status);
    expect(statuses).toEqual(new Set([200, 502]));
  });

  it('answers 504 when the response head is late', async () => {
    const res = await send('slow.test');
    expect(res.status).toBe(504);
    expect(res.json()).toMatchObject({ code: 'ERR_GW_UPSTREAM_TIMEOUT' });
  });

  it('shows browsers a page instead of JSON', async () => {
    const res = await send('down.test', '/', { headers: { accept: 'text/html' } });
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.text).toContain('The service is not answering');
  });
});

describe('rate limiting', () => {
  it('allows the burst, then answers 429 with Retry-After', async () => {
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof send>> | undefined;
    for (let i = 0; i < 5; i++) {
      last = await send('limited.test');
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(Number(last?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(last?.json()).toMatchObject({ code: 'ERR_GW_RATE_LIMITED' });
    expect(await gw.metricsText()).toMatch(/rustronaut_gateway_rate_limited_total\{route="limited"\} 2/);
  });
});

describe('CORS', () => {
  it('answers an allowed preflight at the gateway', async () => {
    const before = echo.received.length;
    const res = await send('echo.test', '/api', {
      method: 'OPTIONS',
      headers: { origin: 'https://ui.test', 'access-control-request-method': 'PUT' },
    });
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('https://ui.test');
    expect(res.headers['access-control-allow-methods']).toBe('GET, PUT');
    expect(res.headers['access-control-allow-headers']).toBe('x-custom');
    expect(echo.received.length).toBe(before);
  });

  it('refuses a preflight from another origin or for another method', async () => {
    const origin = await send('echo.test', '/', {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.test', 'access-control-request-method': 'GET' },
    });
    expect(origin.status).toBe(403);
    const method = await send('echo.test', '/', {
      method: 'OPTIONS',
      headers: { origin: 'https://ui.test', 'access-control-request-method': 'DELETE' },
    });
    expect(method.status).toBe(403);
  });

  it('adds CORS headers to responses for allowed origins only', async () => {
    const ok = await send('echo.test', '/', { headers: { origin: 'https://ui.test' } });
    expect(ok.headers['access-control-allow-origin']).toBe('https://ui.test');
    expect(ok.headers['vary']).toBe('Origin');
    const other = await send('echo.test', '/', { headers: { origin: 'https://evil.test' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});
