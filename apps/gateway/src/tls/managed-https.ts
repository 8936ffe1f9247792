import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { Server as HttpsServer } from 'node:https';
import { TLSSocket } from 'node:tls';
import { readClientHelloSni } from './client-hello.js';
import { ACME_TLS_ALPN, type ManagedTls } from './managed-tls.js';

// Same bounds as the TCP proxy's SNI peek: one full TLS record, and a few seconds to send it.
const MAX_HELLO_BYTES = 16_384 + 5;
const HELLO_DEADLINE_MS = 10_000;

/** The HTTPS listener of a managed gateway: see {@link createManagedHttpsListener}. */
export interface ManagedHttpsListener {
  readonly server: NetServer;
  /** Stops accepting, lets requests in flight finish, and cuts what is left after `graceMs`. */
  close(graceMs: number): Promise<void>;
}

/**
 * Accepts TLS connections for `https` and reads each ClientHello first: a TLS-ALPN-01 validation handshake (the
 * client offers only `acme-tls/1`, RFC 8737 section 3) for a host with a pending challenge is answered with the
 * challenge's certificate and closed, since node picks the certificate (SNICallback) before it sees ALPN. A
 * connection for a host whose route asks for a client certificate goes to `clientAuth` (a server that requests
 * one: node decides that per server, not per SNI context), every other one to `https`, bytes read so far included.
 */
export function createManagedHttpsListener(
  https: HttpsServer,
  clientAuth: HttpsServer,
  tls: ManagedTls,
): ManagedHttpsListener {
  const server = createNetServer((socket: Socket) => {
    let buf: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), HELLO_DEADLINE_MS);
    const onData = (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      const hello = readClientHelloSni(buf);
      if (hello.status === 'incomplete' && buf.length < MAX_HELLO_BYTES) return;
      clearTimeout(timer);
      socket.off('data', onData).off('error', onError).pause();
      socket.unshift(buf);
      if (hello.status === 'ok' && hello.alpn?.length === 1 && hello.alpn[0] === ACME_TLS_ALPN) {
        const context = tls.alpnChallenge(hello.serverName);
        if (context === undefined) {
          socket.destroy();
          return;
        }
        const validation = new TLSSocket(socket, {
          isServer: true,
          secureContext: context,
          ALPNProtocols: [ACME_TLS_ALPN],
        });
        validation.on('secure', () => validation.end());
        validation.on('error', () => validation.destroy());
        return;
      }
      (hello.status === 'ok' && tls.wantsClientCertificate(hello.serverName) ? clientAuth : https).emit(
        'connection',
        socket,
      );
    };
    const onError = () => {
      clearTimeout(timer);
      socket.destroy();
    };
    socket.on('data', onData).on('error', onError);
  });
  return {
    server,
    close: (graceMs) =>
      new Promise<void>((resolve) => {
        if (!server.listening) {
          resolve();
          return;
        }
        const servers = [https, clientAuth];
        const cut = setTimeout(() => servers.forEach((s) => s.closeAllConnections()), graceMs);
        const sweep = setInterval(() => servers.forEach((s) => s.closeIdleConnections()), 50);
        server.close(() => {
          clearTimeout(cut);
          clearInterval(sweep);
          resolve();
        });
        servers.forEach((s) => s.closeIdleConnections());
      }),
  };
}
