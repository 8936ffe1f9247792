import { describe, expect, it } from 'vitest';
import { spawnNode } from './node-process.js';

describe('spawnNode', () => {
  it('runs node with only PATH and the given environment, and collects stdout and stderr', async () => {
    const script = [
      'console.log(JSON.stringify(Object.keys(process.env).sort()));',
      'console.error("to stderr " + process.env.GREETING);',
      'process.exit(3);',
    ].join('\n');
    const proc = spawnNode('-e', [script], { GREETING: 'hello' });
    expect(await proc.exited).toBe(3);
    expect(proc.output()).toContain('["GREETING","PATH"]');
    expect(proc.output()).toContain('to stderr hello');
  });

  it('resolves exited with null when a signal ends the process', async () => {
    const proc = spawnNode('-e', ['setInterval(() => {}, 1000)'], {});
    proc.child.kill('SIGKILL');
    expect(await proc.exited).toBeNull();
  });
});
