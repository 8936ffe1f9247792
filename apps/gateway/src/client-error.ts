import { errors } from '@rustronaut/errors';
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { problemJson } from './proxy/problem.js';

/**
 * Answers requests Node's HTTP parser refused before any handler ran: bad framing (both Content-Length and
 * Transfer-Encoding, differing Content-Lengths, bad chunk sizes, obs-fold, invalid header names: 400), an
 * oversized head (431), or a head that did not arrive in time (408). The request never reaches an upstream,
 * and the connection is closed because its framing can no longer be trusted.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const def =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? errors.gatewayHeadersTooLarge
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? errors.gatewayRequestTimeout
        : errors.gatewayBadRequest;
  const reason =
    def.status === 431 ? 'Request Header Fields Too Large' : def.status === 408 ? 'Request Timeout' : 'Bad Request';
  const body = problemJson(
    def,
    def === errors.gatewayBadRequest ? 'malformed request' : reason.toLowerCase(),
    randomUUID(),
  );
  socket.end(
    `HTTP/1.1 ${String(def.status)} ${reason}\r\ncontent-type: application/problem+json\r\n` +
      `content-length: ${String(Buffer.byteLength(body))}\r\nconnection: close\r\n\r\n${body}`,
  );
}
