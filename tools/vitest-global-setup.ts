import { execFileSync } from 'node:child_process';

/**
 * Builds every workspace (incremental, so cheap when up to date): the e2e tests run the built CLI.
 * `RUSTRONAUT_TEST_NO_BUILD=1` skips it, for quick runs of tests that do not start the CLI.
 */
export default function setup(): void {
  if (process.env.RUSTRONAUT_TEST_NO_BUILD === '1') return;
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-b', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
}
