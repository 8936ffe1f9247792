import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeHost } from './normalize-host.js';

const label63 = 'a'.repeat(63);
// 3 * 64 + 61 = 253 characters: the longest name there is.
const name253 = `${label63}.${label63}.${label63}.${'b'.repeat(61)}`;

describe('normalizeHost', () => {
  it.each([
    ['app.example.com', 'app.example.com'],
    ['App.Example.COM', 'app.example.com'],
    ['app.example.com:8080', 'app.example.com'],
    ['APP.example.com:443', 'app.example.com'],
    ['app.example.com.', 'app.example.com'],
    ['app.example.com.:8000', 'app.example.com'],
    ['localhost', 'localhost'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['a-b.c-d', 'a-b.c-d'],
    ['127.0.0.1:8000', '127.0.0.1'],
    ['[::1]', '[::1]'],
    ['[::1]:8080', '[::1]'],
    ['[2001:DB8::A]:443', '[2001:db8::a]'],
    ['[::ffff:192.0.2.1]', '[::ffff:192.0.2.1]'],
    ['host:1', 'host'],
    ['host:65535', 'host'],
    ['host:00080', 'host'],
    [`${label63}.com`, `${label63}.com`],
    [name253, name253],
    [`${name253}.`, name253],
    [`${name253}.:65535`, name253],
  ])('%j is %j', (input, expected) => {
    expect(normalizeHost(input)).toBe(expected);
  });

  it('returns an already normal header itself', () => {
    const header = 'app.example.com';
    expect(normalizeHost(header)).toBe(header);
  });

  it.each([
    [undefined],
    [''],
    ['.'],
    [':8080'],
    ['.example.com'],
    ['example..com'],
    ['example.com..'],
    ['exa mple.com'],
    [' example.com'],
    ['example.com '],
    ['example.com\t'],
    ['example.com\r\nx-injected: 1'],
    ['exa\u0000mple.com'],
    ['exämple.com'],
    ['例え.jp'],
    ['ex_ample.com'],
    ['-example.com'],
    ['example-.com'],
    ['a.-b.com'],
    ['user@example.com'],
    ['user:pass@example.com'],
    ['example.com/path'],
    ['example.com?x'],
    ['example.com#x'],
    ['*.example.com'],
    ['example.com:'],
    ['example.com:0'],
    ['example.com:65536'],
    ['example.com:123456'],
    ['example.com:80a'],
    ['example.com:-1'],
    ['example.com: 80'],
    ['example.com:80:80'],
    [`${'a'.repeat(64)}.com`],
    [`${name253}x`],
    [`a.${name253}`],
    ['[::1'],
    ['::1'],
    ['[::1]x'],
    ['[::1]:'],
    ['[::1]:99999'],
    ['[::1]]'],
    ['[]'],
    ['[not-ip]'],
    ['[127.0.0.1]'],
    ['[fe80::1%25eth0]'],
    ['[fe80::1%eth0]'],
    ['[v1.fe80::a+en1]'],
    ['x'.repeat(100_000)],
  ])('refuses %j', (input) => {
    expect(normalizeHost(input)).toBeUndefined();
  });

  it('never throws, and returns a lowercase name without port or root dot, or nothing', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc.stringMatching(/^[A-Za-z0-9.:\-[\]_]{0,300}$/),
          fc.domain().map((d) => `${d}.`),
        ),
        (input) => {
          const host = normalizeHost(input);
          if (host === undefined) return;
          expect(host).toBe(host.toLowerCase());
          expect(host.length).toBeGreaterThan(0);
          expect(host.endsWith('.')).toBe(false);
          if (!host.startsWith('[')) {
            expect(host).not.toContain(':');
            expect(host.length).toBeLessThanOrEqual(253);
          }
        },
      ),
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc.domain(),
          fc.ipV6().map((a) => `[${a}]`),
        ),
        (input) => {
          const host = normalizeHost(input);
          if (host !== undefined) expect(normalizeHost(host)).toBe(host);
        },
      ),
    );
  });

  it('accepts every domain name in any case, with any port and root dot, as its lowercase self', () => {
    fc.assert(
      fc.property(
        fc.domain(),
        fc.boolean(),
        fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
        fc.infiniteStream(fc.boolean()),
        (domain, rootDot, port, upper) => {
          const mixed = [...domain].map((ch) => (upper.next().value ? ch.toUpperCase() : ch)).join('');
          const header = `${mixed}${rootDot ? '.' : ''}${port === undefined ? '' : `:${String(port)}`}`;
          expect(normalizeHost(header)).toBe(domain.toLowerCase());
        },
      ),
    );
  });
});
