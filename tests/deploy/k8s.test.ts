/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return -- parsed YAML is untyped data; these tests check its shape */
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliCommands, configEnvVars, PENDING_ROLES, readYaml, ROOT } from './deploy-files.js';

type Manifest = Record<string, any>;

/** The validating model class of kubernetes-models for an object (its JSON schema, compiled). */
async function modelOf(manifest: Manifest): Promise<new (data: Manifest) => { validate(): void }> {
  const apiVersion = String(manifest['apiVersion']);
  const module = (await import(`kubernetes-models/${apiVersion}`)) as Record<string, unknown>;
  const model = module[String(manifest['kind'])];
  if (typeof model !== 'function') throw new Error(`no schema for ${apiVersion} ${String(manifest['kind'])}`);
  return model as new (data: Manifest) => { validate(): void };
}

/** Loads a kustomization's resources (recursively) and applies its patches, as `kubectl apply -k` would. */
async function build(dir: string): Promise<Manifest[]> {
  const [kustomization = {}] = await readYaml(`${dir}/kustomization.yaml`);
  let objects: Manifest[] = [];
  for (const resource of (kustomization['resources'] as string[] | undefined) ?? []) {
    const path = `${dir}/${resource}`;
    objects.push(...(existsSync(`${ROOT}${path}/kustomization.yaml`) ? await build(path) : await readYaml(path)));
  }
  for (const { path } of (kustomization['patches'] as Array<{ path: string }> | undefined) ?? []) {
    expect(existsSync(`${ROOT}${dir}/${path}`), `${dir}/${path}`).toBe(true);
    for (const patch of await readYaml(`${dir}/${path}`)) {
      const matches = (o: Manifest) => o['kind'] === patch['kind'] && o['metadata']?.name === patch['metadata']?.name;
      expect(objects.some(matches), `${path} patches an object of the base`).toBe(true);
      if (patch['$patch'] === 'delete') objects = objects.filter((o) => !matches(o));
      else {
        // The overlays only patch Secret data, a shallow merge of stringData.
        expect(patch['kind']).toBe('Secret');
        objects = objects.map((o) =>
          matches(o) ? { ...o, stringData: { ...o['stringData'], ...patch['stringData'] } } : o,
        );
      }
    }
  }
  const namespace = kustomization['namespace'] as string | undefined;
  return objects.map((o) =>
    namespace === undefined || o['kind'] === 'Namespace' ? o : { ...o, metadata: { ...o['metadata'], namespace } },
  );
}

