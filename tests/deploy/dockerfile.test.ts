import { startHttpUpstream } from '@rustronaut/testkit';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliCommands, PENDING_ROLES, readRepoFile, ROOT, SECRET_NAME } from './deploy-files.js';

/** One instruction of a Dockerfile, continuation lines joined. */
interface Instruction {
  readonly op: string;
  readonly args: string;
  /** Index of the stage it belongs to. */
  readonly stage: number;
}

/** The Node flags of `npm start` (root package.json), which every other launcher must repeat. */
const nodeFlagsOfStart = (packageJson: string): string[] =>
  (
    /exec node ((?:--\S+ )*)apps\/cli\/dist\/main\.js start$/.exec(
      (JSON.parse(packageJson) as { scripts: { start: string } }).scripts.start,
    )?.[1] ?? ''
  )
    .split(' ')
    .filter(Boolean);

function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let stage = -1;
  const logical = text.replace(/\\\n/g, ' ').split('\n');
  for (const line of logical.map((l) => l.trim())) {
    if (line === '' || line.startsWith('#')) continue;
    const [, op = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (op.toUpperCase() === 'FROM') stage += 1;
    out.push({ op: op.toUpperCase(), args, stage });
  }
  return out;
}

/** Runs the health check script (asynchronously: the server it probes lives in this process). */
const healthcheck = (env: Record<string, string>) =>
  new Promise<{ status: number | null; stderr: string }>((resolve) => {
    execFile(process.execPath, [`${ROOT}deploy/healthcheck.mjs`], { env }, (err, _stdout, stderr) =>
      resolve({ status: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stderr }),
    );
  });

