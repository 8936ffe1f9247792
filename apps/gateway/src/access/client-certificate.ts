import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import { createIdentity, type Identity } from './identity.js';

/** The CA certificates a route's client certificates must chain to. */
export interface ClientCaSet {
  /** PEM of every CA, for the HTTPS listener's trust store. */
  readonly pem: readonly string[];
  /** SHA-256 fingerprints (`AB:CD:...`) of the CAs. */
  readonly fingerprints: ReadonlySet<string>;
  readonly certificates: readonly X509Certificate[];
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/** Reads a PEM file of CA certificates; throws a TypeError naming `field` when it holds none or a non-CA. */
export function loadClientCa(file: string, field: string): ClientCaSet {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new TypeError(`${field}: cannot read "${file}": ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      cause: err,
    });
  }
  const pem = text.match(PEM_CERTIFICATE) ?? [];
  if (pem.length === 0) throw new TypeError(`${field}: "${file}" holds no PEM certificate`);
  const certificates = pem.map((p) => {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(p);
    } catch (err) {
      throw new TypeError(`${field}: "${file}" has a certificate that cannot be parsed: ${(err as Error).message}`, {
        cause: err,
      });
    }
    if (!cert.ca) throw new TypeError(`${field}: "${cert.subject.replaceAll('\n', ', ')}" is not a CA certificate`);
    return cert;
  });
  return { pem, fingerprints: new Set(certificates.map((c) => c.fingerprint256)), certificates };
}

/** Why a connection's client certificate was not accepted for a route. */
export type CertificateRefusal = 'plain-http' | 'absent' | 'untrusted';

/** The outcome of checking a connection's client certificate against a route's CAs. */
export type CertificateOutcome =
  { readonly ok: true; readonly identity: Identity } | { readonly ok: false; readonly reason: CertificateRefusal };

interface Peer {
  /** OpenSSL verified the chain against the listener's trust store (validity dates and CA flags included). */
  readonly authorized: boolean;
  readonly chain: readonly { fingerprint256: string; x509: X509Certificate }[];
  readonly notAfter: number;
  readonly identity: Identity | undefined;
  /** Per CA set: whether the chain ends at one of its CAs. */
  readonly anchored: Map<ClientCaSet, boolean>;
}

// The peer certificate is read once per TLS connection; keep-alive requests reuse it.
const peers = new WeakMap<Socket, Peer | null>();

function readPeer(socket: TLSSocket): Peer | null {
  // An empty object when the client sent no certificate.
  const leaf = socket.getPeerCertificate(true) as Partial<DetailedPeerCertificate> | null;
  if (leaf?.raw === undefined) return null;
  const chain: { fingerprint256: string; x509: X509Certificate }[] = [];
  const seen = new Set<string>();
  for (let c = leaf as DetailedPeerCertificate | undefined; c?.raw !== undefined; c = c.issuerCertificate) {
    if (seen.has(c.fingerprint256) || chain.length > 8) break;
    seen.add(c.fingerprint256);
    chain.push({ fingerprint256: c.fingerprint256, x509: new X509Certificate(c.raw) });
  }
  const first = chain[0] as { fingerprint256: string; x509: X509Certificate };
  const cn = first.x509.subject
    .split('\n')
    .find((part) => part.startsWith('CN='))
    ?.slice(3);
  const thumbprint = Buffer.from(first.fingerprint256.replaceAll(':', ''), 'hex').toString('base64url');
  return {
    authorized: socket.authorized,
    chain,
    notAfter: Date.parse(first.x509.validTo),
    identity: createIdentity({
      sub: cn !== undefined && cn.length > 0 && cn.length <= 256 ? cn : thumbprint,
      email: undefined,
      roles: undefined,
      method: 'mtls',
      certificateThumbprint: thumbprint,
    }),
    anchored: new Map(),
  };
}

function isAnchored(peer: Peer, cas: ClientCaSet): boolean {
  let anchored = peer.anchored.get(cas);
  if (anchored === undefined) {
    anchored = peer.chain.some(
      (c) =>
        cas.fingerprints.has(c.fingerprint256) ||
        cas.certificates.some((ca) => c.x509.checkIssued(ca) && c.x509.verify(ca.publicKey)),
    );
    peer.anchored.set(cas, anchored);
  }
  return anchored;
}

/**
 * Checks the client certificate of a request's connection against a route's CAs. The TLS layer verifies the chain
 * (the HTTPS listener trusts the CAs of every mTLS route and requests a certificate without requiring one);
 * here the verified chain must also end at one of this route's CAs, and the leaf must not have expired since the
 * handshake. Results are kept per connection.
 */
export function checkClientCertificate(socket: Socket, cas: ClientCaSet): CertificateOutcome {
  if (!(socket as Partial<TLSSocket>).encrypted) return { ok: false, reason: 'plain-http' };
  let peer = peers.get(socket);
  if (peer === undefined) {
    peer = readPeer(socket as TLSSocket);
    peers.set(socket, peer);
  }
  if (peer === null) return { ok: false, reason: 'absent' };
  if (!peer.authorized || Date.now() > peer.notAfter || !isAnchored(peer, cas) || peer.identity === undefined) {
    return { ok: false, reason: 'untrusted' };
  }
  return { ok: true, identity: peer.identity };
}
