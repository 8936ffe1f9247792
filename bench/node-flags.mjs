// The Node flags every launcher of `rustronaut` uses (`npm start`, the Dockerfile, the command's shebang; kept equal
// by tests/deploy/dockerfile.test.ts), read from `npm start` so that the benchmarks measure what users run.
// BENCH_NODE_FLAGS replaces them for a comparison (`BENCH_NODE_FLAGS=` runs node's defaults).
import { readFileSync } from 'node:fs';

const { scripts } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const launchers = /exec node ((?:--\S+ )*)apps\/cli\/dist\/main\.js start$/.exec(scripts.start)?.[1] ?? '';
export const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? launchers).split(' ').filter(Boolean);
