import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import type { DeviceContext } from '@rustronaut/policy';
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
  return clientCaOf(pem, `${field}: "${file}"`);
}

/**
 * The CA set of PEM certificates (none: a set nothing chains to); throws a TypeError starting with `where` when
 * one cannot be parsed or is not a CA.
 */
export function clientCaOf(pem: readonly string[], where: string): ClientCaSet {
  const certificates = pem.map((p) => {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(p);
    } catch (err) {
      throw new TypeError(`${where} has a certificate that cannot be parsed: ${(err as Error).message}`, {
        cause: err,
      });
    }
    if (!cert.ca) throw new TypeError(`${where}: "${cert.subject.replaceAll('\n', ', ')}" is not a CA certificate`);
    return cert;
  });
  return { pem, fingerprints: new Set(certificates.map((c) => c.fingerprint256)), certificates };
}

/** Why a connection's client certificate was not accepted for a route. */
export type CertificateRefusal = 'plain-http' | 'absent' | 'untrusted';

/** The outcome of checking a connection's client certificate against a route's CAs. */
export type CertificateOutcome =
  | { readonly ok: true; readonly identity: Identity; readonly device: DeviceContext }
  | { readonly ok: false; readonly reason: CertificateRefusal };

interface Peer {
  /** OpenSSL verified the chain against the listener's trust store (validity dates and CA flags included). */
  readonly authorized: boolean;
  readonly chain: readonly { fingerprint256: string; x509: X509Certificate }[];
  readonly notAfter: number;
  readonly identity: Identity | undefined;
  /** Fingerprint of the leaf, the certificates sent above it, and the SANs of the leaf. */
  readonly device: DeviceContext;
  /** Per CA set: what policies see of the certificate when the chain ends at one of its CAs, else null. */
  readonly anchored: Map<ClientCaSet, DeviceContext | null>;
}

// The peer certificate is read once per TLS connection; keep-alive requests reuse it.
const peers = new WeakMap<Socket, Peer | null>();

const hexOf = (fingerprint256: string) => fingerprint256.replaceAll(':', '').toLowerCase();

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
  const thumbprint = Buffer.from(hexOf(first.fingerprint256), 'hex').toString('base64url');
  return {
    authorized: socket.authorized,
    device: {
      fingerprint: hexOf(first.fingerprint256),
      chainFingerprints: chain.slice(1).map((c) => hexOf(c.fingerprint256)),
      sans: first.x509.subjectAltName?.split(', ') ?? [],
    },
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

/**
 * The device as policies see it when the peer's chain ends at a CA of `cas` (the CA itself is in its chain
 * fingerprints, also when the client sent only its leaf), else null.
 */
function anchoredDevice(peer: Peer, cas: ClientCaSet): DeviceContext | null {
  let device = peer.anchored.get(cas);
  if (device === undefined) {
    const anchor =
      peer.chain.find((c) => cas.fingerprints.has(c.fingerprint256))?.fingerprint256 ??
      cas.certificates.find((ca) => peer.chain.some((c) => c.x509.checkIssued(ca) && c.x509.verify(ca.publicKey)))
        ?.fingerprint256;
    device =
      anchor === undefined
        ? null
        : {
            ...peer.device,
            chainFingerprints: [...new Set([...peer.device.chainFingerprints, hexOf(anchor)])],
          };
    peer.anchored.set(cas, device);
  }
  return device;
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
  const device = peer.authorized && Date.now() <= peer.notAfter ? anchoredDevice(peer, cas) : null;
  if (device === null || peer.identity === undefined) return { ok: false, reason: 'untrusted' };
  return { ok: true, identity: peer.identity, device };
}
