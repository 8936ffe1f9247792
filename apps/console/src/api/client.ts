import { ApiError, problemFrom } from './problem.js';

/** What {@link createApiClient} needs. */
export interface ApiClientOptions {
  /** The fetch to use; tests pass their own. */
  readonly fetch?: typeof fetch;
  /** Called once the session is gone (a 401 that a refresh did not cure): send the user to the login page. */
  readonly onSignedOut: () => void;
}

/** Options of one call. */
export interface CallOptions {
  readonly signal?: AbortSignal;
  /** Don't try a token refresh on 401 (sign-in itself, the refresh). */
  readonly noRefresh?: boolean;
}

/** The admin API as the console calls it: JSON in and out, the session cookie, problems thrown as {@link ApiError}. */
export interface ApiClient {
  request<T>(method: string, path: string, body?: unknown, options?: CallOptions): Promise<T>;
  get<T>(path: string, options?: CallOptions): Promise<T>;
}

const NETWORK_PROBLEM = (detail: string) =>
  new ApiError({ status: 0, code: 'ERR_NETWORK', title: 'No answer', detail });

/**
 * The console's API client. It authenticates with the HttpOnly session cookies the admin set at sign-in (the
 * console never sees a token). An answer 401 means the 15-minute access token ran out or the session ended: the
 * client rotates the refresh cookie once (concurrent calls share that one refresh) and repeats the call; when the
 * refresh fails too, it reports the sign-out and throws the 401.
 */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  let refreshing: Promise<boolean> | undefined;

  const send = async (method: string, path: string, body: unknown, signal: AbortSignal | undefined) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await doFetch(path, {
        method,
        headers,
        credentials: 'same-origin',
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(signal === undefined ? {} : { signal }),
      });
    } catch (err) {
      if (signal?.aborted === true) throw err;
      throw NETWORK_PROBLEM('the admin did not answer; check that it is running and reachable');
    }
  };

  const refresh = (): Promise<boolean> => {
    refreshing ??= send('POST', '/api/v1/auth/refresh', undefined, undefined)
      .then((res) => res.ok)
      .catch(() => false)
      .finally(() => {
        refreshing = undefined;
      });
    return refreshing;
  };

  const read = async (res: Response): Promise<unknown> => {
    const text = await res.text();
    if (text === '') return undefined;
    if (/json/.test(res.headers.get('content-type') ?? '')) {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
    }
    return text;
  };

  const request = async <T>(method: string, path: string, body?: unknown, call: CallOptions = {}): Promise<T> => {
    let res = await send(method, path, body, call.signal);
    if (res.status === 401 && call.noRefresh !== true) {
      if (await refresh()) res = await send(method, path, body, call.signal);
      if (res.status === 401) options.onSignedOut();
    }
    const parsed = await read(res);
    if (!res.ok) throw new ApiError(problemFrom(res.status, res.statusText, parsed));
    return parsed as T;
  };

  return { request, get: (path, call) => request('GET', path, undefined, call) };
}
