import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/** Options for a process's metrics registry. */
export interface MetricsRegistryOptions {
  /** Role of the process (`admin`, `gateway`, `all-in-one`), a label on `rustronaut_build_info`. */
  readonly role: string;
  /** Version, a label on `rustronaut_build_info`. */
  readonly version: string;
  /** Collect Node.js process metrics (`rustronaut_process_*`, `rustronaut_nodejs_*`). */
  readonly defaultMetrics?: boolean;
}

/** Creates a registry for one process (never the prom-client global). */
export function createMetricsRegistry(options: MetricsRegistryOptions): Registry {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'rustronaut_' });
  const info = new Gauge({
    name: 'rustronaut_build_info',
    help: 'Always 1; labels carry the version and role of the process.',
    labelNames: ['version', 'role'],
    registers: [registry],
  });
  info.set({ version: options.version, role: options.role }, 1);
  return registry;
}

export type { Registry } from 'prom-client';
