import { errors } from '@rustronaut/errors';
import type { IncomingMessage, ServerResponse } from 'node:http';

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${String(c.charCodeAt(0))};`);

/**
 * Answers a request that matches no route: a readable page for browsers, a problem document for
 * everything else. Never reflects input unescaped.
 */
export function sendNoRoute(req: IncomingMessage, res: ServerResponse, requestId: string): void {
  const def = errors.gatewayNoRoute;
  const host = (req.headers.host ?? '').slice(0, 255);
  const detail = `no route for host "${host}"`;
  res.statusCode = def.status;
  res.setHeader('x-request-id', requestId);
  res.setHeader('cache-control', 'no-store');
  if ((req.headers.accept ?? '').includes('text/html')) {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.setHeader('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
    res.end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>404 · No route</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}</style></head>
<body><h1>No route for this address</h1>
<p>The Rustronaut gateway has no resource published at <code>${escapeHtml(host)}</code>.</p>
<p>If you run this gateway, publish a resource for this host in the admin console.</p>
<p><small>${def.code} · request ${escapeHtml(requestId)}</small></p></body></html>
`);
    return;
  }
  res.setHeader('content-type', 'application/problem+json');
  res.end(
    JSON.stringify({ type: 'about:blank', title: def.code, status: def.status, code: def.code, detail, requestId }),
  );
}