const find = (objects: Manifest[], kind: string, name: string): Manifest => {
  const found = objects.find((o) => o['kind'] === kind && o['metadata']?.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name}`);
  return found;
};
const podSpec = (workload: Manifest): Manifest => workload['spec'].template.spec as Manifest;
const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

describe.each([
  ['base', 'deploy/k8s/base'],
  ['external PostgreSQL overlay', 'deploy/k8s/overlays/external-postgres'],
])('deploy/k8s: %s', (_name, dir) => {
  let objects: Manifest[];
  beforeAll(async () => {
    objects = await build(dir);
  });

  it('every object is valid against the Kubernetes JSON schema of its kind', async () => {
    expect(objects.length).toBeGreaterThan(10);
    for (const manifest of objects) {
      const Model = await modelOf(manifest);
      expect(() => new Model(manifest).validate(), `${manifest['kind']} ${manifest['metadata']?.name}`).not.toThrow();
    }
  });

  it.each([
    ['rustronaut-admin', 'admin', 'http'],
    ['rustronaut-gateway', 'gateway', 'ops'],
  ])('%s: 2+ replicas, probes on /readyz and /healthz, a disruption budget and an autoscaler', (name, role, port) => {
    const deployment = find(objects, 'Deployment', name);
    expect(deployment['spec'].replicas).toBeGreaterThanOrEqual(2);
    const labels = deployment['spec'].template.metadata.labels as Record<string, string>;
    expect(selects(deployment['spec'].selector.matchLabels, labels)).toBe(true);
    const [container] = podSpec(deployment)['containers'] as Manifest[];
    expect(container?.['args'][0]).toBe(role);
    expect(container?.['readinessProbe'].httpGet).toEqual({ path: '/readyz', port });
    expect(container?.['livenessProbe'].httpGet).toEqual({ path: '/healthz', port });
    expect((container?.['ports'] as Manifest[]).map((p) => p['name'])).toContain(port);
    const pdb = find(objects, 'PodDisruptionBudget', name);
    expect(selects(pdb['spec'].selector.matchLabels, labels)).toBe(true);
    expect(pdb['spec'].minAvailable).toBeGreaterThanOrEqual(1);
    const hpa = find(objects, 'HorizontalPodAutoscaler', name);
    expect(hpa['spec'].scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name });
    expect(hpa['spec'].minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa['spec'].maxReplicas).toBeGreaterThan(hpa['spec'].minReplicas);
  });

  it('runs every pod without privileges; only the tunnel hub gets NET_ADMIN', () => {
    const commands = cliCommands();
    const workloads = objects.filter((o) => o['kind'] === 'Deployment' || o['kind'] === 'StatefulSet');
    for (const workload of workloads) {
      const name = String(workload['metadata'].name);
      const spec = podSpec(workload);
      expect(spec['automountServiceAccountToken'], name).toBe(false);
      expect(spec['securityContext'].seccompProfile, name).toEqual({ type: 'RuntimeDefault' });
      for (const container of [...((spec['initContainers'] as Manifest[] | undefined) ?? []), ...spec['containers']]) {
        const security = container['securityContext'] as Manifest;
        expect(security['allowPrivilegeEscalation'], name).toBe(false);
        expect(security['capabilities'].drop, name).toEqual(['ALL']);
        expect(security['privileged'], name).toBeUndefined();
        const added = (security['capabilities'].add as string[] | undefined) ?? [];
        expect(added, name).toEqual(name === 'rustronaut-tunnel' ? ['NET_ADMIN'] : []);
        if (name !== 'rustronaut-tunnel') {
          expect(spec['securityContext'].runAsNonRoot, name).toBe(true);
          expect(spec['securityContext'].runAsUser, name).toBeGreaterThan(0);
        }
        if (container['image'] === 'rustronaut' && container['args'] !== undefined) {
          const role = String(container['args'][0]);
          expect(commands.includes(role) || PENDING_ROLES.includes(role), `${name} runs ${role}`).toBe(true);
        }
      }
    }
    const tunnel = find(objects, 'StatefulSet', 'rustronaut-tunnel');
    expect(tunnel['spec'].replicas).toBe(1);
    expect(podSpec(tunnel)['volumes']).toContainEqual({
      name: 'tun',
      hostPath: { path: '/dev/net/tun', type: 'CharDevice' },
    });
  });

  it('configures only real settings; the Secret template holds placeholders only', () => {
    const known = configEnvVars();
    const config = find(objects, 'ConfigMap', 'rustronaut-config');
    for (const key of Object.keys(config['data'] as Record<string, string>)) expect(known, key).toContain(key);
    const secret = find(objects, 'Secret', 'rustronaut-secrets');
    for (const [key, value] of Object.entries(secret['stringData'] as Record<string, string>)) {
      expect(known.has(key) || key === 'POSTGRES_PASSWORD', key).toBe(true);
      expect(value, key).toMatch(/REPLACE_ME|^unused$/);
    }
    const identity = find(objects, 'Secret', 'rustronaut-gateway-identity');
    expect(Object.keys(identity['stringData'] as object).sort()).toEqual([
      'ca.pem',
      'cert.pem',
      'identity.json',
      'key.pem',
    ]);
  });

  it('every Service and NetworkPolicy selects pods that exist, behind a default deny', () => {
    const pods = objects
      .filter((o) => o['kind'] === 'Deployment' || o['kind'] === 'StatefulSet')
      .map((o) => o['spec'].template.metadata.labels as Record<string, string>);
    for (const service of objects.filter((o) => o['kind'] === 'Service')) {
      expect(
        pods.some((labels) => selects(service['spec'].selector, labels)),
        service['metadata'].name,
      ).toBe(true);
    }
    const policies = objects.filter((o) => o['kind'] === 'NetworkPolicy');
    expect(find(objects, 'NetworkPolicy', 'default-deny-ingress')['spec']).toEqual({
      podSelector: {},
      policyTypes: ['Ingress'],
    });
    for (const policy of policies.filter((p) => p['metadata'].name !== 'default-deny-ingress')) {
      const selector = policy['spec'].podSelector.matchLabels as Record<string, string>;
      expect(
        pods.some((labels) => selects(selector, labels)),
        policy['metadata'].name,
      ).toBe(true);
    }
  });

  it('uses the in-cluster PostgreSQL in the base and an external server with TLS checks in the overlay', () => {
    const secret = find(objects, 'Secret', 'rustronaut-secrets');
    const postgres = objects.filter((o) => o['metadata']?.name === 'rustronaut-postgres');
    if (dir.endsWith('base')) {
      expect(postgres.map((o) => o['kind']).sort()).toEqual(['NetworkPolicy', 'Service', 'StatefulSet']);
      expect(secret['stringData'].DATABASE_URL).toContain('@rustronaut-postgres:5432/');
    } else {
      expect(postgres).toEqual([]);
      expect(secret['stringData'].DATABASE_URL).toMatch(/^postgres:\/\/.*\?sslmode=verify-full$/);
    }
  });
});
