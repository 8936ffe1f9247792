import { createHmac, timingSafeEqual } from 'node:crypto';

/** A TSIG key (RFC 8945) as the DNS server knows it: `key "<name>" { algorithm hmac-sha256; secret "..."; };`. */
export interface TsigKey {
  /** The key's name, e.g. `acme-update.`; compared case-insensitively. */
  readonly name: string;
  /** HMAC-SHA256 is the one RFC 8945 section 6 says must be implemented, and the only one offered here. */
  readonly algorithm: 'hmac-sha256';
  /** The shared secret (BIND's `secret`, base64 decoded). */
  readonly secret: Buffer;
}

const ALGORITHM_NAME = 'hmac-sha256.';
const TYPE_TSIG = 250;
const CLASS_ANY = 255;
/** Clock skew allowed either way (RFC 8945 section 5.2.3 recommends 300 s). */
const FUDGE_SECONDS = 300;
/** TSIG error codes (RFC 8945 section 3 and 5.2), shown by name in errors. */
const TSIG_ERRORS: Readonly<Record<number, string>> = { 16: 'BADSIG', 17: 'BADKEY', 18: 'BADTIME', 22: 'BADTRUNC' };

/**
 * A domain name in canonical wire form (RFC 4034 section 6.2: lower case, uncompressed), as TSIG digests it.
 * Throws for a label longer than 63 bytes.
 */
