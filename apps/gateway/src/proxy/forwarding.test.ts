import { describe, expect, it } from 'vitest';
import { clientAddress, compileTrustedProxies, peerAddress, pushForwardingHeaders } from './forwarding.js';

const trusted = compileTrustedProxies(['10.0.0.0/8', '::1', '2001:db8::/32']);

describe('trusted proxies', () => {
  it.each([
    ['10.1.2.3', true],
    ['11.0.0.1', false],
    ['::1', true],
    ['2001:db8::5', true],
    ['2001:db9::5', false],
    ['not-an-ip', false],
  ])('%s trusted: %s', (address, expected) => expect(trusted.trusts(address)).toBe(expected));

  it('trusts nobody when the list is empty', () => {
    expect(compileTrustedProxies([]).trusts('127.0.0.1')).toBe(false);
  });

  it.each(['10.0.0.0/33', '10.0.0.0/', 'banana', '10.0.0.0/8/8', '::1/129'])('rejects %j naming the entry', (cidr) => {
    expect(() => compileTrustedProxies(['10.0.0.0/8', cidr])).toThrow(`trustedProxies[1]: expected a CIDR`);
  });
});

describe('client address', () => {
  it('shows IPv4-mapped peers as IPv4', () => {
    expect(peerAddress('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(peerAddress('::1')).toBe('::1');
    expect(peerAddress(undefined)).toBe('');
  });

  it('believes X-Forwarded-For only from a trusted peer, taking the right-most untrusted hop', () => {
    expect(clientAddress('203.0.113.9', '1.1.1.1', trusted)).toBe('203.0.113.9');
    expect(clientAddress('10.0.0.1', '6.6.6.6, 198.51.100.4, 10.0.0.2', trusted)).toBe('198.51.100.4');
    expect(clientAddress('10.0.0.1', ['6.6.6.6', '10.0.0.3'], trusted)).toBe('6.6.6.6');
    expect(clientAddress('10.0.0.1', ' , ', trusted)).toBe('10.0.0.1');
    expect(clientAddress('10.0.0.1', undefined, trusted)).toBe('10.0.0.1');
  });
});

describe('forwarding headers', () => {
  const input = {
    peer: '10.0.0.1',
    proto: 'https' as const,
    host: 'app.test',
    xForwardedFor: '198.51.100.4',
    xForwardedProto: 'http',
    xForwardedHost: 'outer.test',
    forwarded: 'for=198.51.100.4',
  };

  it('extends the values of a trusted peer', () => {
    const out: string[] = [];
    pushForwardingHeaders(out, { ...input, trustedPeer: true });
    expect(out).toEqual([
      'x-forwarded-for',
      '198.51.100.4, 10.0.0.1',
      'x-forwarded-proto',
      'http',
      'x-forwarded-host',
      'outer.test',
      'forwarded',
      'for=198.51.100.4, for=10.0.0.1;host="app.test";proto=https',
    ]);
  });

  it('replaces the values of anyone else and brackets IPv6 (RFC 7239 section 6)', () => {
    const out: string[] = [];
    pushForwardingHeaders(out, { ...input, peer: '2001:db8::1', trustedPeer: false });
    expect(out).toEqual([
      'x-forwarded-for',
      '2001:db8::1',
      'x-forwarded-proto',
      'https',
      'x-forwarded-host',
      'app.test',
      'forwarded',
      'for="[2001:db8::1]";host="app.test";proto=https',
    ]);
  });
});
