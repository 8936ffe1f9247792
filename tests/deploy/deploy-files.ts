/* eslint-disable @typescript-eslint/no-explicit-any -- parsed YAML is untyped data; these tests check its shape */
import { createProgram } from '@rustronaut/cli';
import { listConfigFields } from '@rustronaut/config';
import { readFile } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Reads a file of the repository. */
export const readRepoFile = (path: string): Promise<string> => readFile(`${ROOT}${path}`, 'utf8');

/** A YAML file's documents as plain objects (throws on a YAML error, naming the file). */
export async function readYaml(path: string): Promise<Array<Record<string, any>>> {
  const docs = parseAllDocuments(await readRepoFile(path), { merge: true });
  return docs.map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS() as Record<string, any>;
  });
}

/**
 * Roles the deployment files run that the `rustronaut` command does not have yet, because another issue adds them.
 * The tests fail once a role listed here exists, so the list shrinks.
 */
export const PENDING_ROLES: string[] = [];

/** The commands of `rustronaut`, from the real command tree. */
export function cliCommands(): string[] {
  const io = {
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    env: {},
    cwd: ROOT,
    waitForShutdown: () => new Promise<string>(() => undefined),
    onReload: () => undefined,
    armShutdownDeadline: () => undefined,
  };
  return createProgram(io).commands.map((c) => c.name());
}

/** Every environment variable the static configuration reads (packages/config). */
export const configEnvVars = (): Set<string> => new Set(listConfigFields().map(({ field }) => field.env));

/** Names that look like they hold a secret. */
export const SECRET_NAME = /PASSWORD|SECRET|TOKEN|MASTER_KEY|PRIVATE|DATABASE_URL|REDIS_URL/i;
