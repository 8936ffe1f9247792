import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { logBackendEvent } from './event-log.js';
import { findExecutable } from './command.js';
import { RECOMMENDED_UDP_BUFFER_BYTES, smallestReceiveBuffer, smallUdpReceiveBuffer } from './udp-buffer.js';

// What `ss -Huamn 'sport = :51820'` printed for Debian's wireguard-go on a host with the usual 208 KiB defaults.
const SS_WIREGUARD_GO = [
  'UNCONN 0      0            0.0.0.0:51820      0.0.0.0:*    skmem:(r0,rb212992,t0,tb212992,f4096,w0,o0,bl0,d36301)',
  'UNCONN 0      0               [::]:51820         [::]:*    skmem:(r0,rb425984,t0,tb212992,f0,w0,o0,bl0,d0)',
  '',
].join('\n');

describe('smallestReceiveBuffer', () => {
  it('reads the smallest receive buffer of the listed sockets', () => {
    expect(smallestReceiveBuffer(SS_WIREGUARD_GO)).toBe(212992);
  });

  it('is undefined when ss lists no socket, or nothing it can read', () => {
    expect(smallestReceiveBuffer('')).toBeUndefined();
    expect(smallestReceiveBuffer('UNCONN 0 0 0.0.0.0:51820 0.0.0.0:*\n')).toBeUndefined();
    expect(smallestReceiveBuffer('skmem:(r0,rbx,t0) \u0000 garbage rb123')).toBeUndefined();
  });
});

describe('smallUdpReceiveBuffer', () => {
  const sockets: Socket[] = [];
  const bound = async (receiveBuffer: number): Promise<{ port: number; bytes: number }> => {
    const socket = createSocket('udp4');
    sockets.push(socket);
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    socket.setRecvBufferSize(receiveBuffer);
    return { port: socket.address().port, bytes: socket.getRecvBufferSize() };
  };
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
    vi.unstubAllEnvs();
  });

  const ss = findExecutable('ss') !== undefined || process.env['CI'] === 'true';
  it.skipIf(!ss)('reports a UDP socket whose receive buffer is under 1 MiB, with its size as ss shows it', async () => {
    const { port, bytes } = await bound(64 * 1024);
    expect(bytes).toBeLessThan(1024 * 1024);
    expect(await smallUdpReceiveBuffer(port, undefined)).toBe(bytes);
  });

  it.skipIf(!ss)('says nothing of a large buffer, where the host allows one (net.core.rmem_max)', async () => {
    const { port, bytes } = await bound(RECOMMENDED_UDP_BUFFER_BYTES);
    expect(await smallUdpReceiveBuffer(port, undefined)).toBe(bytes < 1024 * 1024 ? bytes : undefined);
  });

  it('says nothing when no socket listens on the port', async () => {
    const { port } = await bound(64 * 1024);
    sockets.splice(0)[0]!.close();
    expect(await smallUdpReceiveBuffer(port, undefined)).toBeUndefined();
  });

  it('says nothing, and does not fail, when ss cannot run', async () => {
    const { port } = await bound(64 * 1024);
    vi.stubEnv('PATH', '/nonexistent');
    expect(await smallUdpReceiveBuffer(port, undefined)).toBeUndefined();
  });
});

describe('logBackendEvent', () => {
  it('warns of a small UDP buffer with the sysctl settings that fix it', () => {
    const warn = vi.fn();
    logBackendEvent(
      { info: vi.fn(), warn },
      {
        type: 'udp-buffer-small',
        receiveBufferBytes: 212992,
        recommendedBytes: RECOMMENDED_UDP_BUFFER_BYTES,
      },
    );
    expect(warn).toHaveBeenCalledOnce();
    const [fields, message] = warn.mock.calls[0] as [object, string];
    expect(fields).toEqual({ receiveBufferBytes: 212992, recommendedBytes: 4194304 });
    expect(message).toContain('net.core.rmem_default and net.core.wmem_default to 4194304');
  });
});
