import { errors } from '@rustronaut/errors';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Name of the key file created in the data directory when no key is configured. */
export const MASTER_KEY_FILE = 'master.key';

/** Decodes a configured key: 64 hex digits or base64 of 32 bytes (the config schema checked it). */
export function decodeMasterKey(text: string): Buffer {
  const trimmed = text.trim();
  return /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
}

/**
 * The master key: `configured` (RUSTRONAUT_MASTER_KEY) when given, otherwise the key file in `dataDir`,
 * created with 32 random bytes and mode 0600 on first start. A key file readable by group or others is refused.
 */
export async function loadMasterKey(configured: string | undefined, dataDir: string): Promise<Buffer> {
  if (configured !== undefined) return decodeMasterKey(configured);
  const file = join(dataDir, MASTER_KEY_FILE);
  try {
    await writeFile(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw errors.startupDataDir.create(`cannot create ${file}: ${(err as Error).message}`);
    }
  }
  const mode = (await stat(file)).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw errors.startupDataDir.create(
      `${file} has mode 0${mode.toString(8)}: the master key file must be readable by its owner only (chmod 600)`,
    );
  }
  const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
  if (key.length !== 32) throw errors.startupDataDir.create(`${file} does not hold a 32-byte base64 key`);
  return key;
}
