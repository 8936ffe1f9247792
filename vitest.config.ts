import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

// Tests import workspace packages from their TypeScript sources, so `vitest` needs no build first.
const alias = ['apps', 'packages'].flatMap((group) =>
  readdirSync(new URL(`./${group}/`, import.meta.url)).map((name) => ({
    find: `@rustronaut/${name}`,
    replacement: `${root}${group}/${name}/src/index.ts`,
  })),
);

export default defineConfig({
  resolve: { alias },
  test: {
    include: ['apps/*/src/**/*.test.ts', 'packages/*/src/**/*.test.ts', 'tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['./tools/vitest-global-setup.ts'],
    reporters: ['default', './tools/summary-reporter.ts'],
    coverage: {
      provider: 'v8',
      include: ['apps/*/src/**/*.ts', 'packages/*/src/**/*.ts'],
      exclude: ['**/*.test.ts', '**/index.ts', 'packages/testkit/**'],
      reporter: ['text-summary'],
      thresholds: { lines: 80 },
    },
  },
});
