import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, createMetricsRegistry } from './index.js';

function sink(isTTY = false) {
  const lines: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    }),
    { isTTY },
  );
  return { stream, text: () => lines.join('') };
}

describe('createLogger', () => {
  it('writes JSON lines and redacts secrets whatever the level', () => {
    const out = sink();
    const logger = createLogger({ level: 'debug', format: 'json', destination: out.stream });
    logger.debug(
      { password: 'hunter2', user: { token: 't0k' }, req: { headers: { authorization: 'Bearer x', cookie: 'a=b' } } },
      'hello',
    );
    const line = JSON.parse(out.text()) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 20, msg: 'hello', password: '[redacted]', user: { token: '[redacted]' } });
    expect(out.text()).not.toMatch(/hunter2|t0k|Bearer x|a=b/);
  });

  it('writes readable lines in pretty format, and picks it on a terminal with auto', () => {
    const pretty = sink();
    createLogger({ level: 'info', format: 'pretty', destination: pretty.stream }).info('ready to serve');
    expect(pretty.text()).toContain('INFO');
    expect(pretty.text()).toContain('ready to serve');
    expect(() => JSON.parse(pretty.text()) as unknown).toThrow();
    const tty = sink(true);
    createLogger({ level: 'info', format: 'auto', destination: tty.stream }).info('on a tty');
    expect(tty.text()).toContain('on a tty');
    expect(tty.text().startsWith('{')).toBe(false);
    const pipe = sink(false);
    createLogger({ level: 'info', format: 'auto', destination: pipe.stream }).info('in a pipe');
    expect(JSON.parse(pipe.text())).toMatchObject({ msg: 'in a pipe' });
  });

  it('drops lines below the level', () => {
    const out = sink();
    createLogger({ level: 'warn', format: 'json', destination: out.stream }).info('quiet');
    expect(out.text()).toBe('');
  });
});

describe('createMetricsRegistry', () => {
  it('labels build info with version and role, and collects process metrics', async () => {
    const text = await createMetricsRegistry({ role: 'admin', version: '1.2.3' }).metrics();
    expect(text).toContain('rustronaut_build_info{version="1.2.3",role="admin"} 1');
    expect(text).toContain('rustronaut_process_resident_memory_bytes');
  });

  it('can leave process metrics out, and registries do not share metrics', async () => {
    const a = createMetricsRegistry({ role: 'a', version: '1', defaultMetrics: false });
    const b = createMetricsRegistry({ role: 'b', version: '1', defaultMetrics: false });
    expect(await a.metrics()).not.toContain('rustronaut_process_');
    expect(await b.metrics()).toContain('role="b"');
    expect(await b.metrics()).not.toContain('role="a"');
  });
});
