import { errorDefinitions } from './registry.js';

/** Renders docs/errors.md from the registry. */
export function renderErrorsMarkdown(): string {
  const rows = errorDefinitions.map((d) => `| \`${d.code}\` | ${String(d.status)} | ${d.description} |`);
  return [
    '# Error codes',
    '',
    '<!-- Generated from packages/errors/src/registry.ts by `npm run docs`; do not edit by hand. -->',
    '',
    'Every error Rustronaut returns carries one of these stable codes. API errors are',
    '`application/problem+json` documents whose `code` member is the code below; the CLI prints',
    'the code with its message. Match on the code, never on the message text.',
    '',
    '| Code | HTTP status | Meaning |',
    '| --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
