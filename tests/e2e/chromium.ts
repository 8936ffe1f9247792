// Debian's `chromium` driven by playwright-core, for the e2e tests that need a real browser.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** The browser binary: Debian's, or `$RUSTRONAUT_TEST_CHROMIUM`. */
export const CHROMIUM = process.env.RUSTRONAUT_TEST_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Whether Chromium can run here. Without it, `what` is skipped with a loud warning on a laptop; under CI=true the
 * test file fails instead.
 */
export function requireChromium(what: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  const message = `${what} cannot run in Chromium: ${CHROMIUM} is missing (apt-get install -y chromium)`;
  if (process.env.CI === 'true') throw new Error(message);
  process.stderr.write(`\n*** WARNING: ${what} SKIPPED: ${message}; under CI=true this fails ***\n`);
  return false;
}

/** Launches headless Chromium with the flags a shared, offline test machine needs, and `args` besides. */
export function launchChromium(args: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...args,
    ],
  });
}
