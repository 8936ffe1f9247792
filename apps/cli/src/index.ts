export { createProgram, runCli } from './cli.js';
export { EXIT, waitForSignal, type CliIo } from './io.js';
export { VERSION } from './version.js';
