import { describe, expect, it } from 'vitest';
import { createApiClient } from './client.js';
import { ApiError } from './problem.js';

type Handler = (method: string, path: string, body: string | undefined) => Response | Promise<Response>;

/** A client over a scripted fetch that records every call. */
function clientOver(handler: Handler) {
  const calls: string[] = [];
  let signedOut = 0;
  const api = createApiClient({
    fetch: async (input, init) => {
      const method = init?.method ?? 'GET';
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      calls.push(`${method} ${url}`);
      return handler(method, url, typeof init?.body === 'string' ? init.body : undefined);
    },
    onSignedOut: () => {
      signedOut++;
    },
  });
  return { api, calls, signedOut: () => signedOut };
}

const json = (status: number, body: unknown, type = 'application/json') =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });
const problem = (status: number, code: string, extra: Record<string, unknown> = {}) =>
  json(
    status,
    { type: 'about:blank', title: 'T', status, code, detail: `detail of ${code}`, requestId: 'r-1', ...extra },
    'application/problem+json',
  );

describe('api client', () => {
  it('sends JSON with the session cookie and returns the parsed answer; 204 gives undefined', async () => {
    const seen: (string | undefined)[] = [];
    const { api } = clientOver((method, _path, body) => {
      seen.push(body);
      return method === 'DELETE' ? new Response(null, { status: 204 }) : json(201, { id: 'x' });
    });
    expect(await api.request('POST', '/api/v1/things', { name: 'a' })).toEqual({ id: 'x' });
    expect(seen).toEqual(['{"name":"a"}']);
    expect(await api.request('DELETE', '/api/v1/things/x')).toBeUndefined();
  });

  it('throws the problem document of a failed call as an ApiError', async () => {
    const { api } = clientOver(() =>
      problem(400, 'ERR_VALIDATION', { errors: [{ field: 'body.host', message: 'expected a host name' }] }),
    );
    const err = await api.get('/api/v1/x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    expect((err as ApiError).code).toBe('ERR_VALIDATION');
    expect((err as ApiError).problem.errors).toEqual([{ field: 'body.host', message: 'expected a host name' }]);
    expect((err as ApiError).message).toBe('detail of ERR_VALIDATION');
  });

  it('on 401 refreshes the session once and repeats the call', async () => {
    let refreshed = false;
    const { api, calls, signedOut } = clientOver((_method, path) => {
      if (path === '/api/v1/auth/refresh') {
        refreshed = true;
        return json(200, {});
      }
      return refreshed ? json(200, { ok: true }) : problem(401, 'ERR_UNAUTHENTICATED');
    });
    expect(await api.get('/api/v1/me')).toEqual({ ok: true });
    expect(calls).toEqual(['GET /api/v1/me', 'POST /api/v1/auth/refresh', 'GET /api/v1/me']);
    expect(signedOut()).toBe(0);
  });

  it('shares one refresh between concurrent calls', async () => {
    let refreshes = 0;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { api } = clientOver(async (_method, path) => {
      if (path === '/api/v1/auth/refresh') {
        refreshes++;
        await gate;
        return json(200, {});
      }
      return refreshes === 0 ? problem(401, 'ERR_UNAUTHENTICATED') : json(200, { path });
    });
    const both = Promise.all([api.get('/api/v1/a'), api.get('/api/v1/b')]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    release();
    expect(await both).toEqual([{ path: '/api/v1/a' }, { path: '/api/v1/b' }]);
    expect(refreshes).toBe(1);
  });

  it('reports the sign-out when the refresh fails too, and throws the 401', async () => {
    const { api, signedOut } = clientOver((_m, path) =>
      path === '/api/v1/auth/refresh' ? problem(401, 'ERR_AUTH_REFRESH_INVALID') : problem(401, 'ERR_UNAUTHENTICATED'),
    );
    const err = await api.get('/api/v1/me').catch((e: unknown) => e);
    expect((err as ApiError).code).toBe('ERR_UNAUTHENTICATED');
    expect(signedOut()).toBe(1);
  });

  it('does not refresh for sign-in itself', async () => {
    const { api, calls, signedOut } = clientOver(() => problem(401, 'ERR_AUTH_INVALID_CREDENTIALS'));
    await expect(api.request('POST', '/api/v1/auth/login', {}, { noRefresh: true })).rejects.toThrow(ApiError);
    expect(calls).toEqual(['POST /api/v1/auth/login']);
    expect(signedOut()).toBe(0);
  });

  it('turns a network failure into ERR_NETWORK, and lets an abort through', async () => {
    const { api } = clientOver(() => Promise.reject(new TypeError('fetch failed')));
    const err = await api.get('/api/v1/x').catch((e: unknown) => e);
    expect((err as ApiError).code).toBe('ERR_NETWORK');
    expect((err as ApiError).status).toBe(0);
    const controller = new AbortController();
    controller.abort();
    const aborted = createApiClient({
      fetch: () => Promise.reject(new DOMException('aborted', 'AbortError')),
      onSignedOut: () => undefined,
    });
    await expect(aborted.get('/api/v1/x', { signal: controller.signal })).rejects.toThrow('aborted');
  });

  it('reads a non-JSON error body as text', async () => {
    const { api } = clientOver(() => new Response('upstream down', { status: 502, statusText: 'Bad Gateway' }));
    const err = (await api.get('/api/v1/x').catch((e: unknown) => e)) as ApiError;
    expect(err.problem).toMatchObject({ status: 502, code: 'HTTP_502', title: 'Bad Gateway', detail: 'upstream down' });
  });
});
