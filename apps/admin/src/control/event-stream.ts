import type { ServerResponse } from 'node:http';

/** One open `GET /v1/stream` response (server-sent events, https://html.spec.whatwg.org/#server-sent-events). */
export interface EventStream {
  /** Sends a `version` event when `version` is newer than the last one sent. */
  announce(version: number): void;
  /** Sends a comment line, which keeps proxies and the agent's idle timer from closing the connection. */
  keepalive(): void;
  /** Ends the response. */
  end(): void;
}

/** Writes the SSE response head and returns the stream; `onClose` runs once when the connection goes. */
export function openEventStream(res: ServerResponse, onClose: () => void): EventStream {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    // Tells nginx-style proxies not to buffer the stream.
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  let last = -1;
  res.once('close', onClose);
  return {
    announce(version) {
      if (version <= last || res.writableEnded) return;
      last = version;
      res.write(`id: ${String(version)}\nevent: version\ndata: ${JSON.stringify({ version })}\n\n`);
    },
    keepalive() {
      if (!res.writableEnded) res.write(': keepalive\n\n');
    },
    end() {
      if (!res.writableEnded) res.end();
    },
  };
}
