import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { wireguardErrors } from './errors.js';
import { generateKeyPair, parseKey, publicKeyFromPrivate, type KeyPair } from './keys.js';

// A key is 44 characters and a newline; anything much larger is not a key file.
const MAX_KEY_INPUT_BYTES = 1024;
// Any permission bit for group or others: read lets them take the key, write lets them swap it.
const GROUP_OR_OTHER_BITS = 0o077;

/**
 * Reads a key (private or preshared) from a file, as `wg set ... private-key FILE` does: the key, then optional
 * trailing whitespace. Refuses a file that group or others may access, or that is not a regular file, with
 * ERR_WG_KEY_FILE; a malformed key is ERR_WG_KEY_INVALID. Returns the key in base64.
 */
export async function readKeyFile(path: string): Promise<string> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY);
  } catch (err) {
    throw wireguardErrors.keyFile.create(`cannot read key file ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    // Checked through the open descriptor, so the file checked is the file read, even if the path is swapped.
    const info = await handle.stat();
    if (!info.isFile()) throw wireguardErrors.keyFile.create(`key file ${path} is not a regular file`);
    if ((info.mode & GROUP_OR_OTHER_BITS) !== 0) {
      const mode = (info.mode & 0o777).toString(8).padStart(4, '0');
      throw wireguardErrors.keyFile.create(
        `key file ${path} is accessible by group or others (mode ${mode}); restrict it with: chmod 600 ${path}`,
      );
    }
    if (info.size > MAX_KEY_INPUT_BYTES) {
      throw wireguardErrors.keyFile.create(`key file ${path} is ${info.size} bytes; a key file holds one key`);
    }
    return parseKeyText(await handle.readFile('utf8'), `key in ${path}`);
  } finally {
    await handle.close();
  }
}

/**
 * The key pair of an agent (a hub, a connector) kept in `path`: read with {@link readKeyFile}'s checks, or, when
 * the file does not exist, generated and written there with mode 0600 (`O_EXCL`: never over another file). The
 * private key never leaves the file and this process.
 */
export async function ensureKeyFile(path: string): Promise<KeyPair> {
  let handle;
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw wireguardErrors.keyFile.create(`cannot create key file ${path}: ${(err as Error).message}`, { cause: err });
    }
    const privateKey = await readKeyFile(path);
    return { privateKey, publicKey: publicKeyFromPrivate(privateKey) };
  }
  try {
    const pair = generateKeyPair();
    await handle.writeFile(`${pair.privateKey}\n`);
    await handle.sync();
    return pair;
  } finally {
    await handle.close();
  }
}

/**
 * Reads a key from a stream such as `process.stdin` (`wg genkey | rustronaut ...`), to its end: the key, then
 * optional trailing whitespace. Stops with ERR_WG_KEY_FILE past 1 KiB; a malformed key is ERR_WG_KEY_INVALID.
 * Returns the key in base64.
 */
export async function readKeyFromStream(stream: AsyncIterable<string | Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += bytes.length;
      if (size > MAX_KEY_INPUT_BYTES) {
        throw wireguardErrors.keyFile.create(`key input is larger than ${MAX_KEY_INPUT_BYTES} bytes; expected one key`);
      }
      chunks.push(bytes);
    }
  } catch (err) {
    if ((err as { code?: unknown }).code === wireguardErrors.keyFile.code) throw err;
    throw wireguardErrors.keyFile.create(`cannot read key input: ${(err as Error).message}`, { cause: err });
  }
  return parseKeyText(Buffer.concat(chunks).toString('utf8'), 'key input');
}

// `wg` accepts trailing whitespace after the key (the newline `wg genkey` prints), nothing else.
function parseKeyText(text: string, name: string): string {
  const key = text.trimEnd();
  parseKey(key, name);
  return key;
}
