import { describe, expect, it } from 'vitest';
import { chooseBackend, probeBackend, type HostFacts } from './probe.js';

const everything: HostFacts = {
  linux: true,
  netAdmin: true,
  ip: true,
  tun: true,
  wireguardGo: true,
  wg: true,
  kernelModule: true,
};

describe('chooseBackend', () => {
  it('prefers the kernel module when it and `wg` are there', () => {
    expect(chooseBackend(everything)).toEqual({
      kind: 'kernel',
      reason: 'the kernel creates WireGuard links and `wg` is installed',
    });
  });

  it('falls back to wireguard-go and says why', () => {
    expect(chooseBackend({ ...everything, kernelModule: false })).toEqual({
      kind: 'wireguard-go',
      reason: 'wireguard-go and /dev/net/tun are available; no kernel backend (missing the wireguard kernel module)',
    });
  });

  it('takes wireguard-go when asked, even with the kernel module', () => {
    expect(chooseBackend(everything, 'wireguard-go')).toMatchObject({ kind: 'wireguard-go' });
  });

  it('lists exactly what is missing, for either backend', () => {
    const facts = { ...everything, netAdmin: false, tun: false, wireguardGo: false, kernelModule: false };
    expect(() => chooseBackend(facts)).toThrow(
      expect.objectContaining({
        code: 'ERR_WG_BACKEND_UNAVAILABLE',
        message:
          'cannot run any WireGuard backend: missing root or CAP_NET_ADMIN, /dev/net/tun, wireguard-go (Debian package ' +
          'wireguard-go), the wireguard kernel module (wireguard-go needs /dev/net/tun and wireguard-go (Debian ' +
          'package wireguard-go); the kernel backend needs the wireguard kernel module)',
        details: {
          missing: [
            'root or CAP_NET_ADMIN',
            '/dev/net/tun',
            'wireguard-go (Debian package wireguard-go)',
            'the wireguard kernel module',
          ],
        },
      }),
    );
  });

  it('names only what the backend asked for misses', () => {
    expect(() => chooseBackend({ ...everything, kernelModule: false, wg: false }, 'kernel')).toThrow(
      expect.objectContaining({
        details: { missing: ['the wireguard kernel module', '`wg` (Debian package wireguard-tools)'] },
      }),
    );
    expect(() => chooseBackend({ ...everything, linux: false, ip: false }, 'wireguard-go')).toThrow(
      expect.objectContaining({ details: { missing: ['Linux', '`ip` (Debian package iproute2)'] } }),
    );
  });
});

describe('probeBackend on this host', () => {
  it('reports an executable that does not exist as missing', async () => {
    await expect(
      probeBackend({ kind: 'wireguard-go', wireguardGo: '/nonexistent/wireguard-go' }),
    ).rejects.toMatchObject({
      code: 'ERR_WG_BACKEND_UNAVAILABLE',
      details: { missing: expect.arrayContaining(['wireguard-go (Debian package wireguard-go)']) },
    });
  });
});
