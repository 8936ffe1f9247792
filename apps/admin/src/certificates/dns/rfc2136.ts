import * as packet from 'dns-packet';
import { randomInt } from 'node:crypto';
import { connect } from 'node:net';
import { nameWire, signRequest, verifyResponse, type TsigKey } from './tsig.js';

/** Where and how to send dynamic updates (RFC 2136). */
export interface Rfc2136Options {
  /** The primary server of the zone. */
  readonly host: string;
  readonly port: number;
  /** The zone the records are in (the update's zone section, RFC 2136 section 2.3). */
  readonly zone: string;
  readonly key: TsigKey;
  /** Per update; default 10 s. */
  readonly timeoutMs?: number;
  /** The clock TSIG signs with. */
  readonly now?: () => Date;
}

/** Adds and removes TXT records through RFC 2136 dynamic updates signed with TSIG. */
export interface Rfc2136Client {
  /** Adds one TXT record (other records of the name stay). */
  addTxt(name: string, value: string, ttl: number): Promise<void>;
  /** Removes exactly that TXT record; removing one that is not there succeeds (RFC 2136 section 3.4.2.4). */
  deleteTxt(name: string, value: string): Promise<void>;
}

const OPCODE_UPDATE = 5;
const CLASS_NONE = 254;
const DEFAULT_TIMEOUT_MS = 10_000;
/** RCODEs of RFC 1035 section 4.1.1 and RFC 2136 section 2.2, by value. */
const RCODES = [
  'NOERROR',
  'FORMERR',
  'SERVFAIL',
  'NXDOMAIN',
  'NOTIMP',
  'REFUSED',
  'YXDOMAIN',
  'YXRRSET',
  'NXRRSET',
  'NOTAUTH',
  'NOTZONE',
];

/** A client for one zone; options are checked here (the zone must contain the names updated later). */
export function rfc2136Client(options: Rfc2136Options): Rfc2136Client {
  const zone = options.zone.toLowerCase().replace(/\.$/, '');
  nameWire(zone);
  const now = options.now ?? (() => new Date());
  const inZone = (name: string) => {
    const lower = name.toLowerCase().replace(/\.$/, '');
    if (lower !== zone && !lower.endsWith(`.${zone}`)) throw new Error(`${name} is not in the zone ${zone}`);
    return lower;
  };

  const update = async (name: string, value: string, ttl: number, remove: boolean) => {
    const id = randomInt(0, 65_536);
    // Zone, prerequisite and update sections travel as question, answer and authority (RFC 2136 section 2).
    const message = packet.encode({
      type: 'query',
      id,
      flags: OPCODE_UPDATE << 11,
      questions: [{ type: 'SOA', class: 'IN', name: zone }],
      authorities: [{ type: 'TXT', class: 'IN', name: inZone(name), ttl: remove ? 0 : ttl, data: value }],
    });
    if (remove) {
      // dns-packet knows no class NONE. "Delete an RR from an RRset" is the record with class NONE and TTL 0
      // (RFC 2136 section 2.5.4); dns-packet never compresses, so the class sits right after the record's name.
      const classAt = 12 + nameWire(zone).length + 4 + nameWire(name).length + 2;
      message.writeUInt16BE(CLASS_NONE, classAt);
    }
    const { signed, mac } = signRequest(message, options.key, now());
    const response = await exchange(options.host, options.port, signed, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const rcode = RCODES[(packet.decode(response).flags ?? 0) & 0xf] ?? 'an unknown RCODE';
    if (response.readUInt16BE(0) !== id) throw new Error('the DNS server answered another request (id mismatch)');
    try {
      verifyResponse(response, options.key, mac, now());
    } catch (err) {
      if (rcode === 'NOERROR') throw err;
      throw new Error(`the DNS server ${describe(options)} answered ${rcode}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    if (rcode !== 'NOERROR') {
      throw new Error(`the DNS server ${describe(options)} answered ${rcode} to the update of ${name}${hint(rcode)}`);
    }
  };
  return {
    addTxt: (name, value, ttl) => update(name, value, ttl, false),
    deleteTxt: (name, value) => update(name, value, 0, true),
  };
}

const describe = (o: Rfc2136Options) => `${o.host}:${String(o.port)} (zone ${o.zone})`;
const hint = (rcode: string) =>
  rcode === 'REFUSED'
    ? ' (does the zone allow updates with this key?)'
    : rcode === 'NOTAUTH'
      ? ' (is it the primary server of the zone?)'
      : '';

/** Sends one message over TCP (RFC 1035 section 4.2.2: two-byte length first) and reads one answer. */
function exchange(host: string, port: number, message: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const length = Buffer.alloc(2);
    length.writeUInt16BE(message.length);
    let received = Buffer.alloc(0);
    const fail = (reason: string) => {
      socket.destroy();
      reject(new Error(`the DNS server ${host}:${String(port)}: ${reason}`));
    };
    socket.setTimeout(timeoutMs, () => fail(`no answer within ${String(timeoutMs / 1000)} s`));
    socket.on('connect', () => socket.write(Buffer.concat([length, message])));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) {
        socket.destroy();
        resolve(received.subarray(2, 2 + received.readUInt16BE(0)));
      }
    });
    socket.on('error', (err) => fail(err.message));
    socket.on('close', () => fail('closed the connection without an answer'));
  });
}