export function nameWire(name: string): Buffer {
  const labels = name.toLowerCase().replace(/\.$/, '').split('.').filter(Boolean);
  const parts: Buffer[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(label, 'ascii');
    if (bytes.length > 63) throw new Error(`DNS label "${label}" is longer than 63 bytes`);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

/** Reads a (possibly compressed, RFC 1035 section 4.1.4) name at `offset`: the name and the offset after it. */
function readName(message: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let at = offset;
  let end: number | undefined;
  for (let jumps = 0; jumps < 128; jumps++) {
    const length = message.readUInt8(at);
    if (length === 0) return { name: `${labels.join('.')}.`, end: end ?? at + 1 };
    if ((length & 0xc0) === 0xc0) {
      end ??= at + 2;
      at = message.readUInt16BE(at) & 0x3fff;
      continue;
    }
    if (at + 1 + length > message.length) break;
    labels.push(message.toString('ascii', at + 1, at + 1 + length));
    at += 1 + length;
  }
  throw new Error('malformed name in the DNS answer');
}

/** Where the last resource record of a message starts (the TSIG record, which RFC 8945 section 5.1 puts last). */
function lastRecordOffset(message: Buffer): number {
  const count = (at: number) => message.readUInt16BE(at);
  let offset = 12;
  for (let q = 0; q < count(4); q++) offset = readName(message, offset).end + 4;
  const records = count(6) + count(8) + count(10);
  let last = offset;
  for (let r = 0; r < records; r++) {
    last = offset;
    const end = readName(message, offset).end;
    offset = end + 10 + message.readUInt16BE(end + 8);
  }
  if (records === 0 || offset !== message.length) throw new Error('the DNS answer has no TSIG record at its end');
  return last;
}

/** The TSIG variables digested after the message (RFC 8945 section 4.3.3). */
function variables(key: TsigKey, timeSigned: number, error: number, other: Buffer): Buffer {
  const fixed = Buffer.alloc(10);
  writeTime(fixed, 0, timeSigned);
  fixed.writeUInt16BE(FUDGE_SECONDS, 6);
  fixed.writeUInt16BE(error, 8);
  const otherLength = Buffer.alloc(2);
  otherLength.writeUInt16BE(other.length);
  const classTtl = Buffer.from([0, CLASS_ANY, 0, 0, 0, 0]);
  return Buffer.concat([nameWire(key.name), classTtl, nameWire(ALGORITHM_NAME), fixed, otherLength, other]);
}

function writeTime(buffer: Buffer, offset: number, seconds: number): void {
  buffer.writeUInt16BE(Math.floor(seconds / 2 ** 32), offset);
  buffer.writeUInt32BE(seconds % 2 ** 32, offset + 2);
}

const hmac = (key: TsigKey, ...parts: Buffer[]) => {
  const mac = createHmac('sha256', key.secret);
  for (const part of parts) mac.update(part);
  return mac.digest();
};

/**
 * Signs a DNS request with TSIG (RFC 8945 section 4.3.1): appends the TSIG record and counts it in ARCOUNT.
 * Returns the signed message and its MAC, which the answer's MAC covers.
 */
export function signRequest(message: Buffer, key: TsigKey, now: Date): { signed: Buffer; mac: Buffer } {
  const timeSigned = Math.floor(now.getTime() / 1000);
  const mac = hmac(key, message, variables(key, timeSigned, 0, Buffer.alloc(0)));
  const fixed = Buffer.alloc(10);
  writeTime(fixed, 0, timeSigned);
  fixed.writeUInt16BE(FUDGE_SECONDS, 6);
  fixed.writeUInt16BE(mac.length, 8);
  const tail = Buffer.alloc(6);
  tail.writeUInt16BE(message.readUInt16BE(0), 0); // original id
  const rdata = Buffer.concat([nameWire(ALGORITHM_NAME), fixed, mac, tail]); // error 0, no other data
  const head = Buffer.alloc(10);
  head.writeUInt16BE(TYPE_TSIG, 0);
  head.writeUInt16BE(CLASS_ANY, 2);
  head.writeUInt16BE(rdata.length, 8);
  const signed = Buffer.concat([message, nameWire(key.name), head, rdata]);
  signed.writeUInt16BE(message.readUInt16BE(10) + 1, 10);
  return { signed, mac };
}

/**
 * Checks the TSIG record of an answer to a request signed with `requestMac` (RFC 8945 section 5.3): the server
 * knew the key and the MAC, the answer is signed by the same key over the request's MAC, within the fudge of
 * `now`. Throws an Error saying which check failed; an unsigned answer (a server without the key) fails too.
 */
export function verifyResponse(response: Buffer, key: TsigKey, requestMac: Buffer, now: Date): void {
  const start = lastRecordOffset(response);
  const owner = readName(response, start);
  if (response.readUInt16BE(owner.end) !== TYPE_TSIG) {
    throw new Error('the DNS server did not sign its answer (no TSIG record): does it know the key?');
  }
  if (owner.name.toLowerCase() !== `${key.name.toLowerCase().replace(/\.$/, '')}.`) {
    throw new Error(`the DNS answer is signed with another key (${owner.name})`);
  }
  const algorithm = readName(response, owner.end + 10);
  let at = algorithm.end;
  const timeSigned = response.readUInt16BE(at) * 2 ** 32 + response.readUInt32BE(at + 2);
  const macLength = response.readUInt16BE(at + 8);
  const mac = response.subarray(at + 10, at + 10 + macLength);
  at += 10 + macLength;
  const originalId = response.readUInt16BE(at);
  const error = response.readUInt16BE(at + 2);
  const other = response.subarray(at + 6, at + 6 + response.readUInt16BE(at + 4));
  if (error !== 0) {
    throw new Error(`the DNS server refused the TSIG signature: ${TSIG_ERRORS[error] ?? `error ${String(error)}`}`);
  }
  if (algorithm.name.toLowerCase() !== ALGORITHM_NAME) {
    throw new Error(`the DNS answer is signed with ${algorithm.name}, not ${ALGORITHM_NAME}`);
  }
  // The answer as digested: without its TSIG record, ARCOUNT one less, the original id (RFC 8945 section 4.3.1).
  const unsigned = Buffer.from(response.subarray(0, start));
  unsigned.writeUInt16BE(unsigned.readUInt16BE(10) - 1, 10);
  unsigned.writeUInt16BE(originalId, 0);
  const macSize = Buffer.alloc(2);
  macSize.writeUInt16BE(requestMac.length);
  const expected = hmac(key, macSize, requestMac, unsigned, variables(key, timeSigned, error, other));
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) {
    throw new Error('the TSIG signature of the DNS answer does not verify');
  }
  if (Math.abs(now.getTime() / 1000 - timeSigned) > FUDGE_SECONDS) {
    throw new Error('the DNS answer was signed outside the allowed clock skew (TSIG BADTIME)');
  }
}
