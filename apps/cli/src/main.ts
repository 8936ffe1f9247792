#!/usr/bin/env node
import { waitForSignal } from './io.js';
import { runCli } from './cli.js';

/** Longest a graceful shutdown may take before the process exits anyway. */
const SHUTDOWN_DEADLINE_MS = 5000;

const shutdown = waitForSignal().then((signal) => {
  // A second signal, or a shutdown that hangs, ends the process without waiting further.
  const force = () => process.exit(1);
  setTimeout(force, SHUTDOWN_DEADLINE_MS).unref();
  process.once('SIGINT', force).once('SIGTERM', force);
  return signal;
});

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  waitForShutdown: () => shutdown,
});
process.exit(code);
