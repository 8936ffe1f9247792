import { checkList, fail } from './check.js';
import type { CriterionMatcher } from './criterion.js';
import { listed, shown } from './format.js';
import { parseIp, type IpWords } from './ip-address.js';
import type { PreparedRequest } from './prepared-request.js';

/** A network as masked words: an address is inside when `(address & mask) === network`, word by word. */
interface Network {
  readonly family: 4 | 6;
  readonly n0: number;
  readonly n1: number;
  readonly n2: number;
  readonly n3: number;
  readonly m0: number;
  readonly m1: number;
  readonly m2: number;
  readonly m3: number;
}

/** The mask of word `index` (0..3) for a prefix of `bits`. */
function wordMask(bits: number, index: number): number {
  const inWord = Math.min(32, Math.max(0, bits - index * 32));
  return inWord === 0 ? 0 : ~0 << (32 - inWord);
}

/**
 * Parses `10.0.0.0/8`, `2001:db8::/32` or a single address (a /32 or /128). The prefix length is decimal
 * without leading zeros; host bits must be zero (`10.0.0.1/8` is refused as a likely typo). An IPv4-mapped
 * IPv6 network with a prefix of 96 or more (`::ffff:10.0.0.0/104`) is the IPv4 network it maps, because
 * IPv4-mapped sources are compared as IPv4.
 */
function parseNetwork(text: string, field: string): Network {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const ip: IpWords = { family: 4, w0: 0, w1: 0, w2: 0, w3: 0 };
  // Parse as written, so "::ffff:10.0.0.0/104" counts its prefix in IPv6 bits before it is mapped.
  if (!parseIp(address, ip, false)) fail(field, `${shown(text)} is not an IP address or CIDR`);
  const writtenV6 = address.includes(':');
  const maxBits = writtenV6 ? 128 : 32;
  let bits = maxBits;
  if (slash >= 0) {
    const digits = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(digits) || Number(digits) > maxBits) {
      fail(field, `${shown(text)} has an invalid prefix length (expected 0 to ${String(maxBits)})`);
    }
    bits = Number(digits);
  }
  if (writtenV6 && ip.family === 4) {
    if (bits < 96) fail(field, `${shown(text)} mixes IPv4-mapped and other IPv6 addresses; use a prefix of 96 or more`);
    bits -= 96;
  }
  // An IPv4 prefix is at most 32 bits, so its masks for words 1..3 come out 0, like its words.
  const masks = [0, 1, 2, 3].map((index) => wordMask(bits, index));
  const words = [ip.w0, ip.w1, ip.w2, ip.w3];
  const network = words.map((word, i) => word & masks[i]!);
  if (network.some((word, i) => word !== (words[i]! | 0))) {
    fail(field, `${shown(text)} has host bits set; the network is ${describeNetwork(ip.family, network, bits)}`);
  }
  return {
    family: ip.family,
    n0: network[0]!,
    n1: network[1]!,
    n2: network[2]!,
    n3: network[3]!,
    m0: masks[0]!,
    m1: masks[1]!,
    m2: masks[2]!,
    m3: masks[3]!,
  };
}

/** `10.0.0.0/8` or `2001:db8:0:0:0:0:0:0/32`, for the host-bits error message. */
function describeNetwork(family: 4 | 6, words: readonly number[], bits: number): string {
  if (family === 4) {
    const w = words[0]! >>> 0;
    return `${String(w >>> 24)}.${String((w >>> 16) & 255)}.${String((w >>> 8) & 255)}.${String(w & 255)}/${String(bits)}`;
  }
  const groups = words.flatMap((word) => [(word >>> 16).toString(16), (word & 0xffff).toString(16)]);
  return `${groups.join(':')}/${String(bits)}`;
}

function contains(network: Network, req: IpWords): boolean {
  if (network.family !== req.family) return false;
  return (
    (req.w0 & network.m0) === network.n0 &&
    (req.w1 & network.m1) === network.n1 &&
    (req.w2 & network.m2) === network.n2 &&
    (req.w3 & network.m3) === network.n3
  );
}

/** Compiles `sourceCidrs`: matches when the request's source address is in one of the networks. */
export function compileSourceCidrs(value: unknown, field: string): CriterionMatcher {
  const entries = checkList(value, field).map((entry, i) => {
    if (typeof entry !== 'string') fail(`${field}[${String(i)}]`, `must be a string, got ${shown(entry)}`);
    return entry;
  });
  const networks = entries.map((entry, i) => parseNetwork(entry, `${field}[${String(i)}]`));
  const matches = (req: PreparedRequest): boolean => {
    for (const network of networks) if (contains(network, req)) return true;
    return false;
  };
  return {
    criterion: 'sourceCidrs',
    matches,
    describe(req, matched) {
      if (!matched) return `${req.sourceIp} is not in ${listed(entries)}`;
      const index = networks.findIndex((network) => contains(network, req));
      return `${req.sourceIp} is in ${entries[index] ?? ''}`;
    },
  };
}
