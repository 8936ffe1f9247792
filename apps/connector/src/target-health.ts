import type { ConnectorTarget } from '@rustronaut/contracts';
import { connect } from 'node:net';

/** Whether a TCP connection to `host:port` opens within `timeoutMs`. */
export function probeTcp(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const done = (up: boolean) => {
      socket.destroy();
      resolve(up);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

/**
 * The heartbeat status fields of the targets, `target:<name>` = `up` or `down`, as the admin reads them: a target
 * is up when a TCP connection to it opens within `timeoutMs`.
 */
export async function checkTargets(
  targets: readonly ConnectorTarget[],
  timeoutMs: number,
): Promise<Record<string, 'up' | 'down'>> {
  const results = await Promise.all(targets.map((t) => probeTcp(t.host, t.port, timeoutMs)));
  return Object.fromEntries(targets.map((t, i) => [`target:${t.name}`, results[i] ? 'up' : 'down']));
}
