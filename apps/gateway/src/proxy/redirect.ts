import type { IncomingMessage, ServerResponse } from 'node:http';
import { normalizeHost } from '../routing/normalize-host.js';
import { normalizePath } from '../routing/normalize-path.js';

/**
 * Handler for a plain-HTTP listener when `tls.redirectHttp` is on: 308 (method and body preserved,
 * RFC 9110 section 15.4.9) to the same host and normalized path over HTTPS. Bad hosts or paths get 400.
 */
export function redirectToHttps(httpsPort: () => number | undefined) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const port = httpsPort();
    const portSuffix = port === undefined || port === 443 ? '' : `:${String(port)}`;
    const host = normalizeHost(req.headers.host);
    const path = normalizePath(req.url ?? '');
    if (host === undefined || 'error' in path) {
      res.writeHead(400, { 'content-type': 'text/plain', connection: 'close' }).end('bad request\n');
      return;
    }
    const location = `https://${host}${portSuffix}${path.path}${path.query}`;
    res.writeHead(308, { location, 'content-length': 0 }).end();
  };
}
