import { spawn, type ChildProcess } from 'node:child_process';

/** A running Node.js process: its exit, and everything it printed so far. */
export interface NodeProcess {
  readonly child: ChildProcess;
  /** Resolves with the exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  /** Standard output and standard error so far, interleaved as they arrived. */
  output(): string;
}

/** Starts `node <script> <args>` with only PATH and `env` in its environment (nothing leaks from the test's). */
export function spawnNode(script: string, args: readonly string[], env: Record<string, string>): NodeProcess {
  const child = spawn(process.execPath, [script, ...args], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => out };
}
