import { configSnapshot, type ConfigSnapshot } from '@rustronaut/contracts';
import { errors } from '@rustronaut/errors';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';

/** What an enrolled agent keeps about itself. */
export interface AgentIdentity {
  /** The gateway's (or hub's) id, or a connector's site id. */
  readonly agentId: string;
  readonly orgId: string;
  /** Base URL of the admin's control listener (mutual TLS). */
  readonly controlUrl: string;
  /** Private key (PKCS#8 PEM); it never left this machine. */
  readonly keyPem: string;
  readonly certPem: string;
  /** The admin CA: the only issuer trusted for the control listener. */
  readonly caPem: string;
}

// `gatewayId`: what gateways enrolled before the agent package wrote; still read.
const identityFile = z
  .union([
    z.object({ agentId: z.uuid(), orgId: z.uuid(), controlUrl: z.url() }),
    z.object({ gatewayId: z.uuid(), orgId: z.uuid(), controlUrl: z.url() }),
  ])
  .transform((f) => ({ agentId: 'agentId' in f ? f.agentId : f.gatewayId, orgId: f.orgId, controlUrl: f.controlUrl }));

/**
 * An agent's state directory, `<dataDir>/<name>/` (mode 0700): `key.pem` (0600), `cert.pem`, `ca.pem`,
 * `identity.json`, and `snapshot.json`, the last applied snapshot, from which the agent starts when the admin
 * is down; an agent may keep other files there ({@link AgentState.read}, {@link AgentState.write}). Every file is
 * written to a temporary name and renamed, so a crash never leaves half a file.
 */
export interface AgentState {
  readonly dir: string;
  /** A file of the directory, or undefined when it does not exist. */
  read(name: string): Promise<string | undefined>;
  /** Writes a file of the directory atomically, with `mode` (default 0644; 0600 for anything secret). */
  write(name: string, text: string, mode?: number): Promise<void>;
  /** The identity, or undefined before enrolment. Throws ERR_CONFIG_INVALID when the files are damaged. */
  loadIdentity(): Promise<AgentIdentity | undefined>;
  saveIdentity(identity: AgentIdentity): Promise<void>;
  /** The saved snapshot, or undefined when there is none or it is unreadable (`onInvalid` says why). */
  loadSnapshot(onInvalid: (reason: string) => void): Promise<ConfigSnapshot | undefined>;
  saveSnapshot(snapshot: ConfigSnapshot): Promise<void>;
}

/** Opens (creating it, 0700) the state directory `name` (`gateway`, `tunnel`, `connector`) under `dataDir`. */
export async function openAgentState(dataDir: string, name: string): Promise<AgentState> {
  const dir = resolve(dataDir, name);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw errors.startupDataDir.create(`cannot create the ${name} state directory ${dir}: ${String(err)}`, {
      cause: err,
    });
  }
  const path = (file: string) => join(dir, file);
  const write = async (file: string, text: string, mode = 0o644) => {
    const temp = path(`.${file}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await writeFile(temp, text, { mode, flush: true });
      await rename(temp, path(file));
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  };
  const read = async (file: string) => {
    try {
      return await readFile(path(file), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  };

  return {
    dir,
    read,
    write,
    async loadIdentity() {
      const text = await read('identity.json');
      if (text === undefined) return undefined;
      const [keyPem, certPem, caPem] = await Promise.all([read('key.pem'), read('cert.pem'), read('ca.pem')]);
      let meta: z.infer<typeof identityFile> | undefined;
      try {
        meta = identityFile.parse(JSON.parse(text));
      } catch {
        meta = undefined;
      }
      if (meta === undefined || keyPem === undefined || certPem === undefined || caPem === undefined) {
        throw errors.configInvalid.create(
          `the ${name} identity in ${dir} is incomplete or damaged: remove the directory and enrol again with a new token`,
        );
      }
      return { ...meta, keyPem, certPem, caPem };
    },
    async saveIdentity(identity) {
      // The key first and owner-only; identity.json last, so it only exists when everything it needs does.
      await write('key.pem', identity.keyPem, 0o600);
      await write('cert.pem', identity.certPem);
      await write('ca.pem', identity.caPem);
      const { agentId, orgId, controlUrl } = identity;
      await write('identity.json', `${JSON.stringify({ agentId, orgId, controlUrl }, null, 2)}\n`);
    },
    async loadSnapshot(onInvalid) {
      const text = await read('snapshot.json');
      if (text === undefined) return undefined;
      try {
        return configSnapshot.parse(JSON.parse(text));
      } catch (err) {
        onInvalid(err instanceof Error ? err.message : String(err));
        return undefined;
      }
    },
    // 0600: a gateway's snapshot holds the org's intent and assertion keys.
    saveSnapshot: (snapshot) => write('snapshot.json', `${JSON.stringify(snapshot)}\n`, 0o600),
  };
}
