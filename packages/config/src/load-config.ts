import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { errors } from '@rustronaut/errors';
import { isMap, isScalar, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { configSchema, isConfigField, type Config, type ConfigField, type ConfigNode } from './schema.js';

/** Where to read the static configuration from. */
export interface LoadConfigOptions {
  /** Environment variables; defaults to none, so callers pass `process.env` explicitly. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** YAML file path (e.g. from `--config`); falls back to `RUSTRONAUT_CONFIG` in `env`. */
  readonly configFile?: string | undefined;
  /** Directory relative paths are resolved against; defaults to `process.cwd()`. */
  readonly cwd?: string;
}

interface RawValue {
  readonly value: string;
  readonly source: string;
}

type YamlValues = Map<string, RawValue>;

/**
 * Reads, validates and freezes the static configuration. Precedence: environment, then the YAML file,
 * then defaults. Throws `ERR_CONFIG_INVALID` listing every problem, each naming the field and its source.
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? {};
  const cwd = options.cwd ?? process.cwd();
  const problems: string[] = [];
  const fileSource = options.configFile !== undefined ? '--config' : 'RUSTRONAUT_CONFIG';
  const configFile = nonEmpty(options.configFile) ?? nonEmpty(env['RUSTRONAUT_CONFIG']);
  const yamlValues = configFile
    ? readYaml(resolve(cwd, configFile), fileSource, problems)
    : new Map<string, RawValue>();

  const build = (node: ConfigNode, path: string): unknown => {
    if (isConfigField(node)) return readField(node, path, env, yamlValues, problems);
    return Object.fromEntries(
      Object.entries(node).map(([key, child]) => [key, build(child, path ? `${path}.${key}` : key)]),
    );
  };
  const values = build(configSchema, '') as Omit<Config, 'configFile'>;
  if (problems.length > 0) {
    throw errors.configInvalid.create(`invalid configuration:\n  ${problems.join('\n  ')}`, {
      details: { problems },
    });
  }
  return deepFreeze({
    ...values,
    dataDir: resolve(cwd, values.dataDir),
    configFile: configFile ? resolve(cwd, configFile) : undefined,
  });
}

function readField(
  field: ConfigField<unknown>,
  path: string,
  env: Readonly<Record<string, string | undefined>>,
  yamlValues: YamlValues,
  problems: string[],
): unknown {
  const fromEnv = nonEmpty(env[field.env]);
  const raw: RawValue | undefined =
    fromEnv !== undefined ? { value: fromEnv, source: field.env } : yamlValues.get(path);
  const value = raw?.value ?? field.default;
  const result = field.schema.safeParse(value);
  if (result.success) return result.data;
  const message = result.error.issues[0]?.message ?? 'invalid value';
  const got = field.secret || value === undefined ? '' : `, got ${JSON.stringify(value)}`;
  problems.push(`${raw?.source ?? `${path} (default)`}: ${message}${got}`);
  return undefined;
}

function readYaml(file: string, fileSource: string, problems: string[]): YamlValues {
  const values: YamlValues = new Map();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    problems.push(`${fileSource}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    return values;
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const message = (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
      problems.push(`${file}:${String(e.linePos?.[0].line ?? 0)}: ${message}`);
    }
    return values;
  }
  const where = (node: YamlNode | null | undefined, path: string) =>
    `${file}:${String(node?.range ? lineCounter.linePos(node.range[0]).line : 1)}: ${path}`;

  const walk = (schema: ConfigNode, node: YamlNode | null | undefined, path: string): void => {
    if (isConfigField(schema)) {
      const value: unknown = isScalar(node) ? node.value : undefined;
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        values.set(path, { value: String(value), source: where(node, path) });
      } else if (value !== null) {
        problems.push(`${where(node, path)}: expected a single value`);
      }
      return;
    }
    if (node === null || node === undefined || (isScalar(node) && node.value === null)) return;
    if (!isMap(node)) {
      problems.push(`${where(node, path || '(top level)')}: expected a mapping of fields`);
      return;
    }
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const childPath = path ? `${path}.${key}` : key;
      const child = Object.hasOwn(schema, key) ? (schema as Record<string, ConfigNode>)[key] : undefined;
      if (child === undefined) {
        problems.push(`${where(pair.key as YamlNode, childPath)}: unknown field`);
      } else {
        walk(child, pair.value as YamlNode | null, childPath);
      }
    }
  };
  walk(configSchema, doc.contents, '');
  return values;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
