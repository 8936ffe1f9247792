// A small network of namespaces for the tunnel e2e test and bench/tunnel: namespaces joined by veth pairs, and
// processes run inside them (by pid, always stopped and deleted at the end). Needs root and iproute2.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';

/** A process started in a namespace: its output so far and its exit. */
export interface LabProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<number | null>;
  output(): string;
}

/** Namespaces created for one run, removed by {@link Lab.close}. */
export interface Lab {
  /** Random hex of this run: namespace and interface names carry it (`/var/run/wireguard` is shared). */
  readonly id: string;
  /** Creates a namespace `<name>-<id>` with its loopback up; returns its full name. */
  namespace(name: string): string;
  /** Joins two namespaces with a veth pair, `a` getting `addressA` and `b` `addressB` (CIDR). */
  link(a: string, addressA: string, b: string, addressB: string): void;
  /**
   * Gives a namespace its own `/etc/hosts` (`ip netns exec` mounts `/etc/netns/<ns>/hosts` over it), so the
   * processes started in it resolve these names through the system's resolver (getaddrinfo).
   */
  hosts(ns: string, entries: Readonly<Record<string, string>>): void;
  /** Runs a command in a namespace and returns its stdout; throws with its stderr on failure. */
  exec(ns: string, command: string, args: readonly string[]): string;
  /**
   * Starts a long-running process in a namespace (`env` is its whole environment, with PATH). `input` is written
   * to its stdin, which is then closed; with `interactive`, stdin stays open for {@link lineClient}.
   */
  start(
    ns: string,
    command: string,
    args: readonly string[],
    env?: Record<string, string>,
    options?: { readonly input?: string; readonly interactive?: boolean },
  ): LabProcess;
  /** The last `chars` characters each process started here printed, for a failure's message. */
  tails(chars?: number): string;
  /** Stops every process started here (SIGTERM, then SIGKILL after 5 s) and deletes the namespaces. */
  close(): Promise<void>;
}

/** `ip` by its full path: a process may be started with a PATH that lacks it (to test what it says then). */
const IP =
  (process.env['PATH'] ?? '')
    .split(':')
    .map((dir) => join(dir, 'ip'))
    .find((path) => existsSync(path)) ?? 'ip';

/** Creates an empty lab. */
export function createLab(): Lab {
  const id = randomBytes(3).toString('hex');
  const namespaces: string[] = [];
  const processes: LabProcess[] = [];
  let links = 0;
  const ip = (args: readonly string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  return {
    id,
    namespace(name) {
      const ns = `${name}-${id}`;
      ip(['netns', 'add', ns]);
      namespaces.push(ns);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      return ns;
    },
    link(a, addressA, b, addressB) {
      const n = String(links++);
      const [ifA, ifB] = [`v${n}a${id}`, `v${n}b${id}`];
      ip(['link', 'add', ifA, 'netns', a, 'type', 'veth', 'peer', 'name', ifB, 'netns', b]);
      ip(['-n', a, 'address', 'add', addressA, 'dev', ifA]);
      ip(['-n', b, 'address', 'add', addressB, 'dev', ifB]);
      ip(['-n', a, 'link', 'set', ifA, 'up']);
      ip(['-n', b, 'link', 'set', ifB, 'up']);
    },
    hosts(ns, entries) {
      mkdirSync(`/etc/netns/${ns}`, { recursive: true });
      const lines = Object.entries(entries).map(([name, address]) => `${address} ${name}\n`);
      writeFileSync(`/etc/netns/${ns}/hosts`, `127.0.0.1 localhost\n${lines.join('')}`);
    },
    exec(ns, command, args) {
      try {
        return execFileSync('ip', ['netns', 'exec', ns, command, ...args], {
          stdio: ['ignore', 'pipe', 'pipe'],
        }).toString();
      } catch (err) {
        const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
        throw new Error(`${command} ${args.join(' ')} in ${ns} failed: ${stderr || (err as Error).message}`, {
          cause: err,
        });
      }
    },
    start(ns, command, args, env = {}, options = {}) {
      const piped = options.input !== undefined || options.interactive === true;
      // `ip netns exec` execs the command: the pid is the command's own.
      const child = spawn(IP, ['netns', 'exec', ns, command, ...args], {
        env: { PATH: process.env['PATH'] ?? '', ...env },
        stdio: [piped ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      });
      if (options.input !== undefined) child.stdin?.end(options.input);
      let out = '';
      child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const started: LabProcess = { child, pid: child.pid ?? -1, exited, output: () => out };
      processes.push(started);
      return started;
    },
    tails(chars = 2000) {
      return processes
        .map(
          (p) => `--- ${p.child.spawnargs.slice(3, 6).join(' ')} (pid ${String(p.pid)}):\n${p.output().slice(-chars)}`,
        )
        .join('\n');
    },
    async close() {
      await Promise.all(
        processes.map(async (p) => {
          if (p.child.exitCode !== null || p.child.signalCode !== null) return;
          p.child.kill('SIGTERM');
          const timer = setTimeout(() => p.child.kill('SIGKILL'), 5000);
          await p.exited;
          clearTimeout(timer);
        }),
      );
      // A device whose agent was killed outlives it (and its namespace): ours carry the run's id in their name.
      for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
        try {
          const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
          if (basename(argv[0] ?? '') === 'wireguard-go' && argv[1] === '-f' && argv[2]?.endsWith(id)) {
            process.kill(Number(entry), 'SIGKILL');
            rmSync(`/var/run/wireguard/${argv[2]}.sock`, { force: true });
          }
        } catch {
          // ended meanwhile
        }
      }
      for (const ns of namespaces.splice(0)) {
        try {
          ip(['netns', 'delete', ns]);
        } catch {
          // already gone
        }
        rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
      }
    },
  };
}

/** A JSON-lines request/answer process (an HTTP client living in a namespace). */
export interface LineClient {
  /** Sends one message and resolves with the answer carrying its `id`. */
  send(message: Record<string, unknown>): Promise<unknown>;
}

/** Talks to a process that answers each JSON line on stdin with one JSON line on stdout carrying the same `id`. */
export function lineClient(process: LabProcess): LineClient {
  const waiting = new Map<number, (answer: unknown) => void>();
  let next = 0;
  if (process.child.stdout === null || process.child.stdin === null) throw new Error('lineClient: needs pipes');
  createInterface({ input: process.child.stdout }).on('line', (line) => {
    try {
      const answer = JSON.parse(line) as Record<string, unknown>;
      waiting.get(answer['id'] as number)?.(answer);
      waiting.delete(answer['id'] as number);
    } catch {
      // not an answer
    }
  });
  return {
    send(message) {
      const id = next++;
      return new Promise((resolve) => {
        waiting.set(id, resolve);
        process.child.stdin?.write(`${JSON.stringify({ ...message, id })}\n`);
      });
    },
  };
}
