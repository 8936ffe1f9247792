import type { Logger } from '@rustronaut/observability';
import { pino } from 'pino';

/** One finished request, as the access log records it. */
export interface AccessLogEntry {
  readonly requestId: string;
  readonly route: string;
  readonly method: string;
  readonly host: string | undefined;
  /** Path without the query string: queries can carry secrets (tokens in links). */
  readonly path: string;
  readonly status: number;
  readonly durationMs: number;
  readonly upstream: string | undefined;
  readonly client: string;
}

/**
 * Creates the access-log writer: one JSON line per request on the logger's own (asynchronous) destination, in
 * the logger's line format (`level`, `time`, `msg`). Built by hand because the fields are fixed and never carry
 * headers, cookies or credentials, so pino's generic serialisation and redaction would only cost time on the
 * hot path. Undefined when the logger does not log at `info`.
 */
export function createAccessLog(logger: Logger): ((entry: AccessLogEntry) => void) | undefined {
  if (!logger.isLevelEnabled('info')) return undefined;
  const stream = (logger as unknown as Record<symbol, { write(line: string): void }>)[pino.symbols.streamSym];
  if (stream === undefined) throw new Error('access log: the logger has no destination stream');
  const s = JSON.stringify;
  return (e) => {
    stream.write(
      `{"level":30,"time":${String(Date.now())},"log":"access","msg":"request","requestId":${s(e.requestId)},` +
        `"route":${s(e.route)},"method":${s(e.method)},"host":${e.host === undefined ? 'null' : s(e.host)},` +
        `"path":${s(e.path)},"status":${String(e.status)},"durationMs":${String(e.durationMs)},` +
        `"upstream":${e.upstream === undefined ? 'null' : s(e.upstream)},"client":${s(e.client)}}\n`,
    );
  };
}
