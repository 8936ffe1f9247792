// The small pure pieces of access: header ownership, bearer parsing, assertions, origins.
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { createAssertionSigner, generateSigningKey } from './assertion-signer.js';
import { bearerTokenOf, MAX_TOKEN_LENGTH } from './bearer-token.js';
import { createIdentity } from './identity.js';
import { isGatewayOwnedHeader } from './owned-headers.js';
import { clientScheme, identityHeaders, requestOrigin } from './upstream-identity.js';

describe('isGatewayOwnedHeader', () => {
  it.each([
    'x-rustronaut-user',
    'x_rustronaut_user',
    'x-rustronaut_email',
    'x_rustronaut-roles',
    'x-rustronaut-assertion',
    'x-rustronautx',
  ])('owns %s', (name) => expect(isGatewayOwnedHeader(name)).toBe(true));
  it.each([
    'x-rustronau',
    'rustronaut-user',
    'x-forwarded-for',
    'xx-rustronaut-user',
    'x.rustronaut-user',
    'x-rustronout-user',
    '',
  ])('leaves %s', (name) => expect(isGatewayOwnedHeader(name)).toBe(false));
  it('owns every case and separator variant of our names', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('-', '_'), minLength: 2, maxLength: 2 }),
        fc.boolean(),
        (seps, upper) => {
          const name = `x${seps[0] ?? '-'}rustronaut${seps[1] ?? '-'}user`;
          return isGatewayOwnedHeader((upper ? name.toUpperCase() : name).toLowerCase());
        },
      ),
    );
  });
});

describe('bearerTokenOf', () => {
  it('reads one compact JWT after a case-insensitive Bearer scheme', () => {
    expect(bearerTokenOf('Bearer a.b.c')).toEqual({ kind: 'token', token: 'a.b.c' });
    expect(bearerTokenOf('bEaReR   a-_.b.')).toEqual({ kind: 'token', token: 'a-_.b.' });
    expect(bearerTokenOf(undefined)).toEqual({ kind: 'missing' });
    expect(bearerTokenOf('')).toEqual({ kind: 'missing' });
  });
  it.each([
    'Bearer',
    'Bearer ',
    'Basic a.b.c',
    'Bearer a.b',
    'Bearer a.b.c ',
    'Bearer a.b.c.d',
    'Bearer a+b.c.d',
    'Bearer\ta.b.c',
    `Bearer ${'a'.repeat(MAX_TOKEN_LENGTH)}.b.c`,
  ])('refuses %j', (header) => expect(bearerTokenOf(header).kind).toBe('malformed'));
  it('never throws, and only returns tokens of the JWT shape', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        const parsed = bearerTokenOf(`Bearer ${s}`);
        return parsed.kind !== 'token' || /^[\w-]+\.[\w-]+\.[\w-]*$/.test(parsed.token);
      }),
    );
  });
});

const alice = createIdentity({
  sub: 'alice',
  email: 'alice@example.com',
  roles: ['admin', 'dev'],
  method: 'jwt',
  certificateThumbprint: undefined,
});

describe('createAssertionSigner', () => {
  it('signs EdDSA assertions that verify against its JWKS, valid for at most 5 minutes, reused while fresh', async () => {
    const signer = createAssertionSigner({ issuer: 'gw', key: generateSigningKey() });
    const token = signer.assertionFor(alice, 'https://app.test');
    const jwks = createLocalJWKSet(JSON.parse(signer.jwks.toString()) as Parameters<typeof createLocalJWKSet>[0]);
    const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer: 'gw', audience: 'https://app.test' });
    expect(protectedHeader).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: signer.kid });
    expect(payload).toMatchObject({ sub: 'alice', email: 'alice@example.com', roles: ['admin', 'dev'], amr: ['jwt'] });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(300);
    expect(signer.assertionFor(alice, 'https://app.test')).toBe(token);
    expect(signer.assertionFor(alice, 'https://other.test')).not.toBe(token);
    const bob = createIdentity({ ...alice, sub: 'bob' });
    expect(signer.assertionFor(bob, 'https://app.test')).not.toBe(token);
  });

  it('refuses keys that are not Ed25519 private keys', () => {
    expect(() =>
      createAssertionSigner({ issuer: 'gw', key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey }),
    ).toThrow(/Ed25519/);
    expect(() => createAssertionSigner({ issuer: 'gw', key: generateKeyPairSync('ed25519').publicKey })).toThrow(
      /Ed25519/,
    );
  });
});

describe('identityHeaders', () => {
  const signer = createAssertionSigner({ issuer: 'gw', key: generateSigningKey() });
  it('sends plain headers only on request, and only printable ASCII values', () => {
    expect(identityHeaders(signer, alice, 'https://a.test', false).filter((_, i) => i % 2 === 0)).toEqual([
      'x-rustronaut-assertion',
    ]);
    expect(identityHeaders(signer, alice, 'https://a.test', true).filter((_, i) => i % 2 === 0)).toEqual([
      'x-rustronaut-assertion',
      'x-rustronaut-user',
      'x-rustronaut-email',
      'x-rustronaut-roles',
    ]);
    const odd = createIdentity({ ...alice, sub: 'zoë', email: 'a\u00e9@x.test', roles: ['a,b', 'ok', 'bad\u0001'] });
    const list = identityHeaders(signer, odd, 'https://a.test', true);
    expect(list.filter((_, i) => i % 2 === 0)).toEqual(['x-rustronaut-assertion', 'x-rustronaut-roles']);
    expect(list[3]).toBe('ok');
  });
});

describe('requestOrigin and clientScheme', () => {
  it.each([
    ['http', 'app.test', 'app.test', 'http://app.test'],
    ['http', 'app.test', 'App.Test:80', 'http://app.test'],
    ['https', 'app.test', 'app.test:443', 'https://app.test'],
    ['https', 'app.test', 'app.test:8443', 'https://app.test:8443'],
    ['http', '[::1]', '[::1]:8000', 'http://[::1]:8000'],
    ['http', '[::1]', '[::1]', 'http://[::1]'],
  ])('%s %s (Host %s) is %s', (proto, host, header, origin) => {
    expect(requestOrigin(proto, host, header)).toBe(origin);
  });
  it('believes X-Forwarded-Proto from trusted proxies only', () => {
    expect(clientScheme('https', true, 'http')).toBe('https');
    expect(clientScheme('https, http', true, 'http')).toBe('https');
    expect(clientScheme('https', false, 'http')).toBe('http');
    expect(clientScheme('gopher', true, 'http')).toBe('http');
    expect(clientScheme(undefined, true, 'https')).toBe('https');
  });
});
