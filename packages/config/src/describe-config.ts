import { stringify } from 'yaml';
import { formatListenAddress, type ListenAddress } from './listen-address.js';
import { listConfigFields, type Config } from './schema.js';

/**
 * The effective configuration as YAML, for `rustronaut config check`. Secret fields are masked;
 * listen addresses are written back as `host:port`.
 */
export function describeConfig(config: Config): string {
  const out: Record<string, unknown> = {};
  for (const { path, field } of listConfigFields()) {
    const value = path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], config);
    if (value === undefined) continue;
    const shown = field.secret ? '********' : isListen(value) ? formatListenAddress(value) : value;
    const keys = path.split('.');
    let node = out;
    for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
    node[keys[keys.length - 1] as string] = shown;
  }
  return stringify(out);
}

function isListen(value: unknown): value is ListenAddress {
  return typeof value === 'object' && value !== null && 'port' in value && 'host' in value;
}
