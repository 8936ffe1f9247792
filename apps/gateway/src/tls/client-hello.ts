/** What the first bytes of a connection say about its TLS server name; see {@link readClientHelloSni}. */
export type ClientHelloSni =
  | { readonly status: 'incomplete' }
  | { readonly status: 'not-tls' }
  | {
      readonly status: 'ok';
      readonly serverName: string | undefined;
      /** Protocols of the ALPN extension (RFC 7301), when the client sent one. */
      readonly alpn?: readonly string[];
    };

const INCOMPLETE: ClientHelloSni = Object.freeze({ status: 'incomplete' });
const NOT_TLS: ClientHelloSni = Object.freeze({ status: 'not-tls' });
const NO_SERVER_NAME: ClientHelloSni = Object.freeze({ status: 'ok', serverName: undefined });

const RECORD_HEADER_BYTES = 5;
// RFC 8446 section 5.1: "The length MUST NOT exceed 2^14 bytes", and zero-length handshake fragments are forbidden.
const MAX_RECORD_BYTES = 16_384;
const CONTENT_TYPE_HANDSHAKE = 22;
const HANDSHAKE_CLIENT_HELLO = 1;
const HANDSHAKE_HEADER_BYTES = 4;
// legacy_version (2) + random (32) + session id length (1) + cipher suites length (2) + one suite (2)
// + compression methods length (1) + one method (1): RFC 8446 section 4.1.2.
const MIN_CLIENT_HELLO_BYTES = 41;
const EXTENSION_SERVER_NAME = 0;
const EXTENSION_ALPN = 16;
const NAME_TYPE_HOST_NAME = 0;
const MAX_HOST_NAME_BYTES = 253;
const MAX_LABEL_BYTES = 63;

/**
 * Reads the server name (SNI) from the first bytes a client sent, without terminating TLS.
 *
 * `buf` holds everything received so far. The answer is `incomplete` while more bytes could still make a valid
 * ClientHello, `not-tls` as soon as they cannot (not a TLS handshake record, not a ClientHello, malformed lengths,
 * or an invalid host name), and `ok` once the whole ClientHello is there: `serverName` is the lowercased
 * `host_name` of the server_name extension (RFC 6066 section 3), or undefined when the client sent none, and
 * `alpn` the offered application protocols (RFC 7301), when there are any.
 *
 * Limits: the ClientHello must be the first handshake message and may span several records (RFC 8446 section 5.1
 * allows fragmenting it; no other record type may come in between). The caller bounds how much it buffers.
 * It never throws and never reads outside `buf`: every length is checked against what is actually there.
 */
export function readClientHelloSni(buf: Buffer): ClientHelloSni {
  let offset = 0;
  let handshakeBytes = 0;
  let needed = Infinity;
  let firstPayload: Buffer | undefined;
  let payloads: Buffer[] | undefined;
  while (handshakeBytes < needed) {
    const length = recordLength(buf, offset);
    if (length < 0) return length === -1 ? INCOMPLETE : NOT_TLS;
    const start = offset + RECORD_HEADER_BYTES;
    // Decide on the handshake type from the first byte, before the record is complete.
    if (handshakeBytes === 0 && buf.length > start && buf[start] !== HANDSHAKE_CLIENT_HELLO) return NOT_TLS;
    const end = start + length;
    if (buf.length < end) return INCOMPLETE;
    const payload = buf.subarray(start, end);
    if (firstPayload === undefined) firstPayload = payload;
    else (payloads ??= [firstPayload]).push(payload);
    handshakeBytes += length;
    offset = end;
    if (needed === Infinity && handshakeBytes >= HANDSHAKE_HEADER_BYTES) {
      const head = payloads === undefined ? payload : Buffer.concat(payloads);
      needed = HANDSHAKE_HEADER_BYTES + head.readUIntBE(1, 3);
      if (needed < HANDSHAKE_HEADER_BYTES + MIN_CLIENT_HELLO_BYTES) return NOT_TLS;
    }
  }
  // Common case: the whole ClientHello sits in the first record and is read in place, without copying.
  const message = payloads === undefined ? (firstPayload as Buffer) : Buffer.concat(payloads, handshakeBytes);
  return parseClientHello(message, HANDSHAKE_HEADER_BYTES, needed);
}

/** Length of the handshake record at `offset`; -1 when its header is not all there yet, -2 when it is not one. */
function recordLength(buf: Buffer, offset: number): number {
  if (buf.length <= offset) return -1;
  if (buf[offset] !== CONTENT_TYPE_HANDSHAKE) return -2;
  // legacy_record_version is 3.x for every SSL 3.0 to TLS 1.3 client.
  if (buf.length <= offset + 1) return -1;
  if (buf[offset + 1] !== 3) return -2;
  if (buf.length < offset + RECORD_HEADER_BYTES) return -1;
  const length = buf.readUInt16BE(offset + 3);
  return length === 0 || length > MAX_RECORD_BYTES ? -2 : length;
}

