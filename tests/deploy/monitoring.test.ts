import { createMetricsRegistry } from '@rustronaut/observability';
import { readdir, readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { readRepoFile, readYaml, ROOT } from './deploy-files.js';

/** Names the code registers: `name: 'rustronaut_…'` in apps/*\/src and packages/*\/src, plus the default metrics. */
async function exportedMetrics(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const group of ['apps', 'packages']) {
    for (const workspace of await readdir(`${ROOT}${group}`)) {
      const src = `${ROOT}${group}/${workspace}/src`;
      const files = await readdir(src, { recursive: true }).catch(() => [] as string[]);
      for (const file of files.filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
        const text = await readFile(`${src}/${file}`, 'utf8');
        for (const [, name = ''] of text.matchAll(/\bname:\s*'(rustronaut_[a-z0-9_]+)'/g)) names.add(name);
      }
    }
  }
  const registry = createMetricsRegistry({ role: 'test', version: '0' });
  for (const metric of await registry.getMetricsAsJSON()) names.add(metric.name);
  return names;
}

/** Metric names in a PromQL expression (ours all start with `rustronaut_`; `up` is Prometheus' own). */
const metricsIn = (expr: string): string[] =>
  [...expr.matchAll(/\b(rustronaut_[a-z0-9_]+|up)\b(?!\s*\()/g)].map((m) => m[1] ?? '');

/** A histogram's series names come from the family: `_bucket`, `_sum`, `_count`. */
const family = (name: string, exported: Set<string>) =>
  exported.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '');

interface Rule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: { severity: string };
  readonly annotations: { summary: string; description: string };
}

describe('deploy/monitoring', () => {
  let exported: Set<string>;
  let rules: Rule[];
  let panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
  beforeAll(async () => {
    exported = await exportedMetrics();
    const [alerts = {}] = await readYaml('deploy/monitoring/alerts.yml');
    rules = (alerts['groups'] as Array<{ rules: Rule[] }>).flatMap((g) => g.rules);
    panels = (JSON.parse(await readRepoFile('deploy/monitoring/grafana-dashboard.json')) as { panels: typeof panels })
      .panels;
  });

  it('finds the metrics the code registers (the scan sees what it polices)', () => {
    for (const name of [
      'rustronaut_gateway_requests_total',
      'rustronaut_gateway_upstream_healthy',
      'rustronaut_certificate_expiry_timestamp_seconds',
      'rustronaut_audit_verification_ok',
      'rustronaut_process_resident_memory_bytes',
      'rustronaut_build_info',
    ]) {
      expect(exported).toContain(name);
    }
  });

  it('alerts on every failure the issue names, each rule complete', () => {
    const byMetric = (metric: string) => rules.filter((r) => metricsIn(r.expr).includes(metric)).map((r) => r.alert);
    expect(rules.find((r) => r.alert === 'RustronautGatewayDown')?.expr).toBe('up{job="rustronaut-gateway"} == 0');
    expect(byMetric('rustronaut_gateway_upstream_healthy')).toEqual(['RustronautUpstreamUnhealthy']);
    expect(rules.find((r) => r.alert === 'RustronautHigh5xxRatio')?.expr).toContain('code=~"5.."');
    expect(rules.find((r) => r.alert === 'RustronautCertificateExpiringSoon')?.expr).toBe(
      'rustronaut_certificate_expiry_timestamp_seconds - time() < 14 * 24 * 3600',
    );
    expect(byMetric('rustronaut_audit_verification_ok')).toEqual(['RustronautAuditChainBroken']);
    const handshake = 'rustronaut_tunnel_peer_last_handshake_timestamp_seconds';
    if (exported.has(handshake)) {
      expect(rules.find((r) => r.alert === 'RustronautTunnelHandshakeStale')?.expr).toBe(`time() - ${handshake} > 180`);
    }
    for (const rule of rules) {
      expect(rule.alert).toMatch(/^Rustronaut[A-Z][A-Za-z0-9]+$/);
      expect(['critical', 'warning']).toContain(rule.labels.severity);
      expect(rule.annotations.summary.length, rule.alert).toBeGreaterThan(10);
      expect(rule.annotations.description.length, rule.alert).toBeGreaterThan(10);
    }
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
  });

  it('uses in its alert rules and dashboard only metrics the code exports', () => {
    const used = [
      ...rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })),
      ...panels.flatMap((p) => p.targets.map((t) => ({ where: `panel "${p.title}"`, expr: t.expr }))),
    ];
    expect(panels.length).toBeGreaterThan(8);
    const unknown = used.flatMap(({ where, expr }) =>
      metricsIn(expr)
        .filter((name) => name !== 'up' && !exported.has(family(name, exported)))
        .map((name) => `${name} (${where})`),
    );
    expect(unknown, 'metrics used but not registered in apps/*/src or packages/*/src').toEqual([]);
    for (const { where, expr } of used) expect(metricsIn(expr).length, where).toBeGreaterThan(0);
  });

  it('scrapes the jobs the rules name and loads the rule file', async () => {
    const [prometheus = {}] = await readYaml('deploy/monitoring/prometheus.yml');
    expect(prometheus['rule_files']).toEqual(['alerts.yml']);
    const jobs = (prometheus['scrape_configs'] as Array<{ job_name: string }>).map((j) => j.job_name);
    for (const rule of rules) {
      for (const [, job = ''] of rule.expr.matchAll(/job="([^"]+)"/g)) expect(jobs, rule.alert).toContain(job);
    }
  });
});
