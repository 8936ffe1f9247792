import { connect } from 'node:net';

/**
 * Sends raw bytes to 127.0.0.1:`port` and resolves with everything the server wrote until it closed the
 * connection or `timeoutMs` passed. For requests no well-behaved client library would send.
 */
export function rawExchange(port: number, bytes: string | Buffer, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // A server that answers and resets is still an answer.
      if (err.code !== 'ECONNRESET' || answer === '') reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer);
    });
    socket.write(bytes);
  });
}

/** The status code of the first response in a raw answer, or 0 when there is none. */
export function statusOf(answer: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
}
