import type { ErrorDefinition } from '@rustronaut/errors';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${String(c.charCodeAt(0))};`);

const HEADINGS: Readonly<Record<number, string>> = {
  400: 'Bad request',
  401: 'Sign-in required',
  403: 'Not allowed',
  404: 'No route for this address',
  408: 'Request timed out',
  429: 'Too many requests',
  431: 'Request headers too large',
  502: 'The service is not answering',
  503: 'The service is unavailable',
  504: 'The service took too long to answer',
};

/** The RFC 9457 problem document the gateway sends, as a string. */
export function problemJson(def: Pick<ErrorDefinition, 'code' | 'status'>, detail: string, requestId: string): string {
  return JSON.stringify({
    type: 'about:blank',
    title: def.code,
    status: def.status,
    code: def.code,
    detail,
    requestId,
  });
}

/**
 * Answers with a gateway error: a short page for browsers (`Accept` includes text/html), a problem document
 * for everything else. Nothing from the request is reflected unescaped, and responses are never cached.
 */
export function sendProblem(
  req: IncomingMessage,
  res: ServerResponse,
  def: Pick<ErrorDefinition, 'code' | 'status'>,
  detail: string,
  requestId: string,
  extraHeaders?: OutgoingHttpHeaders,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const html = (req.headers.accept ?? '').includes('text/html');
  const body = html
    ? `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${String(def.status)} · ${HEADINGS[def.status] ?? 'Error'}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}</style></head>
<body><h1>${HEADINGS[def.status] ?? 'Error'}</h1>
<p>${escapeHtml(detail)}</p>
<p><small>${def.code} · request ${escapeHtml(requestId)}</small></p></body></html>
`
    : problemJson(def, detail, requestId);
  res.writeHead(def.status, {
    ...extraHeaders,
    'content-type': html ? 'text/html; charset=utf-8' : 'application/problem+json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-request-id': requestId,
    // After a malformed request the connection's state cannot be trusted: close it (as nginx does).
    ...(def.status === 400 ? { connection: 'close' } : {}),
    ...(html ? { 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" } : {}),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
