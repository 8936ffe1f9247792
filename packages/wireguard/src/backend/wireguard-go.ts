import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { wireguardErrors } from '../errors.js';
import { createUapiClient, type UapiClient } from '../uapi/client.js';
import type { DeviceState } from '../uapi/types.js';
import { inNamespace } from './command.js';
import { checkSpec, configureInterface, deleteLink, loadPrivateKey, type CheckedSpec } from './interface-config.js';
import { canonicalDesired, reconcile } from './reconcile.js';
import type { ApplyResult, BackendEvent, DesiredDevice, InterfaceSpec, WireGuardBackend } from './types.js';
import { RECOMMENDED_UDP_BUFFER_BYTES, smallUdpReceiveBuffer } from './udp-buffer.js';

/** Settings of {@link createWireguardGoBackend}, checked by `createBackend`. */
export interface WireguardGoSettings {
  readonly netns: string | undefined;
  readonly wireguardGo: string;
  readonly uapiTimeoutMs: number;
  readonly restartMinDelayMs: number;
  readonly restartMaxDelayMs: number;
  readonly onEvent: (event: BackendEvent) => void;
}

/** The wireguard-go backend, with the process it supervises. */
export interface WireguardGoBackend extends WireGuardBackend {
  readonly kind: 'wireguard-go';
  /** The running wireguard-go's process id; undefined while it is down. */
  readonly pid: number | undefined;
}

const SOCKET_DIR = '/var/run/wireguard';
const START_TIMEOUT_MS = 5000;
const STOP_TIMEOUT_MS = 3000;
// A device that ran this long before dying is restarted after the shortest delay again.
const STABLE_MS = 10_000;
const STDERR_TAIL_CHARS = 2000;

/** A wireguard-go process serving one interface. */
interface Device {
  readonly child: ChildProcess;
  readonly started: number;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  stderr: string;
  /** Started and configured: from then on, its death is the supervisor's to handle (before, the starter's). */
  ready: boolean;
}

/**
 * Runs an interface with wireguard-go in the foreground (`wireguard-go -f NAME`), configured over its UAPI socket.
 * The process is supervised: when it dies, it is started again after a delay that doubles on each consecutive
 * failure (from `restartMinDelayMs` up to `restartMaxDelayMs`), and the interface (key, addresses, MTU, routes) and
 * the last desired peers are applied again. Each step is reported through `onEvent`.
 */
