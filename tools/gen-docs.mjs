// Regenerates the docs that are derived from code: docs/configuration.md, docs/errors.md and the field
// reference in docs/gateway.md. Reads the built packages, so `npm run docs` builds first.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderConfigurationMarkdown } from '@rustronaut/config';
import { renderErrorsMarkdown } from '@rustronaut/errors';
import { renderGatewayReference, spliceReference } from '@rustronaut/gateway';

writeFileSync(new URL('../docs/configuration.md', import.meta.url), renderConfigurationMarkdown());
writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorsMarkdown());
const gatewayDoc = new URL('../docs/gateway.md', import.meta.url);
writeFileSync(gatewayDoc, spliceReference(readFileSync(gatewayDoc, 'utf8'), renderGatewayReference()));
console.log('wrote docs/configuration.md, docs/errors.md and the reference in docs/gateway.md');
