// Requests a careful proxy must refuse, sent as raw bytes: each gets its status and the upstream sees nothing.
import { rawExchange, startHttpUpstream, statusOf, type HttpUpstream } from '@rustronaut/testkit';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../test/start-test-gateway.js';

let upstream: HttpUpstream;
let gw: TestGateway;

beforeAll(async () => {
  upstream = await startHttpUpstream();
  gw = await startTestGateway(
    `
routes:
  - name: app
    match: { host: app.test }
    upstreams: [{ url: "${upstream.url}" }]
    access: public
`,
    { RUSTRONAUT_GATEWAY_REQUEST_HEAD_TIMEOUT_MS: '500', RUSTRONAUT_GATEWAY_MAX_HEADER_BYTES: '8192' },
  );
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});

const cases: Array<[string, string, number]> = [
  [
    'both Content-Length and Transfer-Encoding',
    'POST / HTTP/1.1\r\nHost: app.test\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    400,
  ],
  [
    'two differing Content-Lengths',
    'POST / HTTP/1.1\r\nHost: app.test\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde',
    400,
  ],
  [
    'an invalid chunk size',
    'POST / HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n',
    400,
  ],
  ['obs-fold', 'GET / HTTP/1.1\r\nHost: app.test\r\nX-Folded: a\r\n  b\r\n\r\n', 400],
  ['a space in a header name', 'GET / HTTP/1.1\r\nHost: app.test\r\nBad Header: x\r\n\r\n', 400],
  ['a space before the colon', 'GET / HTTP/1.1\r\nHost : app.test\r\n\r\n', 400],
  ['no Host header', 'GET / HTTP/1.1\r\n\r\n', 400],
  ['an invalid Host header', 'GET / HTTP/1.1\r\nHost: app.test:99999\r\n\r\n', 400],
  ['a malformed percent-escape', 'GET /a%zz HTTP/1.1\r\nHost: app.test\r\n\r\n', 400],
  ['a backslash in the path', 'GET /a\\..\\admin HTTP/1.1\r\nHost: app.test\r\n\r\n', 400],
  ['an encoded slash', 'GET /a/..%2F..%2Fetc HTTP/1.1\r\nHost: app.test\r\n\r\n', 400],
  ['an oversized request head', `GET / HTTP/1.1\r\nHost: app.test\r\nX-Big: ${'a'.repeat(10_000)}\r\n\r\n`, 431],
];

describe('strict input handling', () => {
  it.each(cases)('refuses %s', async (_what, bytes, status) => {
    const before = upstream.received.length;
    const answer = await rawExchange(gw.httpPort, bytes);
    expect(statusOf(answer)).toBe(status);
    expect(answer).toContain('"code":"ERR_GW_');
    // Let anything that slipped through arrive before concluding it did not.
    await new Promise((r) => setTimeout(r, 50));
    expect(upstream.received.length).toBe(before);
  });

  it('answers 408 when the request head does not arrive in time (slow loris)', async () => {
    const socket = connect(gw.httpPort, '127.0.0.1');
    socket.write('GET / HTTP/1.1\r\nHost: app.test\r\nX-Slow: ');
    let answer = '';
    socket.on('data', (c: Buffer) => (answer += c.toString()));
    await new Promise((resolve) => socket.on('close', resolve));
    expect(statusOf(answer)).toBe(408);
    expect(answer).toContain('ERR_GW_REQUEST_TIMEOUT');
  });

  it('passes a dot-segment path normalized, never above the root', async () => {
    const answer = await rawExchange(
      gw.httpPort,
      'GET /a/../../%2e%2e/b/./c HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n',
    );
    expect(statusOf(answer)).toBe(200);
    expect(upstream.received.at(-1)?.url).toBe('/b/c');
  });

  it('still serves a well-formed chunked upload', async () => {
    const answer = await rawExchange(
      gw.httpPort,
      'POST /up HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
    );
    expect(statusOf(answer)).toBe(200);
  });
});
