import { createLogger } from '@rustronaut/observability';
import { describe, expect, it } from 'vitest';
import { createHubAddress, hubMayHaveMoved, STALE_HANDSHAKE_MS } from './hub-address.js';

// The lookup is a function standing in for getaddrinfo: the real one reads this host's /etc/hosts and resolvers,
// which a test must not change. What it answers is a table the test edits (the hub "moving").

function world(initial: Record<string, string>) {
  const table = new Map(Object.entries(initial));
  const asked: string[] = [];
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    level: 'info',
    format: 'json',
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  const hub = createHubAddress(logger, (host) => {
    asked.push(host);
    const address = table.get(host);
    return address === undefined
      ? Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }))
      : Promise.resolve({ address });
  });
  return { hub, table, asked, lines };
}

describe('the hub address', () => {
  it('uses an IP literal as it is, without a lookup', async () => {
    const { hub, asked } = world({});
    expect(await hub.resolve('10.2.0.1', 51820, false)).toEqual({ address: '10.2.0.1', port: 51820 });
    expect(await hub.resolve('fd00::1', 51820, true)).toEqual({ address: 'fd00::1', port: 51820 });
    expect(asked).toEqual([]);
  });

  it('looks a name up once, again when asked (the tunnel went quiet) or when the name or port changed', async () => {
    const { hub, table, asked, lines } = world({ 'hub.example.net': '203.0.113.7' });
    expect(await hub.resolve('hub.example.net', 51820, false)).toEqual({ address: '203.0.113.7', port: 51820 });
    expect(await hub.resolve('hub.example.net', 51820, false)).toEqual({ address: '203.0.113.7', port: 51820 });
    expect(asked).toEqual(['hub.example.net']);

    // The hub moved: a snapshot alone does not look again, a quiet tunnel does, and says so.
    table.set('hub.example.net', '198.51.100.9');
    expect((await hub.resolve('hub.example.net', 51820, false)).address).toBe('203.0.113.7');
    expect(await hub.resolve('hub.example.net', 51820, true)).toEqual({ address: '198.51.100.9', port: 51820 });
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'the hub moved', from: '203.0.113.7', to: '198.51.100.9' }),
    );

    // Another port is another endpoint: looked up, not reported as a move.
    expect(await hub.resolve('hub.example.net', 51821, false)).toEqual({ address: '198.51.100.9', port: 51821 });
    expect(asked).toHaveLength(3);
    expect(lines.filter((l) => l.msg === 'the hub moved')).toHaveLength(1);
  });

  it('keeps the last endpoint when a lookup fails, and uses the next one that answers', async () => {
    const { hub, table } = world({ 'hub.example.net': '203.0.113.7' });
    await hub.resolve('hub.example.net', 51820, false);
    table.delete('hub.example.net');
    await expect(hub.resolve('hub.example.net', 51820, true)).rejects.toThrow(/ENOTFOUND hub\.example\.net/);
    expect((await hub.resolve('hub.example.net', 51820, false)).address).toBe('203.0.113.7');
    table.set('hub.example.net', '198.51.100.9');
    expect((await hub.resolve('hub.example.net', 51820, true)).address).toBe('198.51.100.9');
  });
});

describe('whether the hub may have moved', () => {
  const now = Date.parse('2026-11-28T12:00:00Z');
  it('is never so for a hub known by its address', () => {
    expect(hubMayHaveMoved('10.2.0.1', undefined, now)).toBe(false);
    expect(hubMayHaveMoved('2001:db8::1', new Date(0), now)).toBe(false);
  });
  it('is so for a name once the last handshake is over three minutes old, or there was none', () => {
    expect(hubMayHaveMoved('hub.example.net', undefined, now)).toBe(true);
    expect(hubMayHaveMoved('hub.example.net', new Date(now - STALE_HANDSHAKE_MS - 1), now)).toBe(true);
    expect(hubMayHaveMoved('hub.example.net', new Date(now - STALE_HANDSHAKE_MS), now)).toBe(false);
    expect(hubMayHaveMoved('hub.example.net', new Date(now - 125_000), now)).toBe(false);
  });
});
