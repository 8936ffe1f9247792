import { createLogger } from '@rustronaut/observability';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createForwarders, type Forwarders } from './forwarders.js';

// Real sockets on loopback: the "tunnel address" is 127.0.0.1, and the client's source address decides whether it
// is the hub (127.0.0.1), a granted device or anyone else (127.0.0.x, the same loopback under another address).

const logger = createLogger({ level: 'silent', format: 'json' });
const opened: Array<Server | Forwarders> = [];
afterEach(async () => {
  for (const thing of opened.splice(0)) {
    if ('update' in thing) await thing.close();
    else await new Promise((resolve) => thing.close(resolve));
  }
});

/** A TCP service that answers every connection with `greeting` and closes. */
async function service(greeting: string): Promise<number> {
  const server = createServer((socket) => socket.end(greeting));
  opened.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** Connects from `localAddress` and reads until the connection closes. */
async function exchange(port: number, localAddress: string): Promise<string> {
  const socket = connect({ host: '127.0.0.1', port, localAddress });
  let text = '';
  socket.on('data', (c: Buffer) => (text += c.toString()));
  await once(socket, 'close');
  return text;
}

const target = (port: number, tunnelPort: number, name = 'web') => ({
  id: randomUUID(),
  name,
  host: '127.0.0.1',
  port,
  tunnelPort,
});

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('createForwarders', () => {
  it('forwards connections from the hub and closes any other at once', async () => {
    const forwarders = createForwarders(logger);
    opened.push(forwarders);
    const tunnelPort = await freePort();
    await forwarders.update('127.0.0.1', ['127.0.0.1'], [target(await service('hello'), tunnelPort)]);
    expect(await exchange(tunnelPort, '127.0.0.1')).toBe('hello');
    expect(await exchange(tunnelPort, '127.0.0.2')).toBe('');

    // A changed target applies to the next connection on the same listener; another hub address too.
    await forwarders.update('127.0.0.1', ['127.0.0.2'], [target(await service('moved'), tunnelPort)]);
    expect(await exchange(tunnelPort, '127.0.0.2')).toBe('moved');
    expect(await exchange(tunnelPort, '127.0.0.1')).toBe('');
  });

  it('accepts the granted devices beside the hub, and stops accepting a device once its grant is gone', async () => {
    const forwarders = createForwarders(logger);
    opened.push(forwarders);
    const tunnelPort = await freePort();
    const targets = [target(await service('hello'), tunnelPort)];
    await forwarders.update('127.0.0.1', ['127.0.0.1', '127.0.0.3'], targets);
    expect(await exchange(tunnelPort, '127.0.0.3')).toBe('hello');
    expect(await exchange(tunnelPort, '127.0.0.1')).toBe('hello');
    expect(await exchange(tunnelPort, '127.0.0.4')).toBe('');
    await forwarders.update('127.0.0.1', ['127.0.0.1'], targets);
    expect(await exchange(tunnelPort, '127.0.0.3')).toBe('');
    expect(await exchange(tunnelPort, '127.0.0.1')).toBe('hello');
  });

  it('stops listening for a removed target, and names a target whose port is taken', async () => {
    const forwarders = createForwarders(logger);
    opened.push(forwarders);
    const [kept, removed] = [await freePort(), await freePort()];
    const port = await service('hi');
    await forwarders.update('127.0.0.1', ['127.0.0.1'], [target(port, kept), target(port, removed, 'old')]);
    await forwarders.update('127.0.0.1', ['127.0.0.1'], [target(port, kept)]);
    expect(await exchange(kept, '127.0.0.1')).toBe('hi');
    const refused = connect({ host: '127.0.0.1', port: removed });
    const [err] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    expect(err.code).toBe('ECONNREFUSED');

    const taken = await service('other');
    await expect(
      forwarders.update('127.0.0.1', ['127.0.0.1'], [target(port, kept), target(port, taken, 'db')]),
    ).rejects.toThrow(`cannot listen for db on 127.0.0.1:${String(taken)}`);
    expect(await exchange(kept, '127.0.0.1')).toBe('hi');
  });

  it('passes a failed target on as a reset, so the gateway sees the failure', async () => {
    const forwarders = createForwarders(logger);
    opened.push(forwarders);
    const tunnelPort = await freePort();
    await forwarders.update('127.0.0.1', ['127.0.0.1'], [target(await freePort(), tunnelPort)]);
    const socket = connect({ host: '127.0.0.1', port: tunnelPort });
    const [err] = (await once(socket, 'error')) as [NodeJS.ErrnoException];
    expect(err.code).toBe('ECONNRESET');
  });
});
