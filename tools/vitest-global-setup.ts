import { execFileSync } from 'node:child_process';

/** Builds every workspace (incremental, so cheap when up to date): the e2e tests run the built CLI. */
export default function setup(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-b', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
}
