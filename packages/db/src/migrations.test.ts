import { execFile } from 'node:child_process';
import { cp, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { makeTempDir, type TempDir } from '@rustronaut/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { migrationsFolder } from './migrations-folder.js';

// The committed SQL must be what drizzle-kit generates from src/schema.ts: a schema change without
// `npm run db:generate` would otherwise ship a database that lacks it.

const drizzleKit = join(dirname(createRequire(import.meta.url).resolve('drizzle-kit')), 'bin.cjs');
const schemaFile = fileURLToPath(new URL('./schema.ts', import.meta.url));

let temp: TempDir | undefined;
afterEach(async () => {
  await temp?.remove();
  temp = undefined;
});

/** Runs `drizzle-kit generate` against a copy of `from` (or an empty folder) and lists the files it ends with. */
async function generateInto(from: string | undefined): Promise<{ output: string; files: string[] }> {
  temp = await makeTempDir('rustronaut-migrations-');
  const out = join(temp.path, 'migrations');
  if (from !== undefined) await cp(from, out, { recursive: true });
  // drizzle-kit prefixes paths with './' (so absolute ones break) and exits 0 even on errors:
  // run it from the temp dir with relative paths and judge by the files it leaves.
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    [drizzleKit, 'generate', '--dialect=postgresql', `--schema=${relative(temp.path, schemaFile)}`, '--out=migrations'],
    { cwd: temp.path, timeout: 20_000 },
  );
  const files = (await readdir(out, { recursive: true })).map(String).sort();
  return { output: stdout + stderr, files };
}

async function committedFiles(): Promise<string[]> {
  return (await readdir(migrationsFolder, { recursive: true })).map(String).sort();
}

describe('committed migrations', () => {
  it('match src/schema.ts: drizzle-kit generate finds nothing to add', async () => {
    const { output, files } = await generateInto(migrationsFolder);
    expect(files).toEqual(await committedFiles());
    expect(output).toContain('No schema changes');
  });

  it('the check can fail: from an empty folder drizzle-kit writes a migration', async () => {
    const { files } = await generateInto(undefined);
    expect(files.some((file) => file.endsWith('.sql'))).toBe(true);
  });
});
