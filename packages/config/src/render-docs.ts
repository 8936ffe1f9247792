import { listConfigFields } from './schema.js';

/** Renders docs/configuration.md from the schema. */
export function renderConfigurationMarkdown(): string {
  const rows = listConfigFields().map(({ path, field }) => {
    const def = field.default === undefined ? '(unset)' : `\`${field.default}\``;
    return `| \`${path}\` | \`${field.env}\` | ${def} | ${field.description} |`;
  });
  return [
    '# Configuration reference',
    '',
    '<!-- Generated from packages/config/src/schema.ts by `npm run docs`; do not edit by hand. -->',
    '',
    'Static configuration is read once at start-up from environment variables and an optional YAML',
    'file (`--config FILE` or `RUSTRONAUT_CONFIG`). An environment variable wins over the file, the file',
    'over the default; an empty variable counts as unset. Unknown fields in the file are errors.',
    'Check a configuration without starting anything with `rustronaut config check` (exit code 2 on error).',
    '',
    'The YAML file nests the dotted keys below, for example:',
    '',
    '```yaml',
    'dataDir: /var/lib/rustronaut',
    'admin:',
    '  listen: 127.0.0.1:8080',
    'gateway:',
    '  httpListen: :80',
    '```',
    '',
    '| YAML key | Environment variable | Default | Description |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
