import { errors, type ErrorDefinition } from '@rustronaut/errors';

/** Error codes that mean the connection to the upstream was never established. */
const CONNECT_FAILURES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** True when the request never reached the upstream, so it is safe to try another one (if idempotent). */
export function isConnectFailure(err: unknown): boolean {
  return CONNECT_FAILURES.has((err as { code?: string } | null)?.code ?? '');
}

/** Maps an upstream failure before the response head to the gateway's answer: 502 or 504. */
export function upstreamFailure(err: unknown): { def: ErrorDefinition; detail: string } {
  const code = (err as { code?: string } | null)?.code ?? 'unknown';
  if (code === 'UND_ERR_HEADERS_TIMEOUT') {
    return { def: errors.gatewayUpstreamTimeout, detail: 'the upstream did not answer in time' };
  }
  if (isConnectFailure(err)) {
    return { def: errors.gatewayUpstreamConnect, detail: `cannot connect to the upstream (${code})` };
  }
  return { def: errors.gatewayUpstreamError, detail: `the upstream failed (${code})` };
}

/**
 * Methods that are idempotent (RFC 9110 section 9.2.2), so a request that failed to connect may be
 * sent to another upstream.
 */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
