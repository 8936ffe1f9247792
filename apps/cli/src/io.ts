/** The process surroundings a command runs in; tests pass their own. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream;
  /** Standard input, for `--token-file /dev/stdin` (a pipe may also be a socket, which `/dev/stdin` cannot open). */
  readonly stdin?: AsyncIterable<Buffer | string>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Resolves with the signal name when the process is asked to stop (SIGINT or SIGTERM). */
  waitForShutdown(): Promise<string>;
  /** Calls `reload` whenever the process is asked to reload its configuration (SIGHUP). */
  onReload(reload: () => void): void;
  /** After a stop signal: the process exits with code 1 if shutting down takes longer than `ms`. */
  armShutdownDeadline(ms: number): void;
}

/** Exit codes of the `rustronaut` command. */
export const EXIT = {
  ok: 0,
  /** Start-up or runtime failure (port in use, unusable data directory, database down). */
  failure: 1,
  /** Invalid configuration or command-line usage. */
  usage: 2,
} as const;

/** Waits for SIGINT or SIGTERM once. */
export function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
