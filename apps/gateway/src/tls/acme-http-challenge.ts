import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ManagedTls } from './managed-tls.js';

const PREFIX = '/.well-known/acme-challenge/';

/**
 * Answers `GET /.well-known/acme-challenge/<token>` for a pending HTTP-01 challenge of the request's host with
 * the key authorization (RFC 8555 section 8.3); every other request, including tokens nobody waits for, goes to
 * `next`, so a route on the host keeps its own `/.well-known/` paths.
 */
export function answerAcmeChallenges(
  tls: ManagedTls,
  next: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = req.url;
    if (url !== undefined && url.startsWith(PREFIX) && (req.method === 'GET' || req.method === 'HEAD')) {
      const host = (req.headers.host ?? '').replace(/:\d+$/, '');
      const answer = tls.httpChallenge(host, url.slice(PREFIX.length));
      if (answer !== undefined) {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : answer);
        return;
      }
    }
    next(req, res);
  };
}