describe('deploy/Dockerfile', () => {
  let steps: Instruction[];
  let runtime: Instruction[];
  let ignore: string[];
  let NODE_FLAGS: string[];
  beforeAll(async () => {
    NODE_FLAGS = nodeFlagsOfStart(await readRepoFile('package.json'));
    steps = parseDockerfile(await readRepoFile('deploy/Dockerfile'));
    const last = Math.max(...steps.map((s) => s.stage));
    runtime = steps.filter((s) => s.stage === last);
    ignore = (await readRepoFile('.dockerignore')).split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  });

  it('builds from Node.js LTS pinned to a release or digest, in several stages', () => {
    const args = new Map(
      steps.filter((s) => s.op === 'ARG').map((s) => s.args.split('=') as [string, string | undefined]),
    );
    const froms = steps.filter((s) => s.op === 'FROM');
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) {
      const image = from.args.split(/\s+/)[0]?.replace(/^\$\{(\w+)\}$/, (_, name: string) => args.get(name) ?? '');
      // node:<major>.<minor>.<patch>[-variant] or an @sha256 digest; never a floating tag.
      expect(image, from.args).toMatch(
        /^node:(\d+)\.\d+\.\d+(-[a-z0-9-]+)?(@sha256:[0-9a-f]{64})?$|@sha256:[0-9a-f]{64}$/,
      );
      const major = Number(/^node:(\d+)/.exec(image ?? '')?.[1]);
      // LTS lines are even-numbered; 20 is past its end of life (DESIGN.md), 22 in maintenance.
      expect(major % 2, 'an LTS line').toBe(0);
      expect(major).toBeGreaterThanOrEqual(24);
    }
    expect(froms.at(-1)?.args).toMatch(/ AS runtime$/);
  });

  it('installs production dependencies only in the runtime stage, and copies no sources into it', () => {
    const runs = runtime.filter((s) => s.op === 'RUN').map((s) => s.args);
    expect(runs.some((r) => /\bnpm ci\b.*--omit=dev/.test(r))).toBe(true);
    expect(runs.join('\n')).not.toMatch(/\bnpm (install|i)\b|npm ci(?!.*--omit=dev)|\btsc\b|npm run build/);
    for (const copy of runtime.filter((s) => s.op === 'COPY')) {
      // From the build stage (compiled output and manifests), or the healthcheck script: nothing else.
      expect(copy.args, copy.args).toMatch(/^--from=build |^deploy\/healthcheck\.mjs /);
    }
  });

  it('runs as a non-root user with a health check, one image for every role', () => {
    const user = runtime.filter((s) => s.op === 'USER').at(-1);
    expect(user?.args).toMatch(/^[1-9]\d*(:[1-9]\d*)?$/);
    const afterUser = runtime.slice(runtime.indexOf(user as Instruction));
    expect(afterUser.filter((s) => s.op === 'RUN')).toEqual([]);
    expect(runtime.find((s) => s.op === 'HEALTHCHECK')?.args).toContain('CMD ["node", "/app/deploy/healthcheck.mjs"]');
    expect(runtime.find((s) => s.op === 'ENTRYPOINT')?.args).toBe(
      `["node", ${NODE_FLAGS.map((f) => `"${f}"`).join(', ')}, "/app/apps/cli/dist/main.js"]`,
    );
    expect(runtime.find((s) => s.op === 'CMD')?.args).toBe('["start"]');
    // Every role the file's comment promises is a command (or one issue 6 adds: PENDING_ROLES).
    const commands = cliCommands();
    for (const role of ['start', 'admin', 'gateway', 'migrate', 'backup', 'restore']) expect(commands).toContain(role);
    for (const role of PENDING_ROLES)
      expect(commands, `${role} exists now: drop it from PENDING_ROLES`).not.toContain(role);
  });

  it('starts node with the same flags as `npm start` and the command itself (docs/adr/0009 and 0011)', async () => {
    expect(NODE_FLAGS).toEqual(['--min-semi-space-size=8', '--initial-old-space-size=64']);
    const shebang = (await readRepoFile('apps/cli/src/main.ts')).split('\n')[0];
    expect(shebang).toBe(`#!/usr/bin/env -S node ${NODE_FLAGS.join(' ')}`);
    // And the command lines the README gives.
    const readme = [...(await readRepoFile('README.md')).matchAll(/node ((?:--\S+ )*)apps\/cli\/dist\/main\.js/g)];
    expect(readme.length).toBeGreaterThan(0);
    for (const [line, flags = ''] of readme) expect(flags.trim().split(' '), line).toEqual(NODE_FLAGS);
  });

  it('puts no secret in a layer: no secret ENV or ARG, no key or env file in the build context', () => {
    for (const step of steps.filter((s) => s.op === 'ENV' || s.op === 'ARG')) {
      for (const [, name = ''] of step.args.matchAll(/(\w+)=/g)) expect(name, step.args).not.toMatch(SECRET_NAME);
    }
    for (const pattern of [
      '.env',
      '**/.env',
      '**/*.key',
      '**/*.pem',
      'data',
      '**/node_modules',
      '.git',
      '**/*.backup',
    ]) {
      expect(ignore, `.dockerignore must exclude ${pattern}`).toContain(pattern);
    }
    // What the build copies from the context exists and is not excluded.
    for (const copy of steps.filter((s) => s.op === 'COPY' && !s.args.startsWith('--from'))) {
      const sources = copy.args.split(/\s+/).slice(0, -1);
      for (const source of sources) {
        expect(existsSync(`${ROOT}${source}`), source).toBe(true);
        expect(
          ignore.some((p) => p === source.replace(/\/$/, '')),
          source,
        ).toBe(false);
      }
    }
  });

  it('the health check passes when a health endpoint answers 200 and fails when none does', async () => {
    const healthy = await startHttpUpstream({
      handler: (req, res) => res.writeHead(req.url === '/healthz' ? 200 : 404).end(),
    });
    try {
      const ok = await healthcheck({ RUSTRONAUT_HEALTHCHECK_URL: `${healthy.url}/healthz` });
      expect(ok.status, ok.stderr).toBe(0);
      const port = String(healthy.port);
      const byDefault = await healthcheck({ RUSTRONAUT_GATEWAY_OPS_LISTEN: `:${port}`, RUSTRONAUT_ADMIN_LISTEN: ':1' });
      expect(byDefault.status, byDefault.stderr).toBe(0);
    } finally {
      await healthy.close();
    }
    const down = await healthcheck({ RUSTRONAUT_GATEWAY_OPS_LISTEN: ':1', RUSTRONAUT_ADMIN_LISTEN: ':1' });
    expect(down.status).toBe(1);
    expect(down.stderr).toBe('unhealthy: no 200 from http://127.0.0.1:1/healthz or http://127.0.0.1:1/healthz\n');
  });
});
