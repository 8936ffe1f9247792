import { runCommand } from './command.js';

/**
 * The UDP socket buffers to give wireguard-go (net.core.rmem_default and wmem_default), in bytes. wireguard-go
 * before 0.0.20230223 (Debian 12 ships 0.0.20220316) never sizes its socket: it gets the host's default, 208 KiB on
 * most hosts, and there the receiving side dropped about one packet in seven at 0.3 Gbit/s (bench/tunnel). With
 * 4 MiB it dropped none. Later versions force 7 MiB themselves.
 */
export const RECOMMENDED_UDP_BUFFER_BYTES = 4 * 1024 * 1024;
/** Below this, a device's socket is reported as too small. */
const SMALL_UDP_BUFFER_BYTES = 1024 * 1024;

/** The smallest receive buffer (`rb` of `skmem`) among the sockets `ss -m` lists, in bytes; undefined if none. */
export function smallestReceiveBuffer(ssOutput: string): number | undefined {
  const sizes = [...ssOutput.matchAll(/skmem:\([^)]*\brb(\d+)/g)].map((m) => Number(m[1]));
  return sizes.length === 0 ? undefined : Math.min(...sizes);
}

/**
 * The receive buffer of the UDP socket a device listens on (`ss`, in `netns` when given), when it is smaller than
 * {@link SMALL_UDP_BUFFER_BYTES}; undefined when it is large enough, or when `ss` cannot tell (not installed, no
 * socket yet): the check only advises, so it never fails the device.
 */
export async function smallUdpReceiveBuffer(port: number, netns: string | undefined): Promise<number | undefined> {
  try {
    const bytes = smallestReceiveBuffer(await runCommand(['ss', '-Huamn', `sport = :${String(port)}`], { netns }));
    return bytes !== undefined && bytes < SMALL_UDP_BUFFER_BYTES ? bytes : undefined;
  } catch {
    return undefined;
  }
}
