// Running the built `rustronaut` command as a real process, for the e2e tests (`npm test` builds first).
import { spawnNode, type NodeProcess } from '@rustronaut/testkit';
import { fileURLToPath } from 'node:url';

/** The built CLI entry point. */
export const CLI = fileURLToPath(new URL('../../apps/cli/dist/main.js', import.meta.url));

/** A running CLI process: its exit, and everything it printed so far. */
export type CliProcess = NodeProcess;

/** Starts `rustronaut <args>` with only PATH, JSON logs and `env` in its environment. */
export function runCli(args: string[], env: Record<string, string>): CliProcess {
  return spawnNode(CLI, args, { RUSTRONAUT_LOG_FORMAT: 'json', ...env });
}

/** Polls `url` until it answers 2xx, or throws after `deadlineMs`. */
export async function waitForOk(url: string, deadlineMs: number): Promise<Response> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return res;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`${url} did not answer within ${String(deadlineMs)} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
