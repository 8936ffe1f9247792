import { connect } from 'node:net';
import { wireguardErrors } from '../errors.js';
import { UAPI_GET_REQUEST, answerEnd, decodeGetResponse, decodeSetResponse, encodeSetRequest } from './codec.js';
import type { DeviceConfig, DeviceState } from './types.js';

/** Options of {@link createUapiClient}. */
export interface UapiClientOptions {
  /** The device's UAPI socket, e.g. `/var/run/wireguard/wg0.sock`. */
  readonly socketPath: string;
  /** Limit for one operation, from connect to the end of the answer, in ms. Default 5000. */
  readonly timeoutMs?: number;
}

/** Talks to one WireGuard device over its UAPI socket. */
export interface UapiClient {
  /** The socket this client talks to. */
  readonly socketPath: string;
  /** Reads the device's state (`get=1`). */
  get(): Promise<DeviceState>;
  /**
   * Applies a change (`set=1`). A device applies a `set` line by line, so a refused one (ERR_WG_UAPI) may have
   * been applied in part: re-read with {@link UapiClient.get} before deciding what to send next.
   */
  set(config: DeviceConfig): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 5000;
// sockaddr_un.sun_path holds 108 bytes on Linux, the last one a NUL.
const MAX_SOCKET_PATH_BYTES = 107;
// Far above any real device (a hub with 10,000 peers answers about 4 MB), low enough to stop a runaway peer.
const MAX_ANSWER_CHARS = 64 * 1024 * 1024;

/**
 * A client for a device's cross-platform userspace API socket (wireguard-go, boringtun). Every operation opens
 * its own connection and closes it once answered, so a stuck or restarted device never wedges later operations;
 * every operation ends within `timeoutMs`. Failures reject with ERR_WG_UAPI (device errno),
 * ERR_WG_UAPI_PROTOCOL (malformed answer, early EOF), ERR_WG_UAPI_TIMEOUT or ERR_WG_UAPI_UNAVAILABLE.
 */
export function createUapiClient(options: UapiClientOptions): UapiClient {
  const { socketPath, timeoutMs = DEFAULT_TIMEOUT_MS } = options;
  if (typeof socketPath !== 'string' || socketPath === '' || socketPath.includes('\0')) {
    throw new TypeError('createUapiClient: socketPath must be a non-empty path');
  }
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) {
    throw new TypeError(`createUapiClient: socketPath is longer than ${MAX_SOCKET_PATH_BYTES} bytes: ${socketPath}`);
  }
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    throw new TypeError(`createUapiClient: timeoutMs must be a positive integer, got ${String(timeoutMs)}`);
  }
  const exchange = (operation: string, request: string) => exchangeOnce(socketPath, timeoutMs, operation, request);
  return {
    socketPath,
    get: async () => decodeGetResponse(await exchange('get', UAPI_GET_REQUEST)),
    set: async (config) => decodeSetResponse(await exchange('set', encodeSetRequest(config))),
  };
}

// Sends one request on a new connection and resolves to the answer text, through its blank line.
function exchangeOnce(socketPath: string, timeoutMs: number, operation: string, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const what = `UAPI ${operation} on ${socketPath}`;
    // Chunks are kept apart and joined once: re-searching a growing string would copy it on every chunk.
    const chunks: string[] = [];
    let size = 0;
    let connected = false;
    let settled = false;
    const socket = connect(socketPath);
    const timer = setTimeout(() => {
      finish(wireguardErrors.uapiTimeout.create(`${what}: no complete answer within ${timeoutMs} ms`));
    }, timeoutMs);
    function finish(error: Error | undefined, value = ''): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error === undefined) resolve(value);
      else reject(error);
    }
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      connected = true;
      socket.write(request);
    });
    socket.on('data', (chunk: string) => {
      const end = answerEnd(chunks.at(-1)?.at(-1) ?? '', chunk);
      if (end >= 0) {
        chunks.push(chunk.slice(0, end));
        finish(undefined, chunks.join(''));
        return;
      }
      chunks.push(chunk);
      size += chunk.length;
      if (size > MAX_ANSWER_CHARS) {
        finish(wireguardErrors.uapiProtocol.create(`${what}: answer larger than ${MAX_ANSWER_CHARS} characters`));
      }
    });
    socket.on('end', () => {
      const message = size === 0 ? 'the device closed the connection without answering' : 'early EOF mid-answer';
      finish(wireguardErrors.uapiProtocol.create(`${what}: ${message}`));
    });
    socket.on('error', (err) => {
      const failure = connected
        ? wireguardErrors.uapiProtocol.create(`${what}: connection failed mid-operation: ${err.message}`, {
            cause: err,
          })
        : wireguardErrors.uapiUnavailable.create(`${what}: cannot connect: ${err.message}`, { cause: err });
      finish(failure);
    });
  });
}
