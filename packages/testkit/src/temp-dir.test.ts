import { access, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from './temp-dir.js';

describe('makeTempDir', () => {
  it('creates a fresh directory under the OS temp dir and removes it with its contents', async () => {
    const dir = await makeTempDir('rustronaut-tk-');
    expect(dirname(dir.path)).toBe(tmpdir());
    expect(basename(dir.path)).toMatch(/^rustronaut-tk-.+/);
    await writeFile(join(dir.path, 'file.txt'), 'x');
    await dir.remove();
    await expect(access(dir.path)).rejects.toMatchObject({ code: 'ENOENT' });
    await dir.remove();
  });

  it('gives each call its own directory', async () => {
    const [a, b] = await Promise.all([makeTempDir('rustronaut-tk-'), makeTempDir('rustronaut-tk-')]);
    expect(a.path).not.toBe(b.path);
    await Promise.all([a.remove(), b.remove()]);
  });

  it('is removed at the end of an `await using` block', async () => {
    let path: string;
    {
      await using dir = await makeTempDir('rustronaut-tk-');
      path = dir.path;
      await access(path);
    }
    await expect(access(path)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('rejects a prefix with a path separator', async () => {
    await expect(makeTempDir('../escape-')).rejects.toThrow(TypeError);
  });
});
