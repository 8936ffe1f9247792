/* eslint-disable @typescript-eslint/no-explicit-any -- parsed YAML is untyped data; these tests check its shape */
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  cliCommands,
  configEnvVars,
  PENDING_ROLES,
  readRepoFile,
  readYaml,
  ROOT,
  SECRET_NAME,
} from './deploy-files.js';

type Service = Record<string, any>;

describe('deploy/compose.yaml', () => {
  let compose: Record<string, any>;
  let services: Record<string, Service>;
  beforeAll(async () => {
    const docs = await readYaml('deploy/compose.yaml');
    expect(docs).toHaveLength(1);
    compose = docs[0] ?? {};
    services = compose['services'] as Record<string, Service>;
  });

  it('runs PostgreSQL, the admin, a gateway, the tunnel hub and an optional Redis', () => {
    expect(Object.keys(services).sort()).toEqual(['admin', 'gateway', 'postgres', 'redis', 'tunnel']);
    expect(services['redis']?.['profiles']).toEqual(['redis']);
    const commands = cliCommands();
    for (const name of ['admin', 'gateway', 'tunnel']) {
      const service = services[name] ?? {};
      expect(service['build'], name).toEqual({ context: '..', dockerfile: 'deploy/Dockerfile' });
      const role = (service['command'] as string[])[0] ?? '';
      expect(commands.includes(role) || PENDING_ROLES.includes(role), `${name} runs rustronaut ${role}`).toBe(true);
    }
    expect(services['gateway']?.['command']).toEqual(['gateway', '--admin', 'http://admin:8080']);
  });

  it('gives NET_ADMIN and /dev/net/tun to the tunnel hub only, and drops every capability elsewhere', () => {
    expect(services['tunnel']?.['cap_add']).toEqual(['NET_ADMIN']);
    expect(services['tunnel']?.['devices']).toEqual(['/dev/net/tun:/dev/net/tun']);
    for (const name of ['admin', 'gateway']) {
      expect(services[name]?.['cap_add'], name).toBeUndefined();
      expect(services[name]?.['devices'], name).toBeUndefined();
    }
    for (const name of ['admin', 'gateway', 'tunnel']) {
      expect(services[name]?.['cap_drop'], name).toEqual(['ALL']);
      expect(services[name]?.['read_only'], name).toBe(true);
      expect(services[name]?.['security_opt'], name).toContain('no-new-privileges:true');
    }
  });

  it('takes secrets from env files that are git-ignored, with committed examples naming real settings', async () => {
    const gitignore = await readRepoFile('.gitignore');
    expect(gitignore.split('\n')).toContain('deploy/*.env');
    const known = configEnvVars();
    for (const [name, service] of Object.entries(services)) {
      // No secret written into the file itself.
      for (const key of Object.keys((service['environment'] as Record<string, string> | undefined) ?? {})) {
        expect(key, `${name}.environment`).not.toMatch(SECRET_NAME);
      }
      for (const file of (service['env_file'] as string[] | undefined) ?? []) {
        expect(file, name).toMatch(/^[a-z]+\.env$/);
        expect(existsSync(`${ROOT}deploy/${file}.example`), `deploy/${file}.example`).toBe(true);
      }
    }
    const example = await readRepoFile('deploy/rustronaut.env.example');
    for (const [, key = ''] of example.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)) {
      expect(known.has(key) || key === 'RUSTRONAUT_ENROL_TOKEN', `${key} is a setting of docs/configuration.md`).toBe(
        true,
      );
    }
    // Placeholders, not secrets: every secret value is empty or REPLACE_ME.
    for (const [, key = '', value = ''] of example.matchAll(/^([A-Z][A-Z0-9_]+)=(.*)$/gm)) {
      if (SECRET_NAME.test(key) && key !== 'DATABASE_URL') expect(value, key).toMatch(/^(REPLACE_ME)?$/);
    }
    expect(services['postgres']?.['env_file']).toEqual(['postgres.env']);
  });

  it('keeps state in named volumes, pins images, waits for healthy dependencies', () => {
    const volumes = Object.keys((compose['volumes'] as Record<string, unknown> | undefined) ?? {});
    const used = new Set<string>();
    for (const [name, service] of Object.entries(services)) {
      for (const mount of (service['volumes'] as string[] | undefined) ?? []) {
        const [source = ''] = mount.split(':');
        expect(volumes, `${name} mounts ${source}: a named volume, not a host path`).toContain(source);
        used.add(source);
      }
      const image = String(service['image']);
      if (service['build'] === undefined) expect(image, name).toMatch(/^[a-z0-9/-]+:\d+\.\d+(\.\d+)?(-[a-z0-9]+)?$/);
      for (const [dependency, condition] of Object.entries(
        (service['depends_on'] as Record<string, { condition: string }> | undefined) ?? {},
      )) {
        expect(condition.condition, `${name} -> ${dependency}`).toBe('service_healthy');
        const target = services[dependency] ?? {};
        // The image's HEALTHCHECK covers the Rustronaut services; others declare one.
        expect(target['healthcheck'] !== undefined || target['build'] !== undefined, dependency).toBe(true);
      }
    }
    expect([...used].sort()).toEqual([...volumes].sort());
    expect(services['admin']?.['ports']).toEqual(['127.0.0.1:8080:8080']);
  });
});
