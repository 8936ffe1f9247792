import type { ConnectorTarget } from '@rustronaut/contracts';
import type { Logger } from '@rustronaut/observability';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';

/** The TCP listeners of a connector: one per target, on its tunnel address. */
export interface Forwarders {
  /**
   * Makes the listeners match: one on `<address>:<tunnelPort>` per target, forwarding to the target's `host:port`
   * and accepting connections from `allowedPeers` only. Listeners of unchanged ports stay (their connections too);
   * a changed target or peer list takes effect for the next connection. Rejects when a port cannot be bound; the
   * others apply.
   */
  update(address: string, allowedPeers: readonly string[], targets: readonly ConnectorTarget[]): Promise<void>;
  /** Stops listening and cuts every forwarded connection. */
  close(): Promise<void>;
}

interface Listener {
  readonly server: Server;
  target: ConnectorTarget;
}

/** IPv4 peers may show up as IPv4-mapped IPv6 (`::ffff:100.96.0.1`) on a dual-stack socket. */
const plain = (address: string | undefined) => address?.replace(/^::ffff:/, '');

/**
 * Forwards TCP from the tunnel to the site's targets. Connections from any address but the hub's tunnel address
 * and those of the client devices granted the site are closed at once, before a byte is read or the target is
 * dialled: only the hub (so only the gateways behind it, after their access checks) and granted devices may reach
 * a target.
 */
export function createForwarders(logger: Logger): Forwarders {
  const listeners = new Map<string, Listener>();
  const sockets = new Set<Socket>();
  let allowed = new Set<string>();

  const forward = (listener: Listener) => (client: Socket) => {
    if (!allowed.has(plain(client.remoteAddress) ?? '')) {
      logger.warn(
        { from: client.remoteAddress, target: listener.target.name },
        'connection refused: neither the hub nor a granted device',
      );
      client.destroy();
      return;
    }
    const { host, port, name } = listener.target;
    const upstream = connect({ host, port, noDelay: true });
    client.setNoDelay(true);
    sockets.add(client).add(upstream);
    // A failure on one side is passed on as a reset (RST), so the gateway sees it (502), not a clean end.
    const failed = (from: Socket, other: Socket) => (err: Error) => {
      logger.debug({ err, target: name }, 'forwarded connection failed');
      other.resetAndDestroy();
      from.destroy();
    };
    client.on('error', failed(client, upstream)).on('close', () => {
      sockets.delete(client);
      upstream.destroySoon();
    });
    upstream.on('error', failed(upstream, client)).on('close', () => {
      sockets.delete(upstream);
      client.destroySoon();
    });
    client.pipe(upstream);
    upstream.pipe(client);
  };

  const closeServer = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

  return {
    async update(address, allowedPeers, targets) {
      allowed = new Set(allowedPeers);
      const wanted = new Map(targets.map((t) => [`${address}:${String(t.tunnelPort)}`, t]));
      for (const [key, listener] of listeners) {
        if (!wanted.has(key)) {
          listeners.delete(key);
          await closeServer(listener.server);
          logger.info({ target: listener.target.name, listen: key }, 'target forwarder stopped');
        }
      }
      const failures: string[] = [];
      for (const [key, target] of wanted) {
        const existing = listeners.get(key);
        if (existing !== undefined) {
          existing.target = target;
          continue;
        }
        const listener: Listener = { server: createServer(), target };
        listener.server.on('connection', forward(listener));
        listener.server.listen({ host: address, port: target.tunnelPort });
        try {
          await Promise.race([
            once(listener.server, 'listening'),
            once(listener.server, 'error').then(([err]) => Promise.reject(err as Error)),
          ]);
        } catch (err) {
          failures.push(`${target.name} on ${key}: ${(err as Error).message}`);
          continue;
        }
        listeners.set(key, listener);
        logger.info({ target: target.name, listen: key, to: `${target.host}:${String(target.port)}` }, 'forwarding');
      }
      if (failures.length > 0) throw new Error(`cannot listen for ${failures.join('; ')}`);
    },
    async close() {
      const servers = [...listeners.values()].map((l) => l.server);
      listeners.clear();
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map(closeServer));
    },
  };
}
