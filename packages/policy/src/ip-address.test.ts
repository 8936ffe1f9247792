import fc from 'fast-check';
import { BlockList, isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { compilePolicy } from './compile-policy.js';
import { parseIp, type IpWords } from './ip-address.js';

const parsed = (text: string, allowZone = true): IpWords | undefined => {
  const out: IpWords = { family: 4, w0: 0, w1: 0, w2: 0, w3: 0 };
  return parseIp(text, out, allowZone) ? out : undefined;
};

describe('parseIp', () => {
  it.each([
    ['0.0.0.0', { family: 4, w0: 0 }],
    ['255.255.255.255', { family: 4, w0: 0xffffffff }],
    ['10.1.2.3', { family: 4, w0: 0x0a010203 }],
    ['::', { family: 6, w0: 0, w1: 0, w2: 0, w3: 0 }],
    ['::1', { family: 6, w0: 0, w1: 0, w2: 0, w3: 1 }],
    ['2001:db8::8:800:200c:417a', { family: 6, w0: 0x20010db8, w1: 0, w2: 0x00080800, w3: 0x200c417a }],
    ['2001:DB8:0:0:0:0:0:1', { family: 6, w0: 0x20010db8, w1: 0, w2: 0, w3: 1 }],
    ['1::', { family: 6, w0: 0x00010000, w1: 0, w2: 0, w3: 0 }],
    ['1:2:3:4:5:6:7::', { family: 6, w0: 0x00010002, w1: 0x00030004, w2: 0x00050006, w3: 0x00070000 }],
    ['::1.2.3.4', { family: 6, w0: 0, w1: 0, w2: 0, w3: 0x01020304 }],
    ['fe80::1%eth0', { family: 6, w0: 0xfe800000, w1: 0, w2: 0, w3: 1 }],
    // IPv4-mapped addresses, in both spellings, are their IPv4 address.
    ['::ffff:10.1.2.3', { family: 4, w0: 0x0a010203 }],
    ['::FFFF:a01:203', { family: 4, w0: 0x0a010203 }],
    ['0:0:0:0:0:ffff:10.1.2.3', { family: 4, w0: 0x0a010203 }],
  ])('parses %s', (text, expected) => {
    expect(parsed(text)).toMatchObject(expected);
  });

  it.each([
    '',
    '1.2.3',
    '1.2.3.4.5',
    '1.2.3.256',
    '01.2.3.4',
    '1.2.3.04',
    '1..2.3',
    '1.2.3.4 ',
    ' 1.2.3.4',
    '1.2.3.4%eth0',
    '0x1.2.3.4',
    '16909060',
    ':',
    ':::',
    '1:2',
    ':1',
    '1:',
    '1::2::3',
    '12345::',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7:8::',
    '::1.2.3',
    '1:2:3:4:5:6:7:1.2.3.4',
    '::ffff:1.2.3.4:1',
    'fe80::1%',
    'fe80::1%eth 0',
    'g::1',
    'localhost',
  ])('refuses %j', (text) => {
    expect(parsed(text)).toBeUndefined();
  });

  it('refuses a zone where none is allowed', () => {
    expect(parsed('fe80::1%eth0', false)).toBeUndefined();
  });

  it('accepts exactly what node:net isIP accepts', () => {
    const piece = fc.constantFrom(
      '0',
      '1',
      '255',
      '256',
      '01',
      'ff',
      'FFFF',
      'ffff',
      '12345',
      'g',
      '',
      '::',
      '.',
      ':',
      '%lo0',
    );
    const text = fc.oneof(
      fc.array(piece, { maxLength: 12 }).map((parts) => parts.join('')),
      fc.array(fc.constantFrom('1', '0', 'a', 'ffff'), { minLength: 1, maxLength: 9 }).map((parts) => parts.join(':')),
      fc.array(fc.constantFrom('1', '10', '255', '256', '00'), { minLength: 1, maxLength: 5 }).map((p) => p.join('.')),
      fc.ipV4(),
      fc.ipV6(),
      fc.string({ maxLength: 20 }),
    );
    fc.assert(
      fc.property(text, (candidate) => {
        expect(parsed(candidate) !== undefined).toBe(isIP(candidate) !== 0);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('sourceCidrs against node:net BlockList', () => {
  // Global-unicast IPv6 networks (2000::/3) never cover IPv4-mapped addresses, where BlockList (which maps IPv4
  // into IPv6) and the policy (which keeps them apart, see the table in compile-policy.test.ts) differ on purpose.
  const v4Network = fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 }));
  const v6Network = fc.tuple(
    fc.integer({ min: 0x2000, max: 0x3fff }),
    fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 7, maxLength: 7 }),
    fc.integer({ min: 3, max: 128 }),
  );
  const source = fc.oneof(
    fc.ipV4(),
    fc.ipV4().map((ip) => `::ffff:${ip}`),
    fc.ipV6(),
    fc
      .array(fc.integer({ min: 0, max: 0xffff }), { minLength: 7, maxLength: 7 })
      .map((rest) => `2001:${rest.map((n) => n.toString(16)).join(':')}`),
  );

  /** The network of `address/bits`, written by BlockList's rules: host bits cleared. */
  const v4Text = (ip: string, bits: number): string => {
    const value = ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    const network = (value & mask) >>> 0;
    return `${[24, 16, 8, 0].map((shift) => (network >>> shift) & 255).join('.')}/${String(bits)}`;
  };
  const v6Text = (first: number, rest: number[], bits: number): string => {
    const groups = [first, ...rest].map((group, i) => {
      const keep = Math.min(16, Math.max(0, bits - i * 16));
      return keep === 0 ? 0 : group & ((0xffff << (16 - keep)) & 0xffff);
    });
    return `${groups.map((group) => group.toString(16)).join(':')}/${String(bits)}`;
  };

  it('agrees on every address', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            v4Network.map(([ip, bits]) => v4Text(ip, bits)),
            v6Network.map(([f, r, b]) => v6Text(f, r, b)),
          ),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        source,
        (cidrs, sourceIp) => {
          const list = new BlockList();
          for (const cidr of cidrs) {
            const [network = '', bits = ''] = cidr.split('/');
            list.addSubnet(network, Number(bits), network.includes(':') ? 'ipv6' : 'ipv4');
          }
          const expected = list.check(sourceIp, sourceIp.includes(':') ? 'ipv6' : 'ipv4');
          const policy = compilePolicy({ rules: [{ id: 'net', effect: 'allow', when: { sourceCidrs: cidrs } }] });
          const decision = policy.evaluate({
            user: { id: 'u', email: 'u@example.com', roles: [] },
            sourceIp,
            method: 'GET',
            path: '/',
            time: new Date(0),
          });
          expect(decision.allowed).toBe(expected);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
