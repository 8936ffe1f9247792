/** One server-sent event (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation). */
export interface ServerSentEvent {
  /** The `event` field; `message` when the event had none. */
  readonly event: string;
  /** The `data` lines, joined with `\n`. */
  readonly data: string;
}

/** Longest event accepted: the control channel sends a version number, not documents. */
const MAX_EVENT_BYTES = 64 * 1024;

const tooLarge = () => new Error('the event stream sent an event larger than 64 KiB');

/**
 * Parses an event stream into events. Comment lines (`: keepalive`) and unknown fields are skipped; `id` and
 * `retry` are not used by the control channel. Throws when one event grows beyond 64 KiB.
 */
export async function* readServerSentEvents(
  body: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
): AsyncGenerator<ServerSentEvent> {
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let size = 0;
  /** Interprets one line; returns the event a blank line completes. */
  const line = (text: string): ServerSentEvent | undefined => {
    if (text === '') {
      const done = data.length > 0 ? { event: event || 'message', data: data.join('\n') } : undefined;
      [event, data, size] = ['', [], 0];
      return done;
    }
    if (text.startsWith(':')) return undefined;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    const value = colon < 0 ? '' : text.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    size += text.length;
    if (size > MAX_EVENT_BYTES) throw tooLarge();
    return undefined;
  };
  for await (const chunk of body) {
    buffer += chunk.toString();
    let end: number;
    while ((end = buffer.search(/\r\n|\r|\n/)) >= 0) {
      // A \r at the very end may be the first half of \r\n: wait for the next chunk (or the end of the stream).
      if (buffer[end] === '\r' && end === buffer.length - 1) break;
      const text = buffer.slice(0, end);
      buffer = buffer.slice(end + (buffer.startsWith('\r\n', end) ? 2 : 1));
      const done = line(text);
      if (done !== undefined) yield done;
    }
    if (size + buffer.length > MAX_EVENT_BYTES) throw tooLarge();
  }
  if (buffer.endsWith('\r')) {
    const done = line(buffer.slice(0, -1));
    if (done !== undefined) yield done;
  }
}
