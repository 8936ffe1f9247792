// How the proxy paces an upstream body against its client: a real client socket behind a real ServerResponse. The
// controller is a stand-in for undici's, which only this file drives, to count the pauses and resumes.
import { once } from 'node:events';
import { setImmediate as tick } from 'node:timers/promises';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Dispatcher } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Upstream } from '../upstreams/types.js';
import { UpstreamRequest, type Exchange } from './http-proxy.js';

const servers: Server[] = [];
const clients: IncomingMessage[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
  for (const s of servers.splice(0)) s.close();
});

/**
 * A response whose client has its head and does not read until `client.resume()`. The server's high-water mark is
 * 1 KiB, so a 4 KiB chunk is "over the mark" yet certain to fit the kernel's send buffer in one write.
 */
async function exchange() {
  let res!: ServerResponse;
  const server = createServer({ highWaterMark: 1024 }, (_req, r) => {
    res = r;
    r.writeHead(200, { 'content-type': 'application/octet-stream' });
    r.flushHeaders();
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const req = request({ port: (server.address() as AddressInfo).port, host: '127.0.0.1' });
  req.end();
  const [client] = (await once(req, 'response')) as [IncomingMessage];
  client.pause();
  clients.push(client);
  const member = { acquire: () => () => undefined, report: () => undefined } as unknown as Upstream;
  const x = { res } as Exchange;
  const upstream = new UpstreamRequest(
    x,
    member,
    (h) => h,
    () => undefined,
  );
  const pause = vi.fn();
  const resume = vi.fn();
  const controller = { pause, resume } as unknown as Dispatcher.DispatchController;
  return { res, client, upstream, controller, pause, resume };
}

describe('UpstreamRequest body pacing', () => {
  it('writes nothing for the empty chunk undici hands over on resume', async () => {
    const { res, upstream, controller, pause } = await exchange();
    const write = vi.spyOn(res, 'write');
    upstream.onResponseData(controller, Buffer.alloc(0));
    await tick();
    expect(write).not.toHaveBeenCalled();
    expect(pause).not.toHaveBeenCalled();
  });

  it('does not pause a response that has ended while its last bytes are still queued', async () => {
    const { res, upstream, controller, pause } = await exchange();
    upstream.onResponseData(controller, Buffer.alloc(8 * 1024 * 1024, 'c'));
    upstream.onResponseEnd();
    await tick();
    expect(res.writableLength).toBeGreaterThan(0);
    expect(pause).not.toHaveBeenCalled();
  });

  it('keeps the upstream flowing when the socket takes a chunk over the high-water mark at once', async () => {
    const { res, upstream, controller, pause } = await exchange();
    const chunk = Buffer.alloc(4096, 'a');
    expect(chunk.length).toBeGreaterThan(res.writableHighWaterMark);
    upstream.onResponseData(controller, chunk);
    // write() said "over the mark" while Node held the socket corked for this tick; the look afterwards finds the
    // queue empty.
    expect(res.writableLength).toBeGreaterThan(0);
    await tick();
    expect(res.writableLength).toBe(0);
    expect(pause).not.toHaveBeenCalled();
  });

  it('pauses the upstream while bytes are queued for a client that does not read, and resumes on drain', async () => {
    const { res, client, upstream, controller, pause, resume } = await exchange();
    const chunk = Buffer.alloc(1024 * 1024, 'b');
    let sent = 0;
    // Until the kernel's buffers are full and bytes wait in the process (bounded: 64 MiB, far over any buffer).
    while (pause.mock.calls.length === 0 && sent < 64) {
      upstream.onResponseData(controller, chunk);
      sent++;
      await tick();
    }
    expect(pause).toHaveBeenCalledTimes(1);
    expect(res.writableLength).toBeGreaterThan(0);
    expect(resume).not.toHaveBeenCalled();
    // More bytes from undici meanwhile (what its socket had read) are queued, and pause nothing twice.
    upstream.onResponseData(controller, chunk);
    sent++;
    await tick();
    expect(pause).toHaveBeenCalledTimes(1);

    let received = 0;
    client.on('data', (c: Buffer) => (received += c.length));
    client.resume();
    await vi.waitFor(() => expect(resume).toHaveBeenCalledTimes(1), { timeout: 10_000 });
    expect(res.writableLength).toBe(0);
    await vi.waitFor(() => expect(received).toBe(sent * chunk.length), { timeout: 10_000 });
  });
});
