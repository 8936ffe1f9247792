// Regenerates the docs that are derived from code: docs/configuration.md and docs/errors.md.
// Reads the built packages, so run `npm run build` first (`npm run docs` does).
import { writeFileSync } from 'node:fs';
import { renderConfigurationMarkdown } from '@rustronaut/config';
import { renderErrorsMarkdown } from '@rustronaut/errors';

writeFileSync(new URL('../docs/configuration.md', import.meta.url), renderConfigurationMarkdown());
writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorsMarkdown());
console.log('wrote docs/configuration.md and docs/errors.md');
