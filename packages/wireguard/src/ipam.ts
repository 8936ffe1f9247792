import { wireguardErrors } from './errors.js';
import { formatAddress, normalizeCidr, parsePrefix } from './ip.js';

/**
 * The default tunnel address pool: a /16 inside RFC 6598's shared address space (100.64.0.0/10), which is not
 * routed on the Internet and rarely used on a LAN. A /16 rather than the whole /10 leaves room for the carrier-grade
 * NAT some ISPs run in that space, and still gives 65,533 addresses.
 */
export const DEFAULT_TUNNEL_POOL = '100.96.0.0/16';

/** An IPv4 pool of tunnel addresses, as {@link parsePool} returns it. */
export interface AddressPool {
  /** The pool's canonical CIDR, e.g. `100.96.0.0/16`. */
  readonly cidr: string;
  /** The hub's address: the first host address (`100.96.0.1`). */
  readonly hub: string;
  /** How many addresses sites and devices can get: all but the network, broadcast and hub addresses. */
  readonly capacity: number;
}

/** Options of {@link allocateAddress}. */
export interface AllocateOptions {
  /**
   * Addresses or prefixes never handed out (e.g. a block kept for gateways); entries outside the pool, and IPv6
   * entries, are ignored.
   */
  readonly reserved?: readonly string[];
}

/** A pool as 32-bit numbers: `network` and `broadcast` are never handed out, nor is `network + 1` (the hub). */
interface Range {
  readonly cidr: string;
  readonly network: number;
  readonly broadcast: number;
}

/**
 * Parses a tunnel address pool: an IPv4 prefix in canonical form (`100.96.0.0/16`, not `100.96.0.1/16`) of at most
 * /30, the smallest with a hub and one peer. Throws ERR_WG_CONFIG_INVALID naming the mistake.
 */
export function parsePool(cidr: string): AddressPool {
  const range = parseRange(cidr);
  return Object.freeze({
    cidr: range.cidr,
    hub: formatIpv4(range.network + 1),
    capacity: range.broadcast - range.network - 2,
  });
}

/** The hub's tunnel address in a pool (its first host address), e.g. `100.96.0.1`. Throws ERR_WG_CONFIG_INVALID. */
export function hubAddress(pool: AddressPool | string): string {
  return formatIpv4(toRange(pool).network + 1);
}

/**
 * The lowest free address of the pool (e.g. `100.96.0.2`), skipping the network and broadcast addresses, the hub's
 * address, every address in `used` and every prefix in `options.reserved`. Pure and deterministic: the same inputs
 * always give the same address.
 *
 * `used` holds the addresses already allocated (a `Set` or any iterable), as addresses or /32 prefixes; entries
 * outside the pool (left over from an earlier pool, or IPv6) are ignored. Throws ERR_WG_CONFIG_INVALID for a
 * malformed entry (never skipped: a misread address could be handed out twice) and ERR_WG_POOL_EXHAUSTED (409) when
 * no address is free.
 *
 * Uniqueness is the database's job (a unique constraint on the address); the admin retries on a conflict:
 *
 * ```ts
 * for (let attempt = 1; ; attempt++) {
 *   const address = allocateAddress(pool, await peers.tunnelAddresses());
 *   try {
 *     return await peers.insert({ ...peer, tunnelAddress: address });
 *   } catch (err) {
 *     // ERR_DB_CONFLICT on the address means another allocation committed first: re-read and try the next address.
 *     if (!isAppError(err) || err.code !== 'ERR_DB_CONFLICT' || attempt === 100) throw err;
 *   }
 * }
 * ```
 *
 * Each conflict means another allocation committed, so the loop always progresses; the cap only guards against a
 * bug. Concurrent callers with the same `used` set pick the same address, so a burst of N allocations takes up to N
 * rounds: to avoid that under load, serialize allocations in one transaction (`pg_advisory_xact_lock`).
 */
export function allocateAddress(
  pool: AddressPool | string,
  used: Iterable<string>,
  options: AllocateOptions = {},
): string {
  const range = toRange(pool);
  const taken = new Set<number>();
  let index = 0;
  for (const entry of used) {
    const prefix = parsePrefix(entry);
    if (prefix === undefined || prefix.length !== prefix.bytes.length * 8) {
      throw wireguardErrors.configInvalid.create(`used[${index}] "${String(entry)}" is not an IP address`);
    }
    const address = prefix.bytes.length === 4 ? toNumber(prefix.bytes) : -1;
    if (address > range.network && address < range.broadcast) taken.add(address);
    index++;
  }
  const reserved = (options.reserved ?? []).map((entry, i) => {
    const prefix = parsePrefix(entry);
    if (prefix === undefined) {
      throw wireguardErrors.configInvalid.create(`reserved[${i}] "${String(entry)}" is not an IP address or prefix`);
    }
    if (prefix.bytes.length !== 4) return { first: 1, last: 0 }; // IPv6: reserves nothing in an IPv4 pool
    const first = toNumber(prefix.bytes);
    return { first, last: first + 2 ** (32 - prefix.length) - 1 };
  });

  // A linear scan is enough: it stops at the first free address, after at most |used| + |reserved| steps, and
  // a /16 pool holds 65,536 addresses.
  for (let address = range.network + 2; address < range.broadcast; address++) {
    if (taken.has(address)) continue;
    const block = reserved.find(({ first, last }) => address >= first && address <= last);
    if (block !== undefined) {
      address = block.last;
      continue;
    }
    return formatIpv4(address);
  }
  throw wireguardErrors.poolExhausted.create(`no free address in the tunnel pool ${range.cidr}`, {
    details: { pool: range.cidr },
  });
}

function toRange(pool: AddressPool | string): Range {
  return parseRange(typeof pool === 'string' ? pool : pool.cidr);
}

function parseRange(cidr: string): Range {
  const prefix = typeof cidr === 'string' && cidr.includes('/') ? parsePrefix(cidr) : undefined;
  if (prefix === undefined) throw wireguardErrors.configInvalid.create(`pool "${String(cidr)}" is not an IP prefix`);
  if (prefix.bytes.length !== 4) {
    throw wireguardErrors.configInvalid.create(`pool "${cidr}" is IPv6; only IPv4 pools are supported`);
  }
  const canonical = normalizeCidr(cidr)!;
  if (canonical !== cidr) {
    throw wireguardErrors.configInvalid.create(`pool "${cidr}" is not canonical (host bits set): use "${canonical}"`);
  }
  if (prefix.length > 30) {
    throw wireguardErrors.configInvalid.create(`pool "${cidr}" is smaller than a /30 (hub and one peer)`);
  }
  const network = toNumber(prefix.bytes);
  return { cidr, network, broadcast: network + 2 ** (32 - prefix.length) - 1 };
}

function toNumber(bytes: Uint8Array): number {
  return ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
}

function formatIpv4(address: number): string {
  return formatAddress(Uint8Array.of(address >>> 24, (address >>> 16) & 0xff, (address >>> 8) & 0xff, address & 0xff));
}
