import type { Registry } from 'prom-client';
import { createServer, type Server } from 'node:http';

/** What the ops listener reports on. */
export interface OpsState {
  /** True once the gateway can serve traffic, false again while it drains. */
  ready(): boolean;
}

/**
 * The operations listener of a process (the gateway's `gateway.opsListen`, the admin's `admin.opsListen`):
 * `/healthz` (the process answers), `/readyz` (it should get traffic), `/metrics` (Prometheus text format).
 * Kept on its own, private address.
 */
export function createOpsServer(registry: Registry, state: OpsState): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    switch (path) {
      case '/healthz':
        json(200, { status: 'ok' });
        return;
      case '/readyz':
        if (state.ready()) json(200, { status: 'ready' });
        else json(503, { status: 'not ready' });
        return;
      case '/metrics':
        registry.metrics().then(
          (text) => {
            res.writeHead(200, { 'content-type': registry.contentType });
            res.end(text);
          },
          () => json(500, { status: 'metrics unavailable' }),
        );
        return;
      default:
        json(404, { status: 'not found' });
    }
  });
}
