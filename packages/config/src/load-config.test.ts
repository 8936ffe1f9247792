import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeConfig, loadConfig, parseListenAddress, renderConfigurationMarkdown } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'rustronaut-config-'));
const yamlFile = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};
const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    expect(err).toMatchObject({ code: 'ERR_CONFIG_INVALID' });
    return (err as { details: { problems: string[] } }).details.problems;
  }
  throw new Error('expected a configuration error');
};

describe('loadConfig', () => {
  it('gives the documented defaults with no input, resolved and frozen', () => {
    const config = loadConfig({ env: {}, cwd: '/srv/app' });
    expect(config).toEqual({
      dataDir: '/srv/app/data',
      databaseUrl: undefined,
      masterKey: undefined,
      log: { level: 'info', format: 'auto' },
      admin: {
        listen: { host: '127.0.0.1', port: 8080 },
        publicUrl: undefined,
        controlListen: { host: '127.0.0.1', port: 8081 },
        opsListen: undefined,
        auditVerifyIntervalMinutes: 60,
        initialEmail: undefined,
        initialPassword: undefined,
      },
      auth: { lockoutThreshold: 10, lockoutWindowMinutes: 15, ipFailureLimit: 50 },
      gateway: {
        httpListen: { host: '', port: 8000 },
        blockAfterRefusals: 50,
        blockWindowSeconds: 60,
        blockSeconds: 300,
        accessLog: true,
        requestHeadTimeoutMs: 10_000,
        maxHeaderBytes: 16_384,
        drainTimeoutMs: 3000,
        redisUrl: undefined,
        httpsListen: undefined,
        opsListen: { host: '127.0.0.1', port: 9090 },
      },
      tunnel: {
        hub: 'auto',
        pool: '100.96.0.0/16',
        listenPort: 51820,
        endpoint: undefined,
        interface: 'rustronaut0',
        opsListen: { host: '127.0.0.1', port: 9091 },
      },
      connector: { interface: 'rustronaut-site' },
      acme: { directoryUrl: undefined, email: undefined, trustedRootFile: undefined, challenge: 'http-01' },
      configFile: undefined,
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.admin.listen)).toBe(true);
  });

  it('reads the YAML file and lets the environment win over it; empty variables count as unset', () => {
    const file = yamlFile(
      'ok.yaml',
      'dataDir: /var/lib/r\nadmin:\n  listen: 0.0.0.0:80\ngateway:\n  httpListen: "[::1]:8000"\nlog:\n  level: debug\n',
    );
    const config = loadConfig({
      env: { RUSTRONAUT_ADMIN_LISTEN: '127.0.0.1:9000', RUSTRONAUT_LOG_LEVEL: '' },
      configFile: file,
    });
    expect(config.admin.listen).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(config.gateway.httpListen).toEqual({ host: '::1', port: 8000 });
    expect(config.log.level).toBe('debug');
    expect(config.dataDir).toBe('/var/lib/r');
    expect(config.configFile).toBe(file);
  });

  it('finds the file through RUSTRONAUT_CONFIG', () => {
    const file = yamlFile('env.yaml', 'log:\n  format: json\n');
    expect(loadConfig({ env: { RUSTRONAUT_CONFIG: file } }).log.format).toBe('json');
  });

  it('names the environment variable and the value when an env value is invalid', () => {
    expect(problemsOf(() => loadConfig({ env: { RUSTRONAUT_ADMIN_LISTEN: 'abc' } }))).toEqual([
      'RUSTRONAUT_ADMIN_LISTEN: expected host:port, got "abc"',
    ]);
    expect(problemsOf(() => loadConfig({ env: { RUSTRONAUT_CONNECTOR_OPS_LISTEN: '9092' } }))).toEqual([
      'RUSTRONAUT_CONNECTOR_OPS_LISTEN: expected host:port, got "9092"',
    ]);
    expect(loadConfig({ env: { RUSTRONAUT_CONNECTOR_OPS_LISTEN: '127.0.0.1:9092' } }).connector.opsListen).toEqual({
      host: '127.0.0.1',
      port: 9092,
    });
  });

  it('names the file, line and field when a YAML value is invalid, and reports every problem', () => {
    const file = yamlFile('bad.yaml', 'admin:\n  listen: nope\nlog:\n  level: loud\n');
    const problems = problemsOf(() => loadConfig({ env: {}, configFile: file }));
    expect(problems).toHaveLength(2);
    // Problems come in schema order: log before admin.
    expect(problems[0]).toMatch(new RegExp(`^${file}:4: log.level: .*"trace".*got "loud"$`));
    expect(problems[1]).toBe(`${file}:2: admin.listen: expected host:port, got "nope"`);
  });

  it('rejects unknown fields, wrong shapes and broken YAML', () => {
    const unknown = yamlFile('unknown.yaml', 'admin:\n  lisen: 1.2.3.4:5\n');
    expect(problemsOf(() => loadConfig({ configFile: unknown }))).toEqual([`${unknown}:2: admin.lisen: unknown field`]);
    const shape = yamlFile('shape.yaml', 'admin: 5\ngateway:\n  opsListen: [1, 2]\n');
    expect(problemsOf(() => loadConfig({ configFile: shape }))).toEqual([
      `${shape}:1: admin: expected a mapping of fields`,
      `${shape}:3: gateway.opsListen: expected a single value`,
    ]);
    const broken = yamlFile('broken.yaml', 'admin:\n  listen: [\n');
    expect(problemsOf(() => loadConfig({ configFile: broken }))[0]).toMatch(new RegExp(`^${broken}:\\d+: `));
    const list = yamlFile('list.yaml', '- a\n- b\n');
    expect(problemsOf(() => loadConfig({ configFile: list }))).toEqual([
      `${list}:1: (top level): expected a mapping of fields`,
    ]);
    const dup = yamlFile('dup.yaml', 'dataDir: a\ndataDir: b\n');
    expect(problemsOf(() => loadConfig({ configFile: dup }))[0]).toMatch(/^.*dup\.yaml:2: Map keys must be unique$/);
  });

  it('says which option named a missing file', () => {
    expect(problemsOf(() => loadConfig({ configFile: join(dir, 'missing.yaml') }))).toEqual([
      `--config: cannot read ${join(dir, 'missing.yaml')}: ENOENT`,
    ]);
    expect(problemsOf(() => loadConfig({ env: { RUSTRONAUT_CONFIG: '/nonexistent/x.yaml' } }))).toEqual([
      'RUSTRONAUT_CONFIG: cannot read /nonexistent/x.yaml: ENOENT',
    ]);
  });

  it('never echoes a secret value in an error', () => {
    const problems = problemsOf(() => loadConfig({ env: { DATABASE_URL: 'mysql://u:hunter2@db/x' } }));
    expect(problems).toEqual(['DATABASE_URL: expected a postgres:// or postgresql:// URL']);
    expect(problemsOf(() => loadConfig({ env: { DATABASE_URL: 'not a url' } }))).toHaveLength(1);
    expect(loadConfig({ env: { DATABASE_URL: 'postgresql://u:p@db:5432/x' } }).databaseUrl).toBe(
      'postgresql://u:p@db:5432/x',
    );
  });
});

