// /metrics is valid Prometheus text exposition format (version 0.0.4) and has the documented families.
import { startHttpUpstream, type HttpUpstream } from '@rustronaut/testkit';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../test/start-test-gateway.js';

let upstream: HttpUpstream;
let gw: TestGateway;

beforeAll(async () => {
  upstream = await startHttpUpstream();
  gw = await startTestGateway(`
routes:
  - name: app
    match: { host: app.test }
    upstreams: [{ url: "${upstream.url}" }]
    rateLimit: { requestsPerSecond: 1, burst: 1 }
    access: public
`);
  for (const host of ['app.test', 'app.test', 'none.test']) {
    const res = await request(`${gw.base}/`, { headers: { host } });
    await res.body.text();
  }
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`;
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(?:${LABEL}(?:,${LABEL})*)?,?\\})? (-?[0-9.eE+-]+|NaN|[+-]Inf)( -?\\d+)?$`);

/** Checks every line against the text format and returns families with their type and samples. */
function parseExposition(text: string): Map<string, { type: string; samples: string[] }> {
  const families = new Map<string, { type: string; samples: string[] }>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) {
      const [, kind, name = '', rest = ''] = meta;
      const family = families.get(name) ?? { type: 'untyped', samples: [] };
      if (kind === 'TYPE') {
        expect(['counter', 'gauge', 'histogram', 'summary', 'untyped']).toContain(rest);
        family.type = rest;
      }
      families.set(name, family);
      continue;
    }
    const sample = SAMPLE.exec(line);
    expect(sample, `not a valid sample line: ${line}`).not.toBeNull();
    const name = sample?.[1] ?? '';
    const family = families.get(name) ?? families.get(name.replace(/_(bucket|sum|count)$/, ''));
    expect(family, `sample without a family: ${line}`).toBeDefined();
    family?.samples.push(line);
  }
  return families;
}

describe('/metrics', () => {
  it('parses as Prometheus text format and holds every documented family', async () => {
    const res = await fetch(`http://127.0.0.1:${String(gw.opsPort)}/metrics`);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = parseExposition(await res.text());
    const expected: Record<string, string> = {
      rustronaut_gateway_requests_total: 'counter',
      rustronaut_gateway_request_duration_seconds: 'histogram',
      rustronaut_gateway_upstream_healthy: 'gauge',
      rustronaut_gateway_active_connections: 'gauge',
      rustronaut_gateway_received_bytes_total: 'counter',
      rustronaut_gateway_sent_bytes_total: 'counter',
      rustronaut_gateway_rate_limited_total: 'counter',
      rustronaut_gateway_tcp_connections_total: 'counter',
      rustronaut_gateway_config_version: 'gauge',
      rustronaut_gateway_config_last_reload_timestamp_seconds: 'gauge',
      rustronaut_gateway_config_reloads_total: 'counter',
      rustronaut_build_info: 'gauge',
      rustronaut_process_resident_memory_bytes: 'gauge',
    };
    for (const [name, type] of Object.entries(expected)) expect(families.get(name)?.type, name).toBe(type);
    const requests = families.get('rustronaut_gateway_requests_total')?.samples ?? [];
    expect(requests).toContain('rustronaut_gateway_requests_total{route="app",method="GET",code="200"} 1');
    expect(requests).toContain('rustronaut_gateway_requests_total{route="app",method="GET",code="429"} 1');
    expect(requests).toContain('rustronaut_gateway_requests_total{route="none",method="GET",code="404"} 1');
    expect(families.get('rustronaut_gateway_upstream_healthy')?.samples).toContain(
      `rustronaut_gateway_upstream_healthy{route="app",upstream="${upstream.url}/"} 1`,
    );
    expect(families.get('rustronaut_gateway_active_connections')?.samples.join('\n')).toMatch(/listener="http"/);
  });
});
