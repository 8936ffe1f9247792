import { wireguardErrors } from '../errors.js';
import { canonicalCidr, parsePrefix } from '../ip.js';
import { readKeyFile } from '../key-input.js';
import { parseKey } from '../keys.js';
import { runCommand } from './command.js';
import type { InterfaceSpec, PrivateKeySource } from './types.js';

// The part of an interface both backends manage the same way, with `ip`: its addresses, MTU, routes and its link.

/** An {@link InterfaceSpec} checked, with defaults filled in. */
export interface CheckedSpec {
  readonly name: string;
  readonly privateKey: PrivateKeySource;
  /** As given (host bits kept), checked. */
  readonly addresses: readonly string[];
  readonly mtu: number;
  /** Canonical prefixes. */
  readonly routes: readonly string[];
}

/** wg-quick's default: 1500 minus the 80 bytes of WireGuard over IPv6. */
export const DEFAULT_MTU = 1420;
// IFNAMSIZ is 16 with the NUL; the characters `ip` and wireguard-go accept, none that a shell or path would mind.
const INTERFACE_NAME = /^[A-Za-z0-9_=+.-]{1,15}$/;

/** Checks a spec before anything is created. Throws ERR_WG_CONFIG_INVALID naming the field. */
export function checkSpec(spec: InterfaceSpec): CheckedSpec {
  if (typeof spec !== 'object' || spec === null) invalid('the interface spec must be an object');
  if (typeof spec.name !== 'string' || !INTERFACE_NAME.test(spec.name) || spec.name === '.' || spec.name === '..') {
    invalid('name must be 1-15 characters of A-Z a-z 0-9 _ = + . -');
  }
  const source = spec.privateKey as Partial<{ file: unknown; key: unknown }> | undefined;
  const hasFile = typeof source?.file === 'string' && source.file !== '';
  const hasKey = typeof source?.key === 'string';
  if (hasFile === hasKey) invalid('privateKey must be { file } or { key }');
  if (!Array.isArray(spec.addresses)) invalid('addresses must be an array of address/length');
  (spec.addresses as readonly string[]).forEach((address, i) => {
    if (typeof address !== 'string' || !address.includes('/') || parsePrefix(address) === undefined) {
      invalid(`addresses[${i}] must be an address with its prefix length, e.g. 100.96.0.1/16`);
    }
  });
  const mtu = spec.mtu ?? DEFAULT_MTU;
  if (!Number.isInteger(mtu) || mtu < 1280 || mtu > 65_535) invalid('mtu must be an integer 1280-65535');
  if (spec.routes !== undefined && !Array.isArray(spec.routes)) invalid('routes must be an array of prefixes');
  const routes = ((spec.routes ?? []) as readonly string[]).map((route, i) => {
    try {
      return canonicalCidr(route);
    } catch {
      return invalid(`routes[${i}] is not an IP prefix`);
    }
  });
  return {
    name: spec.name,
    privateKey: spec.privateKey,
    addresses: [...(spec.addresses as readonly string[])],
    mtu,
    routes,
  };
}

/**
 * The private key in base64: read from its file (refused unless mode 0600 or stricter: ERR_WG_KEY_FILE) or checked
 * in memory (ERR_WG_KEY_INVALID).
 */
export async function loadPrivateKey(source: PrivateKeySource): Promise<string> {
  if ('file' in source) return readKeyFile(source.file);
  parseKey(source.key, 'privateKey');
  return source.key;
}

/** Sets the MTU, adds the addresses, brings the link up and installs the routes. ERR_WG_COMMAND_FAILED. */
export async function configureInterface(spec: CheckedSpec, netns: string | undefined): Promise<void> {
  const ip = (...args: string[]) => runCommand(['ip', ...args], { netns });
  await ip('link', 'set', 'dev', spec.name, 'mtu', String(spec.mtu));
  for (const address of spec.addresses) {
    await ip(address.includes(':') ? '-6' : '-4', 'address', 'replace', address, 'dev', spec.name);
  }
  await ip('link', 'set', 'dev', spec.name, 'up');
  for (const route of spec.routes) {
    await ip(route.includes(':') ? '-6' : '-4', 'route', 'replace', route, 'dev', spec.name);
  }
}

/** Whether a link of this name exists. */
export async function linkExists(name: string, netns: string | undefined): Promise<boolean> {
  try {
    await runCommand(['ip', 'link', 'show', 'dev', name], { netns });
    return true;
  } catch {
    return false;
  }
}

/** Deletes the link if it exists (a gone link is not an error). */
export async function deleteLink(name: string, netns: string | undefined): Promise<void> {
  try {
    await runCommand(['ip', 'link', 'del', 'dev', name], { netns });
  } catch (err) {
    if (await linkExists(name, netns)) throw err;
  }
}

function invalid(message: string): never {
  throw wireguardErrors.configInvalid.create(`interface spec: ${message}`);
}
