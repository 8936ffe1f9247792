import { makeTempDir, type TempDir } from '@rustronaut/testkit';
import { randomBytes } from 'node:crypto';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeMasterKey, loadMasterKey, MASTER_KEY_FILE } from './master-key.js';
import { createSecretBox } from './secret-box.js';

describe('secret box (AES-256-GCM under the master key)', () => {
  const box = createSecretBox(randomBytes(32));

  it('seals and opens, with a fresh IV each time', () => {
    const a = box.seal('private key', 'signing-key:1');
    const b = box.seal('private key', 'signing-key:1');
    expect(a).toMatch(/^v1\.[\w-]{16}\.[\w-]+$/);
    expect(a).not.toBe(b);
    expect(box.open(a, 'signing-key:1').toString()).toBe('private key');
  });

  it('refuses another context, another key, a tampered or malformed ciphertext', () => {
    const sealed = box.seal('secret', 'totp:a');
    expect(() => box.open(sealed, 'totp:b')).toThrow(expect.objectContaining({ code: 'ERR_SECRET_UNREADABLE' }));
    expect(() => createSecretBox(randomBytes(32)).open(sealed, 'totp:a')).toThrow(/RUSTRONAUT_MASTER_KEY/);
    const [v, iv, body] = sealed.split('.') as [string, string, string];
    const tampered = Buffer.from(body, 'base64url');
    tampered[0] = (tampered[0] ?? 0) ^ 0x01; // always a different ciphertext byte
    const flipped = `${v}.${iv}.${tampered.toString('base64url')}`;
    expect(() => box.open(flipped, 'totp:a')).toThrow(expect.objectContaining({ code: 'ERR_SECRET_UNREADABLE' }));
    for (const garbage of ['', 'v2.a.b', 'v1..', 'v1.AAAA.AAAA', 'plain text']) {
      expect(() => box.open(garbage, 'totp:a')).toThrow(expect.objectContaining({ code: 'ERR_SECRET_UNREADABLE' }));
    }
    expect(() => createSecretBox(randomBytes(16))).toThrow(/32 bytes/);
  });
});

describe('master key', () => {
  let dir: TempDir | undefined;
  afterEach(async () => {
    await dir?.remove();
    dir = undefined;
  });

  it('decodes a configured key from base64 or hex', async () => {
    const key = randomBytes(32);
    expect(decodeMasterKey(key.toString('hex'))).toEqual(key);
    expect(decodeMasterKey(` ${key.toString('base64')}\n`)).toEqual(key);
    dir = await makeTempDir('rustronaut-mk-');
    expect(await loadMasterKey(key.toString('base64'), dir.path)).toEqual(key);
  });

  it('creates a 0600 key file on first start and reads the same key afterwards', async () => {
    dir = await makeTempDir('rustronaut-mk-');
    const first = await loadMasterKey(undefined, dir.path);
    expect(first).toHaveLength(32);
    const file = join(dir.path, MASTER_KEY_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await loadMasterKey(undefined, dir.path)).toEqual(first);
    expect((await readFile(file, 'utf8')).trim()).toBe(first.toString('base64'));
  });

  it('refuses a key file others can read, or one that holds no 32-byte key', async () => {
    dir = await makeTempDir('rustronaut-mk-');
    const file = join(dir.path, MASTER_KEY_FILE);
    await writeFile(file, randomBytes(32).toString('base64'), { mode: 0o644 });
    await chmod(file, 0o644);
    await expect(loadMasterKey(undefined, dir.path)).rejects.toThrow(/mode 0644.*chmod 600/);
    await writeFile(file, 'short', { mode: 0o600 });
    await chmod(file, 0o600);
    await expect(loadMasterKey(undefined, dir.path)).rejects.toThrow(/does not hold a 32-byte base64 key/);
    await expect(loadMasterKey(undefined, join(dir.path, 'missing', 'dir'))).rejects.toMatchObject({
      code: 'ERR_STARTUP_DATA_DIR',
    });
  });
});
