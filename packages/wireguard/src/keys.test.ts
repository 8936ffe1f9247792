import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { generateKeyPair, generatePresharedKey, keyFromHex, keyToHex, parseKey, publicKeyFromPrivate } from './keys.js';

// Expected public keys as `wg pubkey` (wireguard-tools v1.0.20210914) printed them for these private keys.
const VECTORS = [
  // RFC 7748 §6.1, Alice's key pair.
  ['dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=', 'hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo='],
  ['yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=', 'HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw='],
  // All bits set: only right if the scalar is clamped (RFC 7748 §5) as wg does.
  ['//////////////////////////////////////////8=', 'hHwNLDdSNPNl5mCVUYejc1oPdhPRYJ06ak2MU66qWiI='],
  ['AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', 'L+V9o0fNYkMVKNqsX7spBzD/9oSvxM/C7ZCZX1jLO3Q='],
] as const;

const WG_KEY_FORMAT = /^[A-Za-z0-9+/]{43}=$/;

function wgInstalled(): boolean {
  try {
    execFileSync('wg', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('publicKeyFromPrivate', () => {
  it.each(VECTORS)('derives the public key wg pubkey prints for %s', (privateKey, publicKey) => {
    expect(publicKeyFromPrivate(privateKey)).toBe(publicKey);
  });

  it('refuses a malformed private key without echoing it', () => {
    const hex = 'ab'.repeat(32);
    const err = catchError(() => publicKeyFromPrivate(hex));
    expect(err).toMatchObject({ code: 'ERR_WG_KEY_INVALID', status: 400 });
    expect(err.message).toContain('looks like hex');
    expect(err.message).not.toContain(hex);
  });
});

describe('generateKeyPair', () => {
  it('makes distinct pairs in wg format whose public key matches the private one', () => {
    const pairs = Array.from({ length: 20 }, () => generateKeyPair());
    for (const { privateKey, publicKey } of pairs) {
      expect(privateKey).toMatch(WG_KEY_FORMAT);
      expect(publicKey).toMatch(WG_KEY_FORMAT);
      expect(publicKeyFromPrivate(privateKey)).toBe(publicKey);
    }
    expect(new Set(pairs.map((p) => p.privateKey)).size).toBe(pairs.length);
  });

  it('clamps private keys like wg genkey', () => {
    for (let i = 0; i < 20; i++) {
      const raw = parseKey(generateKeyPair().privateKey);
      expect(raw[0]! & 0b111).toBe(0);
      expect(raw[31]! & 0b1100_0000).toBe(0b0100_0000);
    }
  });

  it.skipIf(!wgInstalled())('agrees with wg pubkey on fresh keys (wg installed)', () => {
    const { privateKey, publicKey } = generateKeyPair();
    const fromWg = execFileSync('wg', ['pubkey'], { input: `${privateKey}\n`, encoding: 'utf8' }).trim();
    expect(fromWg).toBe(publicKey);
  });
});

describe('generatePresharedKey', () => {
  it('makes distinct 32-byte keys in wg format', () => {
    const keys = new Set(Array.from({ length: 20 }, () => generatePresharedKey()));
    expect(keys.size).toBe(20);
    for (const key of keys) {
      expect(key).toMatch(WG_KEY_FORMAT);
      expect(parseKey(key)).toHaveLength(32);
    }
  });
});

describe('parseKey', () => {
  it('decodes a key to its 32 bytes', () => {
    expect(parseKey(VECTORS[0][0]).toString('hex')).toBe(
      '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a',
    );
  });

  it.each([
    ['too short', VECTORS[0][0].slice(1), 'got 43 characters'],
    ['too long', `A${VECTORS[0][0]}`, 'got 45 characters'],
    ['31 bytes', `${'A'.repeat(42)}==`, 'not canonical'],
    ['non-canonical padding bits', `${'A'.repeat(42)}B=`, 'not canonical'],
    ['base64url', `${'-'.repeat(43)}=`, 'base64url'],
    ['trailing newline', `${VECTORS[0][0]}\n`, 'whitespace'],
    ['hex', '00'.repeat(32), 'looks like hex'],
    ['empty', '', 'got 0 characters'],
  ])('refuses %s with a message that says why', (_name, text, reason) => {
    const err = catchError(() => parseKey(text, 'peers[0].publicKey'));
    expect(err).toMatchObject({ code: 'ERR_WG_KEY_INVALID' });
    expect(err.message).toContain('peers[0].publicKey is not a WireGuard key');
    expect(err.message).toContain(reason);
  });

  it('refuses a value that is not a string', () => {
    expect(() => parseKey(42 as unknown as string)).toThrow(expect.objectContaining({ code: 'ERR_WG_KEY_INVALID' }));
  });
});

describe('hex conversion', () => {
  it('converts base64 to the lowercase hex UAPI uses and back', () => {
    const hex = keyToHex(VECTORS[2][0]);
    expect(hex).toBe('ff'.repeat(32));
    expect(keyFromHex(hex)).toBe(VECTORS[2][0]);
    expect(keyFromHex(hex.toUpperCase())).toBe(VECTORS[2][0]);
  });

  it('refuses hex of the wrong length or with other characters', () => {
    for (const bad of ['ab'.repeat(31), `${'ab'.repeat(31)}zz`, `${'ab'.repeat(32)}\n`]) {
      expect(() => keyFromHex(bad)).toThrow(expect.objectContaining({ code: 'ERR_WG_KEY_INVALID' }));
    }
  });
});

function catchError(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected an error');
}
