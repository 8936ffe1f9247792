import { PassThrough } from 'node:stream';
import type { CliIo } from '../src/index.js';

/** The I/O of a CLI run inside the test process: captured output, and signals the test sends by hand. */
export interface InProcessCli {
  /** What to hand `runCli(argv, io)`. */
  readonly io: CliIo;
  /** Plays the part of SIGTERM or SIGINT: `waitForShutdown()` resolves with `signal`. */
  readonly stop: (signal: string) => void;
  /** Plays the part of SIGHUP: calls what the run registered with `onReload`. */
  readonly reload: () => void;
  /** Standard output so far. */
  readonly out: () => string;
  /** Standard error so far. */
  readonly err: () => string;
  /** Resolves with the first JSON log line whose `msg` starts with `msg` (within about 30 s; then throws). */
  readonly logLine: (msg: string) => Promise<Record<string, unknown>>;
}

/** I/O for one or more in-process CLI runs with `env` as the environment and `cwd` as the working directory. */
export function inProcessCli(env: Record<string, string>, cwd: string): InProcessCli {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  let stop: (signal: string) => void = () => undefined;
  const stopped = new Promise<string>((resolve) => (stop = resolve));
  let reload: () => void = () => undefined;
  const io: CliIo = {
    stdout,
    stderr,
    env,
    cwd,
    waitForShutdown: () => stopped,
    onReload: (fn) => (reload = fn),
    armShutdownDeadline: () => undefined,
  };
  return {
    io,
    stop: (signal) => stop(signal),
    reload: () => reload(),
    out: () => out,
    err: () => err,
    async logLine(msg) {
      for (let i = 0; i < 600; i++) {
        const line = out
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .find((l) => String(l['msg']).startsWith(msg));
        if (line) return line;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no log line "${msg}" in:\n${out}${err}`);
    },
  };
}
