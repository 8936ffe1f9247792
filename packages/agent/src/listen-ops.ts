import { explainListenError, type ListenAddress } from '@rustronaut/config';
import type { Server } from 'node:net';

/** Binds the ops listener to its configured address; a bind failure names the setting that changes it. */
export function listenOps(server: Server, address: ListenAddress, fieldPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(explainListenError(err, fieldPath, address)));
    server.listen({ host: address.host || undefined, port: address.port }, () => {
      const bound = server.address();
      resolve(typeof bound === 'object' && bound !== null ? bound.port : address.port);
    });
  });
}

/** Closes the ops listener if it is listening (a hub or connector started without one has nothing to close). */
export function closeOps(server: Server): Promise<void> {
  return new Promise((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
}
