import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalAllowedIps, canonicalCidr, formatEndpoint, parseEndpoint, sameAllowedIps } from './ip.js';

describe('canonicalCidr', () => {
  it.each([
    ['10.0.0.1/24', '10.0.0.0/24'],
    ['10.0.0.1', '10.0.0.1/32'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['192.168.255.255/17', '192.168.128.0/17'],
    ['FD00:0:0:0::1/64', 'fd00::/64'],
    ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1/128'],
    ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1/128'],
    ['::/0', '::/0'],
    ['::1', '::1/128'],
    ['1:0:0:2:0:0:0:3/128', '1:0:0:2::3/128'],
    ['1:2:3:4:5:6:7:0', '1:2:3:4:5:6:7:0/128'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1/128'],
    ['::ffff:c000:0201/120', '::ffff:192.0.2.0/120'],
    ['2001:db8::192.0.2.1/128', '2001:db8::c000:201/128'],
    ['fd7a:115c:a1e0:ab12:4843:cd96:6258:b240/96', 'fd7a:115c:a1e0:ab12:4843:cd96::/96'],
  ])('%s -> %s', (input, canonical) => {
    expect(canonicalCidr(input)).toBe(canonical);
  });

  it.each([
    '10.0.0.1/33',
    '::/129',
    '10.0.0/8',
    '010.0.0.1/8',
    '10.0.0.256',
    '10.0.0.1/08',
    '10.0.0.1/',
    '10.0.0.1/24\nallowed_ip=0.0.0.0/0',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7::8',
    '12345::',
    ':1::',
    'fe80::1%eth0/64',
    '1.2.3.4:5',
    '',
    ' 10.0.0.0/8',
  ])('refuses %j', (input) => {
    expect(() => canonicalCidr(input)).toThrow(expect.objectContaining({ code: 'ERR_WG_CONFIG_INVALID' }));
  });

  it('formats IPv6 as the WHATWG URL serializer does (RFC 5952 compression, lowercase)', () => {
    fc.assert(
      fc.property(fc.ipV6(), (address) => {
        const canonical = canonicalCidr(address).replace(/\/128$/, '');
        if (canonical.startsWith('::ffff:') && canonical.includes('.')) return; // RFC 5952 §5 dotted tail
        expect(canonical).toBe(new URL(`http://[${address}]/`).hostname.slice(1, -1));
      }),
      { numRuns: 500 },
    );
  });

  it('is idempotent and accepts every address fast-check generates', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), fc.nat(128), (address, length) => {
        const max = address.includes(':') ? 128 : 32;
        const canonical = canonicalCidr(`${address}/${length % (max + 1)}`);
        expect(canonicalCidr(canonical)).toBe(canonical);
      }),
      { numRuns: 500 },
    );
  });
});

describe('allowed-IP sets', () => {
  it('compares sets regardless of order, duplicates, host bits and spelling', () => {
    expect(sameAllowedIps(['10.0.0.1/24', 'FD00::1/64', '10.0.0.0/24'], ['fd00:0::/64', '10.0.0.0/24'])).toBe(true);
    expect(sameAllowedIps(['10.0.0.0/24'], ['10.0.0.0/25'])).toBe(false);
    expect(sameAllowedIps([], [])).toBe(true);
    expect(sameAllowedIps(['10.0.0.0/24'], [])).toBe(false);
  });

  it('sorts IPv4 before IPv6, then by address and length', () => {
    expect(canonicalAllowedIps(['2001:db8::/32', '10.1.0.0/16', '10.0.0.0/16', '10.0.0.0/8', '::/0'])).toEqual([
      '10.0.0.0/8',
      '10.0.0.0/16',
      '10.1.0.0/16',
      '::/0',
      '2001:db8::/32',
    ]);
  });

  it('refuses a set with a malformed prefix', () => {
    expect(() => sameAllowedIps(['10.0.0.0/24'], ['nonsense'])).toThrow(
      expect.objectContaining({ code: 'ERR_WG_CONFIG_INVALID' }),
    );
  });
});

describe('endpoints', () => {
  it.each([
    ['192.0.2.1', 51820, '192.0.2.1:51820', '192.0.2.1'],
    ['2001:DB8:0::1', 1, '[2001:db8::1]:1', '2001:db8::1'],
    ['fe80::1%eth0', 65535, '[fe80::1%eth0]:65535', 'fe80::1%eth0'],
    ['::ffff:c000:201', 51820, '[::ffff:192.0.2.1]:51820', '::ffff:192.0.2.1'],
  ])('formats %s port %d as %s and parses it back to %s', (address, port, text, canonical) => {
    expect(formatEndpoint({ address, port })).toBe(text);
    expect(parseEndpoint(text)).toEqual({ address: canonical, port });
  });

  it.each([
    { address: 'vpn.example.com', port: 51820 },
    { address: '192.0.2.1', port: 0 },
    { address: '192.0.2.1', port: 65536 },
    { address: '192.0.2.1', port: 1.5 },
    { address: '192.0.2.1%eth0', port: 51820 },
    { address: 'fe80::1%eth0\nprivate_key=00', port: 51820 },
    { address: 'fe80::1%a=b', port: 51820 },
    { address: 42, port: 51820 },
  ])('refuses to format %j', (endpoint) => {
    expect(formatEndpoint(endpoint as never)).toBeUndefined();
  });

  it.each([
    '192.0.2.1',
    '192.0.2.1:0',
    '192.0.2.1:065',
    '2001:db8::1:51820',
    '[2001:db8::1]',
    '[192.0.2.1]:1',
    '[::1:1',
    ':1',
  ])('refuses to parse %j', (text) => {
    expect(parseEndpoint(text)).toBeUndefined();
  });
});
