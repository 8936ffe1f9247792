import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TUNNEL_POOL, allocateAddress, hubAddress, parsePool } from './ipam.js';

describe('parsePool', () => {
  it.each([
    [DEFAULT_TUNNEL_POOL, { cidr: '100.96.0.0/16', hub: '100.96.0.1', capacity: 65_533 }],
    ['100.64.0.0/10', { cidr: '100.64.0.0/10', hub: '100.64.0.1', capacity: 4_194_301 }],
    ['10.0.0.0/24', { cidr: '10.0.0.0/24', hub: '10.0.0.1', capacity: 253 }],
    ['10.0.0.4/30', { cidr: '10.0.0.4/30', hub: '10.0.0.5', capacity: 1 }],
  ])('%s', (cidr, pool) => {
    expect(parsePool(cidr)).toEqual(pool);
  });

  it.each([
    ['100.96.0.1/16', 'not canonical (host bits set): use "100.96.0.0/16"'],
    ['10.0.0.0/31', 'smaller than a /30'],
    ['10.0.0.1/32', 'smaller than a /30'],
    ['10.0.0.1', 'not an IP prefix'],
    ['fd00::/64', 'only IPv4 pools'],
    ['10.0.0.0/33', 'not an IP prefix'],
    ['10.0.0.0/8\n', 'not an IP prefix'],
    ['', 'not an IP prefix'],
  ])('refuses %j', (cidr, message) => {
    expect(() => parsePool(cidr)).toThrow(expect.objectContaining({ code: 'ERR_WG_CONFIG_INVALID', status: 400 }));
    expect(() => parsePool(cidr)).toThrow(message);
  });
});

describe('hubAddress', () => {
  it('is the first host address, from a CIDR or a parsed pool', () => {
    expect(hubAddress('100.96.0.0/16')).toBe('100.96.0.1');
    expect(hubAddress(parsePool('192.168.7.0/24'))).toBe('192.168.7.1');
  });
});

describe('allocateAddress', () => {
  it.each<[string, string[], string[], string]>([
    ['100.96.0.0/16', [], [], '100.96.0.2'],
    ['100.96.0.0/16', ['100.96.0.2', '100.96.0.3/32'], [], '100.96.0.4'],
    ['100.96.0.0/16', ['100.96.0.3'], [], '100.96.0.2'],
    // the hub's own address in `used` changes nothing; foreign and IPv6 entries are ignored
    ['100.96.0.0/16', ['100.96.0.1', '10.0.0.2', 'fd00::2', '100.97.0.2'], [], '100.96.0.2'],
    ['100.96.0.0/16', [], ['100.96.0.0/24'], '100.96.1.0'],
    ['100.96.0.0/16', ['100.96.1.0'], ['100.96.0.0/24', 'fd00::/8', '10.0.0.0/8'], '100.96.1.1'],
    ['100.96.0.0/16', ['100.96.0.2'], ['100.96.0.3', '100.96.0.4/31'], '100.96.0.6'],
    // crosses an octet boundary: 100.96.0.255 is a host address inside a /16
    ['100.96.0.0/16', Array.from({ length: 254 }, (_, i) => `100.96.0.${i + 2}`), [], '100.96.1.0'],
    ['10.0.0.4/30', [], [], '10.0.0.6'],
  ])('in %s with used %j and reserved %j: %s', (pool, used, reserved, expected) => {
    expect(allocateAddress(pool, used, { reserved })).toBe(expected);
    expect(allocateAddress(parsePool(pool), new Set(used), { reserved })).toBe(expected);
  });

  it('exhausts a /30 after one address (network, hub and broadcast are never handed out)', () => {
    const first = allocateAddress('10.0.0.0/30', []);
    expect(first).toBe('10.0.0.2');
    const exhausted = expect(() => allocateAddress('10.0.0.0/30', [first]));
    exhausted.toThrow(expect.objectContaining({ code: 'ERR_WG_POOL_EXHAUSTED', status: 409 }));
    exhausted.toThrow('no free address in the tunnel pool 10.0.0.0/30');
    expect(() => allocateAddress('10.0.0.0/30', [], { reserved: ['10.0.0.0/30'] })).toThrow(
      expect.objectContaining({ code: 'ERR_WG_POOL_EXHAUSTED', details: { pool: '10.0.0.0/30' } }),
    );
  });

  it('exhausts a /24 after exactly its capacity', () => {
    const used = new Set<string>();
    for (let i = 0; i < parsePool('10.1.2.0/24').capacity; i++) used.add(allocateAddress('10.1.2.0/24', used));
    expect(used.size).toBe(253);
    expect([...used].at(-1)).toBe('10.1.2.254');
    expect(() => allocateAddress('10.1.2.0/24', used)).toThrow(
      expect.objectContaining({ code: 'ERR_WG_POOL_EXHAUSTED' }),
    );
  });

  it.each([
    [['100.96.0.2', 'not-an-ip'], 'used[1] "not-an-ip" is not an IP address'],
    [['100.96.0.0/24'], 'used[0] "100.96.0.0/24" is not an IP address'],
  ])('refuses a malformed used entry rather than skipping it: %j', (used, message) => {
    expect(() => allocateAddress('100.96.0.0/16', used)).toThrow(
      expect.objectContaining({ code: 'ERR_WG_CONFIG_INVALID', message }),
    );
  });

  it('refuses a malformed reserved entry and a malformed pool', () => {
    expect(() => allocateAddress('100.96.0.0/16', [], { reserved: ['100.96.0.0/40'] })).toThrow(
      expect.objectContaining({ code: 'ERR_WG_CONFIG_INVALID', message: expect.stringContaining('reserved[0]') }),
    );
    expect(() => allocateAddress('100.96.0.5/16', [])).toThrow(
      expect.objectContaining({ code: 'ERR_WG_CONFIG_INVALID' }),
    );
  });

  it('allocating N times, each result added to used, never repeats and stays inside the pool', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 20, max: 30 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.array(fc.integer({ min: 0, max: 1023 }), { maxLength: 20 }),
        fc.integer({ min: 1, max: 300 }),
        (length, seed, preUsedOffsets, n) => {
          const size = 2 ** (32 - length);
          const network = Math.floor(seed / size) * size;
          const pool = parsePool(`${ipv4(network)}/${length}`);
          const used = new Set(preUsedOffsets.map((offset) => ipv4(network + (offset % size))));
          const allocated = new Set<string>();
          for (let i = 0; i < n; i++) {
            let address: string;
            try {
              address = allocateAddress(pool, used);
            } catch (err) {
              expect(err).toMatchObject({ code: 'ERR_WG_POOL_EXHAUSTED' });
              // Exhaustion only once every address but the network, hub and broadcast addresses is taken.
              for (let offset = 2; offset < size - 1; offset++) expect(used.has(ipv4(network + offset))).toBe(true);
              return;
            }
            expect(used.has(address)).toBe(false);
            expect(allocated.has(address)).toBe(false);
            const offset = toNumber(address) - network;
            expect(offset).toBeGreaterThanOrEqual(2);
            expect(offset).toBeLessThan(size - 1);
            used.add(address);
            allocated.add(address);
          }
          expect(allocated.size).toBe(n);
        },
      ),
    );
  });
});

function ipv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');
}

function toNumber(address: string): number {
  return address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}
