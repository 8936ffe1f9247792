// Test helper: a real gateway on ephemeral ports from a YAML text.
import { loadConfig } from '@rustronaut/config';
import { createLogger, createMetricsRegistry } from '@rustronaut/observability';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type RunningGateway } from '../src/index.js';

export interface TestGateway extends RunningGateway {
  readonly file: string;
  readonly base: string;
  metricsText(): Promise<string>;
}

export async function startTestGateway(
  yaml: string,
  env: Record<string, string> = {},
  watchFile = false,
): Promise<TestGateway> {
  const file = join(mkdtempSync(join(tmpdir(), 'rustronaut-gw-')), 'gateway.yaml');
  writeFileSync(file, yaml);
  const config = loadConfig({
    env: {
      RUSTRONAUT_GATEWAY_HTTP_LISTEN: '127.0.0.1:0',
      RUSTRONAUT_GATEWAY_OPS_LISTEN: '127.0.0.1:0',
      RUSTRONAUT_GATEWAY_ACCESS_LOG: 'false',
      ...env,
    },
  });
  const gw = await startGateway({
    config,
    logger: createLogger({ level: 'silent', format: 'json' }),
    metrics: createMetricsRegistry({ role: 'gateway', version: 'test' }),
    file,
    watchFile,
  });
  return Object.assign(gw, {
    file,
    base: `http://127.0.0.1:${String(gw.httpPort)}`,
    metricsText: async () => (await fetch(`http://127.0.0.1:${String(gw.opsPort)}/metrics`)).text(),
  });
}
