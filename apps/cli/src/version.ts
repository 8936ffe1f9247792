import { readFileSync } from 'node:fs';

/** The version of this build, from the CLI's package.json (same path from src/ and dist/). */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
