import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePorts } from './free-ports.js';

describe('freePorts', () => {
  it('gives n distinct ports that can then be bound on 127.0.0.1', async () => {
    const ports = await freePorts(3);
    expect(ports).toHaveLength(3);
    expect(new Set(ports).size).toBe(3);
    for (const port of ports) {
      expect(Number.isInteger(port) && port > 0 && port < 65536).toBe(true);
      const server = createServer().listen(port, '127.0.0.1');
      await once(server, 'listening');
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('gives nothing for n = 0', async () => {
    expect(await freePorts(0)).toEqual([]);
  });
});
