import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';

/**
 * `n` distinct TCP ports on 127.0.0.1 that were free a moment ago: for a real process, which needs fixed addresses
 * to be probed from outside. All `n` are held open at once, so they differ; another process may still take one
 * before the caller binds it.
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, async () => {
      const s = createServer();
      s.listen(0, '127.0.0.1');
      await once(s, 'listening');
      return s;
    }),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}
