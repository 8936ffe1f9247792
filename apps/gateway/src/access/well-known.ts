import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AssertionSigner } from './assertion-signer.js';

/** Where the gateway publishes the public keys of its assertions, on every host. */
export const JWKS_PATH = '/.well-known/rustronaut/jwks.json';

/** True for a GET or HEAD of {@link JWKS_PATH} (a query string is ignored). */
export function isJwksRequest(req: IncomingMessage): boolean {
  const url = req.url;
  if (url === undefined || !url.startsWith(JWKS_PATH)) return false;
  if (url.length !== JWKS_PATH.length && url.charCodeAt(JWKS_PATH.length) !== 0x3f /* ? */) return false;
  return req.method === 'GET' || req.method === 'HEAD';
}

/** Answers with the JWKS (RFC 7517 section 8.5 media type); caches may keep it for five minutes. */
export function answerJwks(
  req: IncomingMessage,
  res: ServerResponse,
  signer: AssertionSigner,
  requestId: string,
): void {
  res.writeHead(200, {
    'content-type': 'application/jwk-set+json',
    'content-length': signer.jwks.length,
    'cache-control': 'public, max-age=300',
    'x-content-type-options': 'nosniff',
    'access-control-allow-origin': '*',
    'x-request-id': requestId,
  });
  res.end(req.method === 'HEAD' ? undefined : signer.jwks);
}
