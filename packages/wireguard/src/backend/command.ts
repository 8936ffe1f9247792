import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { wireguardErrors } from '../errors.js';

// Runs the tools that manage an interface (`ip`, `wg`), optionally inside a network namespace. Arguments never
// carry a secret: keys reach `wg` in files, and the device over its UAPI socket.

/** A command's argv, run directly (no shell), in `netns` when given. */
export interface CommandOptions {
  readonly netns?: string | undefined;
}

const COMMAND_TIMEOUT_MS = 10_000;

/** The argv that runs `argv` in `netns` (through `ip netns exec`), or `argv` itself. */
export function inNamespace(argv: readonly string[], netns: string | undefined): string[] {
  return netns === undefined ? [...argv] : ['ip', 'netns', 'exec', netns, ...argv];
}

/**
 * Runs a command and resolves to its stdout. A failure (exit status, signal, timeout, not found) rejects with
 * ERR_WG_COMMAND_FAILED naming the command and quoting its stderr.
 */
export function runCommand(argv: readonly string[], options: CommandOptions = {}): Promise<string> {
  const [file, ...args] = inNamespace(argv, options.netns);
  return new Promise((resolve, reject) => {
    execFile(file!, args, { timeout: COMMAND_TIMEOUT_MS, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error === null) {
        resolve(stdout);
        return;
      }
      const why = stderr.trim() || error.message;
      reject(wireguardErrors.commandFailed.create(`\`${argv.join(' ')}\` failed: ${why}`, { cause: error }));
    });
  });
}

/** The path of `command` if it is executable: itself when it has a slash, else the first match on PATH. */
export function findExecutable(command: string): string | undefined {
  const candidates = command.includes('/')
    ? [command]
    : (process.env['PATH'] ?? '')
        .split(delimiter)
        .filter((dir) => isAbsolute(dir))
        .map((dir) => join(dir, command));
  return candidates.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
