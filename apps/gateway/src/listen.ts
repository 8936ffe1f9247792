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
 * Stops accepting connections, lets in-flight requests finish, closes idle keep-alive connections,
 * and cuts whatever is left after `graceMs`.
 */
export function drain(
  server: Server & { closeIdleConnections?: () => void; closeAllConnections?: () => void },
  graceMs: number,
): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections?.(), graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections?.();
  });
}
