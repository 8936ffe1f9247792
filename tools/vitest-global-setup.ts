import { execFileSync } from 'node:child_process';

/**
 * Builds every workspace and the console bundle (incremental, so cheap when up to date): the e2e tests run the
 * built CLI and load the console. `RUSTRONAUT_TEST_NO_BUILD=1` skips it, for quick runs of tests that need neither.
 */
export default function setup(): void {
  if (process.env.RUSTRONAUT_TEST_NO_BUILD === '1') return;
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-b', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
  execFileSync(process.execPath, ['apps/console/build.mjs'], { stdio: 'inherit' });
}
