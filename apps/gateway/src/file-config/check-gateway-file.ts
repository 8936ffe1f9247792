import { errors, isAppError } from '@rustronaut/errors';
import { Agent } from 'undici';
import { compileSnapshot } from '../snapshot.js';
import { loadGatewayFile } from './load-gateway-file.js';

/**
 * Validates a gateway file the way a start or reload would (schema, then compilation) without binding
 * anything; returns a one-line summary. Throws `ERR_CONFIG_INVALID` naming the problem.
 */
export async function checkGatewayFile(file: string): Promise<string> {
  const source = await loadGatewayFile(file);
  const agent = new Agent();
  try {
    const snapshot = compileSnapshot(source, 1, { dispatcherFor: () => agent, onAvailabilityChange: () => undefined });
    const tcp = snapshot.tcp.length;
    return `${String(snapshot.routes.length)} HTTP route(s), ${String(tcp)} TCP listener(s)`;
  } catch (err) {
    if (isAppError(err)) throw err;
    throw errors.configInvalid.create(`invalid configuration:\n  ${file}: ${(err as Error).message}`, { cause: err });
  } finally {
    await agent.close();
  }
}
