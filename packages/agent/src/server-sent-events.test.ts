import { describe, expect, it } from 'vitest';
import { readServerSentEvents } from './server-sent-events.js';

async function collect(chunks: string[]) {
  const events = [];
  for await (const e of readServerSentEvents(chunks)) events.push(e);
  return events;
}

describe('readServerSentEvents', () => {
  it('parses events split anywhere, with LF, CRLF and CR line ends, skipping comments', async () => {
    const text =
      ': keepalive\n\nid: 1\nevent: version\ndata: {"version":1}\n\r\nevent: version\r\ndata: a\rdata: b\r\r';
    for (const size of [1, 2, 3, 7, text.length]) {
      const chunks = text.match(new RegExp(`[\\s\\S]{1,${String(size)}}`, 'g')) ?? [];
      expect(await collect(chunks)).toEqual([
        { event: 'version', data: '{"version":1}' },
        { event: 'version', data: 'a\nb' },
      ]);
    }
  });

  it('names events without an event field "message" and ignores unknown fields and data-less blocks', async () => {
    expect(await collect(['data\n\nretry: 10\nfoo: bar\n\ndata:x\n\nevent: lone\n\n'])).toEqual([
      { event: 'message', data: '' },
      { event: 'message', data: 'x' },
    ]);
  });

  it('drops an unterminated event at the end of the stream', async () => {
    expect(await collect(['event: version\ndata: 1'])).toEqual([]);
  });

  it('refuses an event larger than 64 KiB', async () => {
    await expect(collect(['data: ', 'x'.repeat(70_000)])).rejects.toThrow('larger than 64 KiB');
    await expect(collect([`data: ${'x'.repeat(70_000)}\n\n`])).rejects.toThrow('larger than 64 KiB');
    await expect(
      collect(Array.from({ length: 2000 }, () => 'data: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n')),
    ).rejects.toThrow('larger than 64 KiB');
  });
});
