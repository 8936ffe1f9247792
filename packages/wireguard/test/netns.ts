import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { describe, it } from 'vitest';
import { findExecutable } from '../src/backend/command.js';

// Test helpers for real WireGuard tools: prerequisite checks that skip loudly (and fail under CI=true), and a
// throwaway network namespace running wireguard-go devices.

/** Whether `command` is an executable file in a directory of PATH. */
export function onPath(command: string): boolean {
  return findExecutable(command) !== undefined;
}

/** Why wireguard-go cannot run in a network namespace here (root, iproute2, wireguard-go, /dev/net/tun), if so. */
export function missingWireguardGo(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'the test must run as root (it creates a network namespace)';
  if (!onPath('ip')) return '`ip` is not installed (Debian package iproute2)';
  if (!onPath('wireguard-go')) return 'wireguard-go is not installed (Debian package wireguard-go)';
  if (!existsSync('/dev/net/tun')) return '/dev/net/tun is missing';
  return undefined;
}

/** Why two namespaces cannot run wireguard-go and ping each other through it, if so. */
export function missingTunnelTools(): string | undefined {
  return missingWireguardGo() ?? (onPath('ping') ? undefined : '`ping` is not installed (Debian package iputils-ping)');
}

/**
 * `describe` for tests that need real tools. When `missing` says what is absent, the suite is skipped with a
 * warning on stderr, except under `CI=true`, where CI installs the tools and the suite fails instead. With
 * `requiredInCi: false` (what CI cannot provide, like a kernel module), it is skipped with the warning under CI too.
 */
export function describeWithTools(
  title: string,
  missing: string | undefined,
  body: () => void,
  { requiredInCi = true }: { readonly requiredInCi?: boolean } = {},
): void {
  if (missing === undefined) {
    describe(title, body);
  } else if (process.env['CI'] === 'true' && requiredInCi) {
    describe(title, () => {
      it('has its prerequisites (CI=true)', () => {
        throw new Error(`${title}: cannot run: ${missing}`);
      });
    });
  } else {
    const ci = requiredInCi ? 'under CI=true this fails' : 'CI cannot provide it either';
    process.stderr.write(`\n*** WARNING: ${title} SKIPPED: ${missing}; ${ci} ***\n`);
    describe(title, () => {
      it.skip(`needs ${missing}`, () => {});
    });
  }
}

/** A wireguard-go device started by {@link TestNamespace.startDevice}. */
export interface TestDevice {
  readonly iface: string;
  /** Its UAPI socket. */
  readonly socketPath: string;
}

/** A network namespace with nothing in it but a down loopback, so no packet can leave it. */
export interface TestNamespace {
  readonly name: string;
  /** Random hex unique to this namespace, for interface names that must be unique on the host. */
  readonly suffix: string;
  /** Starts wireguard-go in the namespace and waits for its UAPI socket. */
  startDevice(iface: string): Promise<TestDevice>;
  /** Runs a command in the namespace and returns its stdout; throws with its stderr when it fails. */
  exec(command: string, args: readonly string[]): string;
  /** Stops the devices it started (by their handles), deletes the namespace and the sockets. Safe to call twice. */
  close(): Promise<void>;
}

/** Creates a throwaway network namespace (needs root and iproute2; see {@link missingWireguardGo}). */
export function createTestNamespace(): TestNamespace {
  const suffix = randomBytes(4).toString('hex');
  const name = `rwg-test-${suffix}`;
  const children: ChildProcess[] = [];
  const ifaces: string[] = [];
  execFileSync('ip', ['netns', 'add', name]);

  return {
    name,
    suffix,
    // /var/run/wireguard is shared by every namespace: names must be unique on the host (15 characters at most).
    async startDevice(iface) {
      ifaces.push(iface);
      const child = spawn('ip', ['netns', 'exec', name, 'wireguard-go', '-f', iface], {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, LOG_LEVEL: 'error' },
      });
      children.push(child);
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const socketPath = `/var/run/wireguard/${iface}.sock`;
      for (let i = 0; i < 200 && !existsSync(socketPath); i++) {
        if (child.exitCode !== null) throw new Error(`wireguard-go exited (${child.exitCode}): ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      if (!existsSync(socketPath)) throw new Error(`wireguard-go did not create ${socketPath}: ${stderr}`);
      return { iface, socketPath };
    },
    exec(command, args) {
      return execFileSync('ip', ['netns', 'exec', name, command, ...args], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    },
    async close() {
      await Promise.all(children.map(stop));
      try {
        execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
      } catch {
        // already deleted
      }
      for (const iface of ifaces) rmSync(`/var/run/wireguard/${iface}.sock`, { force: true });
    },
  };
}

/**
 * Joins two test namespaces with a veth pair (unique names; deleted with either namespace), addresses `192.0.2.1/24`
 * in `a` and `192.0.2.2/24` in `b` (RFC 5737 TEST-NET-1), both up, loopbacks up too.
 */
export function linkNamespaces(a: TestNamespace, b: TestNamespace): { readonly a: string; readonly b: string } {
  const left = `rva${a.suffix}`;
  const right = `rvb${a.suffix}`;
  execFileSync('ip', ['link', 'add', left, 'netns', a.name, 'type', 'veth', 'peer', 'name', right, 'netns', b.name]);
  for (const [namespace, iface, address] of [
    [a, left, '192.0.2.1/24'],
    [b, right, '192.0.2.2/24'],
  ] as const) {
    execFileSync('ip', ['-n', namespace.name, 'address', 'add', address, 'dev', iface]);
    execFileSync('ip', ['-n', namespace.name, 'link', 'set', iface, 'up']);
    execFileSync('ip', ['-n', namespace.name, 'link', 'set', 'lo', 'up']);
  }
  return { a: '192.0.2.1', b: '192.0.2.2' };
}

// SIGTERM, then SIGKILL if the process has not exited within 5 s.
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