export function createWireguardGoBackend(settings: WireguardGoSettings): WireguardGoBackend {
  const { netns } = settings;
  let spec: CheckedSpec | undefined;
  let privateKey = '';
  let client: UapiClient | undefined;
  let device: Device | undefined;
  let desired: DesiredDevice | undefined;
  let stopped = false;
  // Consecutive deaths and failed restarts without a stable run: the exponent of the restart delay.
  let failures = 0;
  // Restart attempts since the device last died.
  let attempt = 0;
  let restartTimer: NodeJS.Timeout | undefined;
  // Applies and restarts run one at a time, so a restart never races an apply on the same device.
  let queue: Promise<unknown> = Promise.resolve();
  const serialize = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  };

  async function startDevice(checked: CheckedSpec): Promise<void> {
    const socketPath = `${SOCKET_DIR}/${checked.name}.sock`;
    // A killed wireguard-go leaves its socket behind; the new one replaces it, but waiting for it must not see it.
    await rm(socketPath, { force: true });
    const [file, ...args] = inNamespace([settings.wireguardGo, '-f', checked.name], netns);
    const child = spawn(file!, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LOG_LEVEL: 'error' },
    });
    const started: Device = {
      child,
      started: Date.now(),
      stderr: '',
      ready: false,
      exited: new Promise((resolve) => child.once('close', () => resolve())),
    };
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      started.stderr = (started.stderr + chunk).slice(-STDERR_TAIL_CHARS);
    });
    child.once('error', () => undefined); // reported through 'close' and the wait below
    child.once('close', (code, signal) => onExit(started, code, signal));
    // Should this process exit without down() (process.exit, a fatal error), the device goes too: it cannot be
    // supervised any more, and its interface would linger. A SIGKILL skips this; the next up() then takes over.
    const killOnExit = (): void => void child.kill('SIGTERM');
    process.once('exit', killOnExit);
    child.once('close', () => process.removeListener('exit', killOnExit));
    device = started;
    const uapi = createUapiClient({ socketPath, timeoutMs: settings.uapiTimeoutMs });
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
        throw commandFailed(checked.name, `exited (${child.exitCode ?? child.signalCode ?? 'not started'})`, started);
      }
      try {
        await uapi.get();
        break;
      } catch {
        if (Date.now() > deadline) {
          throw commandFailed(checked.name, `did not open ${socketPath} within ${START_TIMEOUT_MS} ms`, started);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    client = uapi;
    await uapi.set({ privateKey });
    await configureInterface(checked, netns);
    started.ready = true;
  }

  async function stopDevice(): Promise<void> {
    const current = device;
    device = undefined;
    if (current === undefined) return;
    if (current.child.exitCode === null && current.child.signalCode === null) {
      current.child.kill('SIGTERM');
      const timer = setTimeout(() => current.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await current.exited;
      clearTimeout(timer);
    }
  }

  function onExit(exited: Device, code: number | null, signal: NodeJS.Signals | null): void {
    if (device !== exited || !exited.ready || stopped) return; // stopping, replaced, or its starter's failure
    device = undefined;
    attempt = 0;
    if (Date.now() - exited.started >= STABLE_MS) failures = 0;
    scheduleRestart((delay) => ({ type: 'device-exited', code, signal, restartInMs: delay }));
  }

  function scheduleRestart(event: (delay: number) => BackendEvent): void {
    const delay = Math.min(settings.restartMaxDelayMs, settings.restartMinDelayMs * 2 ** Math.min(failures, 30));
    failures++;
    emit(event(delay));
    restartTimer = setTimeout(() => void serialize(restart), delay);
  }

  async function restart(): Promise<void> {
    restartTimer = undefined;
    if (stopped || spec === undefined) return;
    attempt++;
    try {
      await deleteLink(spec.name, netns);
      await startDevice(spec);
      if (desired !== undefined) await reconcile(client!, desired);
      emit({ type: 'device-restarted', attempt });
    } catch (err) {
      if (stopped) return;
      await stopDevice();
      scheduleRestart(() => ({ type: 'restart-failed', attempt, error: err as Error }));
    }
  }

  // A throwing listener must not stop the supervisor.
  function emit(event: BackendEvent): void {
    try {
      settings.onEvent(event);
    } catch {
      // the listener's problem; supervision goes on
    }
  }

  /**
   * Waits until no device answers on the interface's socket any more. A wireguard-go left by an earlier run (its
   * parent killed) exits when its link is deleted, and unlinks its socket path as it goes: started before that, the
   * new device could lose its socket to the old one's exit.
   */
  async function untilSocketClosed(name: string): Promise<void> {
    const old = createUapiClient({ socketPath: `${SOCKET_DIR}/${name}.sock`, timeoutMs: 500 });
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      try {
        await old.get();
      } catch (err) {
        if ((err as { code?: string }).code === 'ERR_WG_UAPI_UNAVAILABLE') return;
      }
      if (Date.now() > deadline) {
        throw wireguardErrors.commandFailed.create(
          `a WireGuard device for ${name} still runs after its link was deleted`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Reports a UDP socket buffer too small for a busy tunnel (an advice: nothing here fails the device). */
  async function checkUdpBuffer(): Promise<void> {
    const port = (await client?.get().catch(() => undefined))?.listenPort;
    if (port === undefined || port === 0) return;
    const bytes = await smallUdpReceiveBuffer(port, netns);
    if (bytes !== undefined) {
      emit({ type: 'udp-buffer-small', receiveBufferBytes: bytes, recommendedBytes: RECOMMENDED_UDP_BUFFER_BYTES });
    }
  }

  function running(): UapiClient {
    if (spec === undefined || client === undefined || stopped) {
      throw wireguardErrors.uapiUnavailable.create('the WireGuard interface is not up (call up() first)');
    }
    return client;
  }

  return {
    kind: 'wireguard-go',
    get pid() {
      return device?.child.pid;
    },
    async up(input: InterfaceSpec): Promise<void> {
      if (spec !== undefined || stopped) throw new Error('up() may be called once per backend');
      const checked = checkSpec(input);
      privateKey = await loadPrivateKey(checked.privateKey);
      spec = checked;
      try {
        await deleteLink(checked.name, netns);
        await untilSocketClosed(checked.name);
        await startDevice(checked);
      } catch (err) {
        stopped = true;
        await stopDevice();
        await deleteLink(checked.name, netns).catch(() => undefined);
        throw err;
      }
      await checkUdpBuffer();
    },
    async apply(input: DesiredDevice): Promise<ApplyResult> {
      canonicalDesired(input); // a malformed state is refused here, and never kept for a restart
      desired = input;
      return serialize(() => reconcile(running(), input));
    },
    async read(): Promise<DeviceState> {
      return running().get();
    },
    async down(): Promise<void> {
      stopped = true;
      clearTimeout(restartTimer);
      await serialize(async () => {
        await stopDevice();
        if (spec !== undefined) await deleteLink(spec.name, netns);
      });
    },
  };
}

function commandFailed(name: string, what: string, device: Device): Error {
  const stderr = device.stderr.trim();
  return wireguardErrors.commandFailed.create(`wireguard-go for ${name} ${what}${stderr === '' ? '' : `: ${stderr}`}`);
}
