import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temporary directory; see {@link makeTempDir}. */
export interface TempDir {
  /** Absolute path of the directory. */
  readonly path: string;
  /** Deletes the directory and everything in it. Idempotent. */
  remove(): Promise<void>;
  /** Same as {@link TempDir.remove}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Creates an empty directory under the OS temp directory, named `<prefix><random>`. */
export async function makeTempDir(prefix: string): Promise<TempDir> {
  if (prefix.includes('/') || prefix.includes('\\')) {
    throw new TypeError(`makeTempDir: prefix must be a plain name, got "${prefix}"`);
  }
  const path = await mkdtemp(join(tmpdir(), prefix));
  const remove = (): Promise<void> => rm(path, { recursive: true, force: true });
  return { path, remove, [Symbol.asyncDispose]: remove };
}