describe('gateway settings', () => {
  it('checks the master key, the public URL and the first owner, never echoing secrets', () => {
    const key = Buffer.alloc(32, 7);
    expect(loadConfig({ env: { RUSTRONAUT_MASTER_KEY: key.toString('base64') } }).masterKey).toBe(
      key.toString('base64'),
    );
    expect(loadConfig({ env: { RUSTRONAUT_MASTER_KEY: key.toString('hex') } }).masterKey).toBe(key.toString('hex'));
    const [keyProblem] = problemsOf(() => loadConfig({ env: { RUSTRONAUT_MASTER_KEY: 'tooshort-secret' } }));
    expect(keyProblem).toMatch(/^RUSTRONAUT_MASTER_KEY: expected 32 bytes as base64 or 64 hex digits/);
    expect(keyProblem).not.toContain('tooshort-secret');
    expect(loadConfig({ env: { RUSTRONAUT_ADMIN_PUBLIC_URL: 'https://admin.example.com/' } }).admin.publicUrl).toBe(
      'https://admin.example.com',
    );
    expect(problemsOf(() => loadConfig({ env: { RUSTRONAUT_ADMIN_PUBLIC_URL: 'ftp://x' } }))[0]).toMatch(
      /^RUSTRONAUT_ADMIN_PUBLIC_URL: expected an http/,
    );
    const [passwordProblem] = problemsOf(() => loadConfig({ env: { RUSTRONAUT_ADMIN_PASSWORD: 'short-pass' } }));
    expect(passwordProblem).toMatch(/^RUSTRONAUT_ADMIN_PASSWORD: expected at least 12 characters/);
    expect(passwordProblem).not.toContain('short-pass');
    expect(problemsOf(() => loadConfig({ env: { RUSTRONAUT_ADMIN_EMAIL: 'nope' } }))[0]).toMatch(
      /^RUSTRONAUT_ADMIN_EMAIL: expected an email address/,
    );
  });

  it('reads the ACME settings: named directories, any https URL, and refuses garbage naming the variable', () => {
    expect(loadConfig({ env: { RUSTRONAUT_ACME_DIRECTORY_URL: 'letsencrypt' } }).acme.directoryUrl).toBe(
      'https://acme-v02.api.letsencrypt.org/directory',
    );
    expect(loadConfig({ env: { RUSTRONAUT_ACME_DIRECTORY_URL: 'letsencrypt-staging' } }).acme.directoryUrl).toBe(
      'https://acme-staging-v02.api.letsencrypt.org/directory',
    );
    const custom = loadConfig({
      env: {
        RUSTRONAUT_ACME_DIRECTORY_URL: 'https://ca.internal:14000/dir',
        RUSTRONAUT_ACME_EMAIL: 'ops@example.org',
        RUSTRONAUT_ACME_CHALLENGE: 'tls-alpn-01',
        RUSTRONAUT_GATEWAY_HTTPS_LISTEN: ':8443',
      },
    });
    expect(custom.acme).toMatchObject({
      directoryUrl: 'https://ca.internal:14000/dir',
      email: 'ops@example.org',
      challenge: 'tls-alpn-01',
    });
    expect(custom.gateway.httpsListen).toEqual({ host: '', port: 8443 });
    for (const [name, value] of [
      ['RUSTRONAUT_ACME_DIRECTORY_URL', 'http://ca.internal/dir'],
      ['RUSTRONAUT_ACME_DIRECTORY_URL', 'letsencrypt-prod'],
      ['RUSTRONAUT_ACME_EMAIL', 'not an email'],
      ['RUSTRONAUT_ACME_CHALLENGE', 'dns-01'],
      ['RUSTRONAUT_GATEWAY_HTTPS_LISTEN', '8443'],
    ] as const) {
      expect(problemsOf(() => loadConfig({ env: { [name]: value } })).join('\n'), value).toContain(name);
    }
  });

  it('parses booleans, numbers and a Redis URL from the environment', () => {
    const config = loadConfig({
      env: {
        RUSTRONAUT_GATEWAY_ACCESS_LOG: 'off',
        RUSTRONAUT_GATEWAY_DRAIN_TIMEOUT_MS: '250',
        RUSTRONAUT_REDIS_URL: 'redis://127.0.0.1:6379/0',
      },
    });
    expect(config.gateway).toMatchObject({
      accessLog: false,
      drainTimeoutMs: 250,
      redisUrl: 'redis://127.0.0.1:6379/0',
    });
  });

  it.each([
    ['RUSTRONAUT_GATEWAY_ACCESS_LOG', 'perhaps'],
    ['RUSTRONAUT_GATEWAY_REQUEST_HEAD_TIMEOUT_MS', '5'],
    ['RUSTRONAUT_GATEWAY_MAX_HEADER_BYTES', 'lots'],
    ['RUSTRONAUT_GATEWAY_DRAIN_TIMEOUT_MS', '-1'],
    ['RUSTRONAUT_REDIS_URL', 'http://cache:6379'],
  ])('names %s when it is invalid', (name, value) => {
    const problems = problemsOf(() => loadConfig({ env: { [name]: value } }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name}: `));
  });
});

describe('parseListenAddress', () => {
  it.each([
    ['127.0.0.1:80', { host: '127.0.0.1', port: 80 }],
    [':8000', { host: '', port: 8000 }],
    ['[::]:0', { host: '::', port: 0 }],
    ['gateway.local:65535', { host: 'gateway.local', port: 65535 }],
  ])('parses %s', (text, expected) => expect(parseListenAddress(text)).toEqual(expected));

  it.each(['abc', '8080', '1.2.3.4:65536', '1.2.3.4:-1', 'a b:80', '[zz]:80', ':', '1.2.3.4:80:90', ''])(
    'rejects %j',
    (text) => expect(parseListenAddress(text)).toBeUndefined(),
  );
});

describe('describeConfig', () => {
  it('prints the effective configuration with secrets masked', () => {
    const text = describeConfig(loadConfig({ env: { DATABASE_URL: 'postgres://u:hunter2@db/x' }, cwd: '/x' }));
    expect(text).not.toContain('hunter2');
    expect(text).toContain('databaseUrl: "********"');
    expect(text).toContain('listen: 127.0.0.1:8080');
    expect(text).toContain('httpListen: :8000');
    expect(text).toContain('dataDir: /x/data');
  });
});

describe('docs/configuration.md', () => {
  it('is generated from the schema (run `npm run docs` when this fails)', () => {
    const docs = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    expect(docs).toBe(renderConfigurationMarkdown());
  });
});
