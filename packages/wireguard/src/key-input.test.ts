import { createReadStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureKeyFile, readKeyFile, readKeyFromStream } from './key-input.js';
import { publicKeyFromPrivate } from './keys.js';

const KEY = 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rwg-key-input-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function keyFile(name: string, content: string, mode: number): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  // chmod after writing: writeFile's mode is filtered by the umask.
  await chmod(path, mode);
  return path;
}

describe('readKeyFile', () => {
  it('reads a 0600 file as wg genkey writes it (key and newline)', async () => {
    expect(await readKeyFile(await keyFile('ok.key', `${KEY}\n`, 0o600))).toBe(KEY);
  });

  it('reads an owner-only 0400 file through a symlink', async () => {
    const target = await keyFile('target.key', KEY, 0o400);
    const link = join(dir, 'link.key');
    await symlink(target, link);
    expect(await readKeyFile(link)).toBe(KEY);
  });

  it.each([0o644, 0o640, 0o604, 0o620, 0o602])('refuses a file with mode %o and says how to fix it', async (mode) => {
    const path = await keyFile(`open-${mode.toString(8)}.key`, `${KEY}\n`, mode);
    const err: unknown = await readKeyFile(path).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'ERR_WG_KEY_FILE' });
    const { message } = err as Error;
    expect(message).toContain('accessible by group or others');
    expect(message).toContain(`chmod 600 ${path}`);
    expect(message).not.toContain(KEY);
  });

  it('refuses a missing file, a directory and an oversized file', async () => {
    const sub = join(dir, 'a-directory');
    await mkdir(sub, { mode: 0o700 });
    const big = await keyFile('big.key', `${KEY}\n`.repeat(100), 0o600);
    for (const path of [join(dir, 'missing.key'), sub, big]) {
      await expect(readKeyFile(path)).rejects.toMatchObject({ code: 'ERR_WG_KEY_FILE' });
    }
  });

  it('refuses a file whose content is not exactly one key', async () => {
    for (const [name, content] of [
      ['empty', ''],
      ['leading-space', ` ${KEY}`],
      ['two-keys', `${KEY}\n${KEY}\n`],
      ['hex', `${'ab'.repeat(32)}\n`],
    ] as const) {
      const path = await keyFile(`${name}.key`, content, 0o600);
      await expect(readKeyFile(path)).rejects.toMatchObject({ code: 'ERR_WG_KEY_INVALID' });
    }
  });
});

describe('readKeyFromStream', () => {
  it('reads a key split across chunks, with trailing whitespace', async () => {
    expect(await readKeyFromStream(Readable.from([KEY.slice(0, 10), Buffer.from(KEY.slice(10)), '\r\n']))).toBe(KEY);
  });

  it('reads a key from a file stream', async () => {
    const path = await keyFile('stream.key', `${KEY}\n`, 0o600);
    expect(await readKeyFromStream(createReadStream(path))).toBe(KEY);
  });

  it('stops reading past 1 KiB', async () => {
    const endless = Readable.from(
      (function* () {
        for (;;) yield Buffer.alloc(100, 0x41);
      })(),
    );
    await expect(readKeyFromStream(endless)).rejects.toMatchObject({ code: 'ERR_WG_KEY_FILE' });
  });

  it('reports a failing stream and an empty one', async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error('EIO: input/output error'));
      },
    });
    await expect(readKeyFromStream(failing)).rejects.toMatchObject({
      code: 'ERR_WG_KEY_FILE',
      message: expect.stringContaining('input/output error'),
    });
    await expect(readKeyFromStream(Readable.from([]))).rejects.toMatchObject({ code: 'ERR_WG_KEY_INVALID' });
  });
});

describe('ensureKeyFile', () => {
  it('creates an owner-only key file once, then reads the same pair back', async () => {
    const path = join(dir, 'agent.key');
    const first = await ensureKeyFile(path);
    expect(first.publicKey).toBe(publicKeyFromPrivate(first.privateKey));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readFile(path, 'utf8')).toBe(`${first.privateKey}\n`);
    expect(await ensureKeyFile(path)).toEqual(first);
  });

  it('refuses an existing file others may read, and a directory it cannot write in', async () => {
    const open = await keyFile('shared.key', `${KEY}\n`, 0o644);
    await expect(ensureKeyFile(open)).rejects.toMatchObject({ code: 'ERR_WG_KEY_FILE' });
    await expect(ensureKeyFile(join(dir, 'missing', 'agent.key'))).rejects.toMatchObject({
      code: 'ERR_WG_KEY_FILE',
      message: expect.stringContaining('cannot create key file'),
    });
  });
});
