import { once } from 'node:events';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A request an {@link HttpUpstream} received. */
export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
}

/** A real HTTP server on 127.0.0.1 standing in for a private service. */
export interface HttpUpstream {
  readonly port: number;
  readonly url: string;
  /** Every request received so far, in order. */
  readonly received: ReceivedRequest[];
  /** Stops listening and cuts open connections. */
  close(): Promise<void>;
}

/**
 * Starts an upstream on an ephemeral port (or `port`, to restart one where it was). The default handler
 * answers `200` with a JSON body naming the upstream (`name`), the method, URL and headers it saw.
 */
export async function startHttpUpstream(
  options: { name?: string; port?: number; handler?: (req: IncomingMessage, res: ServerResponse) => void } = {},
): Promise<HttpUpstream> {
  const received: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  const handler =
    options.handler ??
    ((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      req.on('end', () => {
        const body = JSON.stringify({
          name: options.name ?? 'upstream',
          method: req.method,
          url: req.url,
          headers: req.headers,
        });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
      });
    });
  const server: Server = createServer((req, res) => {
    received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders });
    handler(req, res);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${String(port)}`,
    received,
    close: async () => {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
