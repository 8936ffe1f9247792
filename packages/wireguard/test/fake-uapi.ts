import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A fake UAPI device for unit tests: a Unix socket server that keeps a device's state in memory and applies
// `set=1` line by line as wireguard-go does (so a refused line leaves the lines before it applied), with hooks to
// refuse a line or answer anything at all. Real wireguard-go runs in the netns tests; this one runs anywhere.

/** One peer of the fake device, keys in hex as on the wire. */
export interface FakePeer {
  presharedKey: string;
  endpoint: string | undefined;
  keepalive: number;
  allowedIps: string[];
  rxBytes: bigint;
  txBytes: bigint;
  handshakeSeconds: number;
}

/** The fake device's state and controls. */
export interface FakeUapiDevice {
  readonly socketPath: string;
  /** Every request received (`get=1` and `set=1` texts), in order. */
  readonly requests: string[];
  /** The `set=1` requests only. */
  readonly sets: () => string[];
  listenPort: number;
  fwmark: number;
  /** Peers by hex public key, in creation order. */
  readonly peers: Map<string, FakePeer>;
  /** Return an errno (non-zero) to refuse a `set` line: the lines before it stay applied, as on wireguard-go. */
  refuseLine: ((line: string) => number | undefined) | undefined;
  /** Answer a request with this text instead (e.g. garbage), `null` for no answer at all, undefined as usual. */
  override: ((request: string) => string | null | undefined) | undefined;
  close(): Promise<void>;
}

const ZERO_KEY = '0'.repeat(64);

/** Starts a fake device on a fresh socket in a temporary directory. */
export async function startFakeUapi(): Promise<FakeUapiDevice> {
  const dir = mkdtempSync(join(tmpdir(), 'rwg-fake-uapi-'));
  const sockets = new Set<Socket>();
  const device: FakeUapiDevice = {
    socketPath: join(dir, 'wg.sock'),
    requests: [],
    sets: () => device.requests.filter((request) => request.startsWith('set=1')),
    listenPort: 0,
    fwmark: 0,
    peers: new Map(),
    refuseLine: undefined,
    override: undefined,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.setEncoding('utf8');
    let text = '';
    socket.on('data', (chunk: string) => {
      text += chunk;
      const end = text.indexOf('\n\n');
      if (end < 0) return;
      const request = text.slice(0, end + 2);
      device.requests.push(request);
      const answer = device.override?.(request);
      if (answer !== null) socket.end(answer ?? answerRequest(device, request));
    });
  });
  await new Promise<void>((resolve) => server.listen(device.socketPath, resolve));
  return device;
}

function answerRequest(device: FakeUapiDevice, request: string): string {
  if (request === 'get=1\n\n') return `${encodeState(device)}errno=0\n\n`;
  if (!request.startsWith('set=1\n')) return '';
  return `errno=${applySet(device, request.slice('set=1\n'.length, -2).split('\n'))}\n\n`;
}

function encodeState(device: FakeUapiDevice): string {
  const lines = [`listen_port=${device.listenPort}`];
  if (device.fwmark !== 0) lines.push(`fwmark=${device.fwmark}`);
  for (const [key, peer] of device.peers) {
    lines.push(`public_key=${key}`);
    if (peer.presharedKey !== ZERO_KEY) lines.push(`preshared_key=${peer.presharedKey}`);
    lines.push('protocol_version=1');
    if (peer.endpoint !== undefined) lines.push(`endpoint=${peer.endpoint}`);
    lines.push(
      `last_handshake_time_sec=${peer.handshakeSeconds}`,
      'last_handshake_time_nsec=0',
      `tx_bytes=${peer.txBytes}`,
      `rx_bytes=${peer.rxBytes}`,
      `persistent_keepalive_interval=${peer.keepalive}`,
    );
    for (const prefix of peer.allowedIps) lines.push(`allowed_ip=${prefix}`);
  }
  return `${lines.join('\n')}\n`;
}

// Returns the errno: 0, or the refusal (negative, as wireguard-go answers).
function applySet(device: FakeUapiDevice, lines: string[]): number {
  let peer: FakePeer | undefined;
  let key = '';
  let skipping = false;
  let created = false;
  for (const line of lines) {
    const refused = device.refuseLine?.(line);
    if (refused !== undefined && refused !== 0) return refused;
    const [name, value = ''] = line.split('=', 2) as [string, string?];
    if (name === 'public_key') {
      key = value;
      skipping = false;
      peer = device.peers.get(key);
      created = peer === undefined;
      if (peer === undefined) {
        peer = {
          presharedKey: ZERO_KEY,
          endpoint: undefined,
          keepalive: 0,
          allowedIps: [],
          rxBytes: 0n,
          txBytes: 0n,
          handshakeSeconds: 0,
        };
        device.peers.set(key, peer);
      }
      continue;
    }
    if (peer === undefined) {
      if (name === 'listen_port') device.listenPort = Number(value);
      else if (name === 'fwmark') device.fwmark = Number(value);
      else if (name === 'replace_peers') device.peers.clear();
      continue;
    }
    if (skipping) continue;
    switch (name) {
      case 'update_only':
        // The peer did not exist before its public_key line: undo that, and ignore the peer's other lines.
        if (created) {
          device.peers.delete(key);
          skipping = true;
        }
        break;
      case 'remove':
        device.peers.delete(key);
        skipping = true;
        break;
      case 'preshared_key':
        peer.presharedKey = value;
        break;
      case 'endpoint':
        peer.endpoint = value;
        break;
      case 'persistent_keepalive_interval':
        peer.keepalive = Number(value);
        break;
      case 'replace_allowed_ips':
        peer.allowedIps = [];
        break;
      case 'allowed_ip':
        for (const other of device.peers.values()) other.allowedIps = other.allowedIps.filter((p) => p !== value);
        peer.allowedIps.push(value);
        break;
      default:
        return -22; // EINVAL, as wireguard-go answers an unknown key
    }
  }
  return 0;
}
