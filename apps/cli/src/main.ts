#!/usr/bin/env -S node --min-semi-space-size=8 --initial-old-space-size=64
// Node flags: the same on every launcher (this line, the Dockerfile, `npm start`); see docs/adr/0009 and 0011.
import { waitForSignal } from './io.js';
import { runCli } from './cli.js';

const shutdown = waitForSignal().then((signal) => {
  // A second signal ends the process without waiting for the graceful shutdown.
  const force = () => process.exit(1);
  process.once('SIGINT', force).once('SIGTERM', force);
  return signal;
});

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
  waitForShutdown: () => shutdown,
  onReload: (reload) => process.on('SIGHUP', reload),
  armShutdownDeadline: (ms) => setTimeout(() => process.exit(1), ms).unref(),
});
process.exit(code);
