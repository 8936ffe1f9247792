import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { wireguardErrors } from '../errors.js';
import { findExecutable, runCommand } from './command.js';
import type { BackendKind, BackendProbe, ProbeOptions } from './types.js';

// linux/capability.h
const CAP_NET_ADMIN = 12n;

/** What the host has, as {@link probeBackend} sees it. Exported for tests. */
export interface HostFacts {
  readonly linux: boolean;
  /** Root, or CAP_NET_ADMIN in the effective set. */
  readonly netAdmin: boolean;
  readonly ip: boolean;
  readonly tun: boolean;
  readonly wireguardGo: boolean;
  readonly wg: boolean;
  /** Whether the kernel accepts `ip link add ... type wireguard`. */
  readonly kernelModule: boolean;
}

/**
 * Finds the WireGuard backend this host can run, and says why: the kernel module when the kernel creates
 * WireGuard links and `wg` is installed (faster), else wireguard-go over `/dev/net/tun`. With `options.kind`, only
 * that one. Rejects with ERR_WG_BACKEND_UNAVAILABLE listing exactly what is missing (`details.missing`), e.g.
 * "root or CAP_NET_ADMIN", "/dev/net/tun", "wireguard-go (Debian package wireguard-go)".
 */
export async function probeBackend(options: ProbeOptions = {}): Promise<BackendProbe> {
  return chooseBackend(await hostFacts(options.wireguardGo ?? 'wireguard-go'), options.kind);
}

/** The decision of {@link probeBackend} on given facts (pure). */
export function chooseBackend(facts: HostFacts, kind?: BackendKind): BackendProbe {
  const common = [
    ...(facts.linux ? [] : ['Linux']),
    ...(facts.netAdmin ? [] : ['root or CAP_NET_ADMIN']),
    ...(facts.ip ? [] : ['`ip` (Debian package iproute2)']),
  ];
  const kernelMissing = [
    ...(facts.kernelModule ? [] : ['the wireguard kernel module']),
    ...(facts.wg ? [] : ['`wg` (Debian package wireguard-tools)']),
  ];
  const goMissing = [
    ...(facts.tun ? [] : ['/dev/net/tun']),
    ...(facts.wireguardGo ? [] : ['wireguard-go (Debian package wireguard-go)']),
  ];
  if (common.length === 0 && kernelMissing.length === 0 && kind !== 'wireguard-go') {
    return { kind: 'kernel', reason: 'the kernel creates WireGuard links and `wg` is installed' };
  }
  if (common.length === 0 && goMissing.length === 0 && kind !== 'kernel') {
    const why =
      kind === 'wireguard-go' ? 'it was asked for' : `no kernel backend (missing ${kernelMissing.join(', ')})`;
    return { kind: 'wireguard-go', reason: `wireguard-go and /dev/net/tun are available; ${why}` };
  }
  const missing =
    kind === 'kernel'
      ? [...common, ...kernelMissing]
      : kind === 'wireguard-go'
        ? [...common, ...goMissing]
        : [...common, ...goMissing, ...kernelMissing];
  const wanted = kind === undefined ? 'any WireGuard backend' : `the ${kind} backend`;
  const alternatives =
    kind === undefined && goMissing.length > 0 && kernelMissing.length > 0
      ? ` (wireguard-go needs ${goMissing.join(' and ')}; the kernel backend needs ${kernelMissing.join(' and ')})`
      : '';
  throw wireguardErrors.backendUnavailable.create(
    `cannot run ${wanted}: missing ${missing.join(', ')}${alternatives}`,
    {
      details: { missing },
    },
  );
}

async function hostFacts(wireguardGo: string): Promise<HostFacts> {
  const linux = process.platform === 'linux';
  const netAdmin = linux && (process.getuid?.() === 0 || hasNetAdmin());
  const ip = findExecutable('ip') !== undefined;
  return {
    linux,
    netAdmin,
    ip,
    tun: existsSync('/dev/net/tun'),
    wireguardGo: findExecutable(wireguardGo) !== undefined,
    wg: findExecutable('wg') !== undefined,
    kernelModule: linux && netAdmin && ip && (await kernelCreatesLinks()),
  };
}

function hasNetAdmin(): boolean {
  try {
    const line = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return line !== null && ((BigInt(`0x${line[1]}`) >> CAP_NET_ADMIN) & 1n) === 1n;
  } catch {
    return false;
  }
}

// The one reliable test: a built-in module has no /sys/module entry, and a loadable one may load on demand.
async function kernelCreatesLinks(): Promise<boolean> {
  const name = `rwgprobe${randomBytes(3).toString('hex')}`;
  try {
    await runCommand(['ip', 'link', 'add', name, 'type', 'wireguard']);
  } catch {
    return false;
  }
  await runCommand(['ip', 'link', 'del', name]).catch(() => undefined);
  return true;
}
