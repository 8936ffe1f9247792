import type { SnapshotTls } from '@rustronaut/contracts';
import type { Logger } from '@rustronaut/observability';
import { createSecureContext, type SecureContext } from 'node:tls';
import { loadCertificateEntry, type CertificateEntry } from './certificate-store.js';

/** The ALPN protocol of TLS-ALPN-01 validation handshakes (RFC 8737 section 3). */
export const ACME_TLS_ALPN = 'acme-tls/1';

/** Certificates and ACME challenges of a gateway managed by the admin, replaced with each snapshot. */
export interface ManagedTls {
  /** Loads the TLS part of a snapshot; a certificate that does not load is left out and logged, never fatal. */
  update(tls: SnapshotTls): void;
  /**
   * The context for a server name: the preferred certificate (uploaded, then ACME, then the built-in CA's) among
   * those for the exact name and for its wildcard (the exact one at the same rank), skipping expired ones;
   * undefined when none serves it.
   */
  select(serverName: string | undefined): SecureContext | undefined;
  /** The TLS-ALPN-01 validation context for a host, while its challenge is pending. */
  alpnChallenge(serverName: string | undefined): SecureContext | undefined;
  /** The HTTP-01 answer for a token requested on `host`, while its challenge is pending. */
  httpChallenge(host: string, token: string): string | undefined;
  /** Whether any certificate is loaded (an HTTPS listener without any can only fail handshakes). */
  readonly size: number;
  /**
   * The hosts whose routes ask for a client certificate (exact names, or `*.parent`), and the CAs it must chain
   * to; replaced with each snapshot.
   */
  setClientAuth(hosts: ReadonlySet<string>, ca: readonly string[]): void;
  /** Whether connections for this server name are asked for a client certificate. */
  wantsClientCertificate(serverName: string | undefined): boolean;
  /** Like `select`, with the client-certificate CAs in the context's trust store. */
  selectWithClientAuth(serverName: string | undefined): SecureContext | undefined;
}

const PREFERENCE = { upload: 0, acme: 1, builtin: 2 } as const;

interface Served {
  readonly rank: number;
  readonly entry: CertificateEntry;
  readonly pem: { readonly certPem: string; readonly keyPem: string };
}

/**
 * An empty {@link ManagedTls}; `now` is the clock deciding expiry (tests move it). A certificate past its
 * `notAfter` is never served: the next one for the name is, down to the built-in CA's.
 */
export function createManagedTls(logger: Logger, now: () => number = Date.now): ManagedTls {
  let exact = new Map<string, Served[]>();
  let wildcard = new Map<string, Served[]>();
  let alpn = new Map<string, SecureContext>();
  let http = new Map<string, { host: string; keyAuthorization: string }>();
  let size = 0;
  let clientAuthHosts: ReadonlySet<string> = new Set();
  let clientAuthCa: readonly string[] = [];
  // Contexts with the client CAs, made on first use and dropped with every change.
  let withClientAuth = new WeakMap<Served, SecureContext>();

  const live = (list: Served[] | undefined) => {
    const at = now();
    return list?.find((s) => s.entry.notAfter.getTime() > at);
  };
  /** The served certificate of a name: see `select`. */
  const served = (serverName: string | undefined) => {
    if (serverName === undefined) return undefined;
    const name = serverName.toLowerCase();
    const dot = name.indexOf('.');
    const byName = live(exact.get(name));
    const byWildcard = dot > 0 ? live(wildcard.get(name.slice(dot + 1))) : undefined;
    // A wildcard of a better source wins over the exact name (an ACME `*.example.com` over the built-in CA's
    // `app.example.com`); at the same rank the exact name does.
    return byWildcard !== undefined && (byName === undefined || byWildcard.rank < byName.rank) ? byWildcard : byName;
  };

  return {
    get size() {
      return size;
    },
    update(tls) {
      const nextExact = new Map<string, Served[]>();
      const nextWildcard = new Map<string, Served[]>();
      let loaded = 0;
      tls.certificates.forEach((cert, index) => {
        let entry: CertificateEntry;
        try {
          entry = loadCertificateEntry({ certPem: cert.certPem, keyPem: cert.keyPem, source: cert.id }, index);
        } catch (err) {
          logger.error({ certificate: cert.id, error: (err as Error).message }, 'certificate left out');
          return;
        }
        loaded++;
        for (const host of cert.hosts) {
          const map = host.startsWith('*.') ? nextWildcard : nextExact;
          const key = host.startsWith('*.') ? host.slice(2) : host;
          const list = map.get(key) ?? [];
          list.push({ rank: PREFERENCE[cert.source], entry, pem: { certPem: cert.certPem, keyPem: cert.keyPem } });
          list.sort((a, b) => a.rank - b.rank || b.entry.notAfter.getTime() - a.entry.notAfter.getTime());
          map.set(key, list);
        }
      });
      const nextAlpn = new Map<string, SecureContext>();
      const nextHttp = new Map<string, { host: string; keyAuthorization: string }>();
      for (const c of tls.challenges) {
        if (c.type === 'http-01') {
          nextHttp.set(c.token, { host: c.host, keyAuthorization: c.keyAuthorization });
        } else {
          try {
            nextAlpn.set(c.host, createSecureContext({ cert: c.certPem, key: c.keyPem, minVersion: 'TLSv1.2' }));
          } catch (err) {
            logger.error({ host: c.host, error: (err as Error).message }, 'TLS-ALPN-01 challenge left out');
          }
        }
      }
      exact = nextExact;
      wildcard = nextWildcard;
      alpn = nextAlpn;
      http = nextHttp;
      size = loaded;
      withClientAuth = new WeakMap();
    },
    select(serverName) {
      return served(serverName)?.entry.context;
    },
    setClientAuth(hosts, ca) {
      clientAuthHosts = hosts;
      clientAuthCa = ca;
      withClientAuth = new WeakMap();
    },
    wantsClientCertificate(serverName) {
      if (serverName === undefined || clientAuthHosts.size === 0) return false;
      const name = serverName.toLowerCase();
      const dot = name.indexOf('.');
      return clientAuthHosts.has(name) || (dot > 0 && clientAuthHosts.has(`*${name.slice(dot)}`));
    },
    selectWithClientAuth(serverName) {
      const found = served(serverName);
      if (found === undefined) return undefined;
      let context = withClientAuth.get(found);
      if (context === undefined) {
        context = createSecureContext({
          cert: found.pem.certPem,
          key: found.pem.keyPem,
          ca: [...clientAuthCa],
          minVersion: 'TLSv1.2',
        });
        withClientAuth.set(found, context);
      }
      return context;
    },
    alpnChallenge(serverName) {
      return serverName === undefined ? undefined : alpn.get(serverName.toLowerCase());
    },
    httpChallenge(host, token) {
      const found = http.get(token);
      return found !== undefined && found.host === host.toLowerCase() ? found.keyAuthorization : undefined;
    },
  };
}
