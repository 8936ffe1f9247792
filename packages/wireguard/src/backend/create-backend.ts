import { createKernelBackend } from './kernel.js';
import { probeBackend } from './probe.js';
import type { BackendOptions, WireGuardBackend } from './types.js';
import { createWireguardGoBackend } from './wireguard-go.js';

const NETNS_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Creates the backend for one interface: `options.kind`, or the one {@link probeBackend} picks. Checks the options
 * first (TypeError naming the option), then rejects with ERR_WG_BACKEND_UNAVAILABLE when the host cannot run it,
 * saying exactly what is missing. Nothing is created until `up`.
 */
export async function createBackend(options: BackendOptions = {}): Promise<WireGuardBackend> {
  const settings = checkOptions(options);
  const { kind } = await probeBackend({
    ...(options.kind === undefined ? {} : { kind: options.kind }),
    wireguardGo: settings.wireguardGo,
  });
  return kind === 'kernel' ? createKernelBackend(settings.netns) : createWireguardGoBackend(settings);
}

function checkOptions(options: BackendOptions) {
  const fail = (message: string): never => {
    throw new TypeError(`createBackend: ${message}`);
  };
  const { kind, netns, wireguardGo = 'wireguard-go', uapiTimeoutMs = 5000, onEvent = () => undefined } = options;
  const { restartMinDelayMs = 100, restartMaxDelayMs = 5000 } = options;
  if (kind !== undefined && kind !== 'wireguard-go' && kind !== 'kernel') {
    fail(`kind must be "wireguard-go" or "kernel", got ${JSON.stringify(kind)}`);
  }
  if (netns !== undefined && (typeof netns !== 'string' || !NETNS_NAME.test(netns))) {
    fail('netns must be a network namespace name');
  }
  if (typeof wireguardGo !== 'string' || wireguardGo === '' || wireguardGo.startsWith('-')) {
    fail('wireguardGo must be an executable name or path');
  }
  for (const [name, value] of Object.entries({ uapiTimeoutMs, restartMinDelayMs, restartMaxDelayMs })) {
    if (!Number.isInteger(value) || value <= 0) fail(`${name} must be a positive integer, got ${String(value)}`);
  }
  if (restartMinDelayMs > restartMaxDelayMs) fail('restartMinDelayMs must not exceed restartMaxDelayMs');
  if (typeof onEvent !== 'function') fail('onEvent must be a function');
  return { netns, wireguardGo, uapiTimeoutMs, restartMinDelayMs, restartMaxDelayMs, onEvent };
}
