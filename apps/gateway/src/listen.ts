import { explainListenError, type ListenAddress } from '@rustronaut/config';
import type { Server } from 'node:net';

/**
 * Binds a server to a configured address; a bind failure names the setting that changes it.
 * An empty host binds every interface (IPv6 and IPv4 where the host has both).
 */
export function listen(server: Server, address: ListenAddress, fieldPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(explainListenError(err, fieldPath, address));
    server.once('error', onError);
    server.listen({ host: address.host || undefined, port: address.port }, () => {
      server.off('error', onError);
      const bound = server.address();
      resolve(typeof bound === 'object' && bound !== null ? bound.port : address.port);
    });
  });
}

/**
 * Stops accepting connections, lets in-flight requests finish, closes keep-alive connections as soon as they
 * fall idle, and cuts whatever is left after `graceMs`.
 */
export function drain(
  server: Server & { closeIdleConnections?: () => void; closeAllConnections?: () => void },
  graceMs: number,
): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    const cut = setTimeout(() => server.closeAllConnections?.(), graceMs);
    // server.close() only closes the connections idle at that moment; others fall idle as their responses end.
    const sweep = setInterval(() => server.closeIdleConnections?.(), 50);
    server.close(() => {
      clearTimeout(cut);
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections?.();
  });
}