/** Walks a ClientHello body in `b[p, end)` (RFC 8446 section 4.1.2, RFC 5246 section 7.4.1.2) to its extensions. */
function parseClientHello(b: Buffer, p: number, end: number): ClientHelloSni {
  p += 2 + 32; // legacy_version, random
  const sessionIdLength = b[p] ?? 0xff;
  if (sessionIdLength > 32) return NOT_TLS;
  p += 1 + sessionIdLength;
  if (p + 2 > end) return NOT_TLS;
  const cipherSuitesLength = b.readUInt16BE(p);
  if (cipherSuitesLength < 2 || cipherSuitesLength % 2 !== 0) return NOT_TLS;
  p += 2 + cipherSuitesLength;
  if (p + 1 > end) return NOT_TLS;
  const compressionMethodsLength = b[p] ?? 0;
  if (compressionMethodsLength < 1) return NOT_TLS;
  p += 1 + compressionMethodsLength;
  // A TLS 1.2 client may send no extensions at all (RFC 5246 section 7.4.1.2).
  if (p === end) return NO_SERVER_NAME;
  if (p + 2 > end || p + 2 + b.readUInt16BE(p) !== end) return NOT_TLS;
  p += 2;
  let sni: ClientHelloSni = NO_SERVER_NAME;
  let alpn: string[] | undefined;
  while (p < end) {
    if (p + 4 > end) return NOT_TLS;
    const type = b.readUInt16BE(p);
    const length = b.readUInt16BE(p + 2);
    p += 4;
    if (p + length > end) return NOT_TLS;
    if (type === EXTENSION_SERVER_NAME) {
      sni = parseServerName(b, p, p + length);
      if (sni.status !== 'ok') return sni;
    } else if (type === EXTENSION_ALPN) {
      alpn = parseAlpn(b, p, p + length);
      if (alpn === undefined) return NOT_TLS;
    }
    p += length;
  }
  return alpn === undefined
    ? sni
    : { status: 'ok', serverName: sni.status === 'ok' ? sni.serverName : undefined, alpn };
}

/** Reads a ProtocolNameList in `b[p, end)` (RFC 7301 section 3.1); undefined when malformed. */
function parseAlpn(b: Buffer, p: number, end: number): string[] | undefined {
  if (p + 2 > end || p + 2 + b.readUInt16BE(p) !== end) return undefined;
  p += 2;
  const protocols: string[] = [];
  while (p < end) {
    const length = b[p] ?? 0;
    if (length === 0 || p + 1 + length > end) return undefined;
    protocols.push(b.toString('latin1', p + 1, p + 1 + length));
    p += 1 + length;
  }
  return protocols.length === 0 ? undefined : protocols;
}

/** Reads the `host_name` entry of a ServerNameList in `b[p, end)` (RFC 6066 section 3). */
function parseServerName(b: Buffer, p: number, end: number): ClientHelloSni {
  if (p + 2 > end || p + 2 + b.readUInt16BE(p) !== end) return NOT_TLS;
  p += 2;
  while (p < end) {
    if (p + 3 > end) return NOT_TLS;
    const nameType = b[p];
    const length = b.readUInt16BE(p + 1);
    p += 3;
    if (p + length > end) return NOT_TLS;
    if (nameType === NAME_TYPE_HOST_NAME) return hostName(b, p, p + length);
    p += length;
  }
  return NO_SERVER_NAME;
}

/**
 * Validates a host name as letters, digits and hyphens in dot-separated labels of 1 to 63 bytes, at most 253 bytes
 * (RFC 1035 section 2.3.4), and lowercases it. RFC 6066 forbids the trailing dot; one is tolerated and dropped.
 */
function hostName(b: Buffer, start: number, end: number): ClientHelloSni {
  if (end > start && b[end - 1] === 0x2e) end -= 1;
  if (end <= start || end - start > MAX_HOST_NAME_BYTES) return NOT_TLS;
  let labelStart = start;
  for (let i = start; i <= end; i++) {
    const c = i === end ? 0x2e : (b[i] ?? 0);
    if (c === 0x2e) {
      const labelLength = i - labelStart;
      if (labelLength === 0 || labelLength > MAX_LABEL_BYTES) return NOT_TLS;
      labelStart = i + 1;
    } else if (!isHostNameByte(c)) {
      return NOT_TLS;
    }
  }
  return { status: 'ok', serverName: b.toString('latin1', start, end).toLowerCase() };
}

function isHostNameByte(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) || // a-z
    (c >= 0x41 && c <= 0x5a) || // A-Z
    (c >= 0x30 && c <= 0x39) || // 0-9
    c === 0x2d // -
  );
}
