import { loadConfig } from '@rustronaut/config';
import { createLogger, createMetricsRegistry } from '@rustronaut/observability';
import { request } from 'node:http';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from './index.js';

const logger = createLogger({ level: 'silent', format: 'json' });
const configWith = (env: Record<string, string>) =>
  loadConfig({
    env: { RUSTRONAUT_GATEWAY_HTTP_LISTEN: '127.0.0.1:0', RUSTRONAUT_GATEWAY_OPS_LISTEN: '127.0.0.1:0', ...env },
  });

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request, so tests control the Host header and method. */
function send(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('gateway without routes', () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway({
      config: configWith({}),
      logger,
      metrics: createMetricsRegistry({ role: 'gateway', version: 't' }),
    });
  });
  afterAll(() => gw.close());

  it('answers API clients with a 404 problem document naming the host', async () => {
    const res = await send(gw.httpPort, '/anything', { host: 'app.example.com' });
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/problem+json');
    const body = JSON.parse(res.body) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 404, code: 'ERR_GW_NO_ROUTE', detail: 'no route for host "app.example.com"' });
    expect(body['requestId']).toBe(res.headers['x-request-id']);
  });

  it('answers browsers with a readable page, and never reflects a hostile Host header', async () => {
    const res = await send(gw.httpPort, '/', { host: 'unknown.example.com', accept: 'text/html,*/*' });
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('No route for this address');
    expect(res.body).toContain('no route for host &#34;unknown.example.com&#34;');
    const hostile = await send(gw.httpPort, '/', { host: '<script>x</script>', accept: 'text/html' });
    expect(hostile.status).toBe(400);
    expect(hostile.body).toContain('ERR_GW_BAD_HOST');
    expect(hostile.body).not.toContain('<script>');
  });

  it('keeps a well-formed X-Request-Id and replaces a malformed one', async () => {
    const kept = await send(gw.httpPort, '/', { 'x-request-id': 'abc-123' });
    expect(kept.headers['x-request-id']).toBe('abc-123');
    const replaced = await send(gw.httpPort, '/', { 'x-request-id': 'bad id\twith spaces' });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves /healthz, /readyz and /metrics on the ops listener', async () => {
    expect(JSON.parse((await send(gw.opsPort, '/healthz')).body)).toEqual({ status: 'ok' });
    const ready = await send(gw.opsPort, '/readyz?verbose=1');
    expect([ready.status, JSON.parse(ready.body)]).toEqual([200, { status: 'ready' }]);
    const metrics = await send(gw.opsPort, '/metrics');
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.body).toMatch(/rustronaut_gateway_requests_total\{route="none",method="GET",code="404"\} [1-9]/);
    expect(metrics.body).toContain('rustronaut_build_info{version="t",role="gateway"} 1');
    expect(metrics.body).toContain('rustronaut_process_cpu_user_seconds_total');
  });

  it('refuses other methods and paths on the ops listener', async () => {
    const post = await send(gw.opsPort, '/healthz', {}, 'POST');
    expect([post.status, post.headers['allow']]).toEqual([405, 'GET, HEAD']);
    expect((await send(gw.opsPort, '/nope')).status).toBe(404);
  });
});

describe('gateway start-up failures', () => {
  it('names the port and the setting when the HTTP port is taken, and releases the ops port', async () => {
    const first = await startGateway({
      config: configWith({}),
      logger,
      metrics: createMetricsRegistry({ role: 'g', version: 't' }),
    });
    try {
      const opsConfig = configWith({ RUSTRONAUT_GATEWAY_HTTP_LISTEN: `127.0.0.1:${String(first.httpPort)}` });
      const attempt = startGateway({
        config: opsConfig,
        logger,
        metrics: createMetricsRegistry({ role: 'g', version: 't' }),
      });
      await expect(attempt).rejects.toMatchObject({
        code: 'ERR_STARTUP_PORT_IN_USE',
        message: `cannot listen on 127.0.0.1:${String(first.httpPort)}: port ${String(first.httpPort)} is already in use; change gateway.httpListen (RUSTRONAUT_GATEWAY_HTTP_LISTEN)`,
      });
    } finally {
      await first.close();
    }
  });

  it('explains an address that is not on this host', async () => {
    const config = configWith({ RUSTRONAUT_GATEWAY_OPS_LISTEN: '192.0.2.1:0' });
    await expect(
      startGateway({ config, logger, metrics: createMetricsRegistry({ role: 'g', version: 't' }) }),
    ).rejects.toMatchObject({
      code: 'ERR_STARTUP_LISTEN_FAILED',
      message: expect.stringContaining('change gateway.opsListen (RUSTRONAUT_GATEWAY_OPS_LISTEN)') as unknown,
    });
  });
});

describe('gateway shutdown', () => {
  it('stops being ready and closes both listeners', async () => {
    const gw = await startGateway({
      config: configWith({}),
      logger,
      metrics: createMetricsRegistry({ role: 'g', version: 't' }),
    });
    await gw.close();
    await expect(send(gw.httpPort, '/')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(send(gw.opsPort, '/healthz')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describe('access log', () => {
  it('writes one JSON line per request without cookies, credentials or the query string', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    const gw = await startGateway({
      config: configWith({ RUSTRONAUT_GATEWAY_ACCESS_LOG: 'true' }),
      logger: createLogger({ level: 'info', format: 'json', destination }),
      metrics: createMetricsRegistry({ role: 'g', version: 't' }),
    });
    try {
      await send(gw.httpPort, '/private/page?token=s3cret', {
        host: 'app.example.com',
        cookie: 'session=hunter2',
        authorization: 'Bearer hunter2',
        'x-request-id': 'log-1',
      });
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      await gw.close();
    }
    const access = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['log'] === 'access');
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({
      msg: 'request',
      requestId: 'log-1',
      route: 'none',
      method: 'GET',
      host: 'app.example.com',
      path: '/private/page',
      status: 404,
      client: '127.0.0.1',
    });
    expect(lines.join('\n')).not.toMatch(/hunter2|s3cret/);
  });
});
