import { describe, expect, it } from 'vitest';
import type { BackendOptions } from './types.js';
import { createBackend } from './create-backend.js';

describe('createBackend options', () => {
  it.each([
    [{ kind: 'boringtun' }, 'kind must be "wireguard-go" or "kernel"'],
    [{ netns: 'a b' }, 'netns must be a network namespace name'],
    [{ netns: '../x' }, 'netns must be a network namespace name'],
    [{ wireguardGo: '' }, 'wireguardGo must be an executable'],
    [{ wireguardGo: '--help' }, 'wireguardGo must be an executable'],
    [{ uapiTimeoutMs: 0 }, 'uapiTimeoutMs must be a positive integer'],
    [{ restartMinDelayMs: 1.5 }, 'restartMinDelayMs must be a positive integer'],
    [{ restartMinDelayMs: 500, restartMaxDelayMs: 100 }, 'restartMinDelayMs must not exceed restartMaxDelayMs'],
    [{ onEvent: 'log' }, 'onEvent must be a function'],
  ])('refuses %j before probing', async (options, message) => {
    await expect(createBackend(options as unknown as BackendOptions)).rejects.toThrow(
      new TypeError(`createBackend: ${message}`).message,
    );
  });

  it('says what is missing for the backend asked for', async () => {
    await expect(
      createBackend({ kind: 'wireguard-go', wireguardGo: '/nonexistent/wireguard-go' }),
    ).rejects.toMatchObject({
      code: 'ERR_WG_BACKEND_UNAVAILABLE',
      message: expect.stringContaining('wireguard-go (Debian package wireguard-go)'),
    });
  });
});
