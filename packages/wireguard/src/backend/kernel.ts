import { wireguardErrors } from '../errors.js';
import type { DeviceState } from '../uapi/types.js';
import { runCommand } from './command.js';
import { checkSpec, configureInterface, deleteLink, loadPrivateKey, type CheckedSpec } from './interface-config.js';
import { reconcile, type DeviceControl } from './reconcile.js';
import type { ApplyResult, DesiredDevice, InterfaceSpec, WireGuardBackend } from './types.js';
import { createWgControl } from './wg-control.js';

/**
 * Runs an interface with the kernel module: `ip link add NAME type wireguard`, configured with `wg`
 * ({@link createWgControl}). The kernel keeps the device; there is no process to supervise.
 */
export function createKernelBackend(netns: string | undefined): WireGuardBackend {
  let spec: CheckedSpec | undefined;
  let control: DeviceControl | undefined;
  let stopped = false;
  let queue: Promise<unknown> = Promise.resolve();

  function running(): DeviceControl {
    if (control === undefined || stopped) {
      throw wireguardErrors.uapiUnavailable.create('the WireGuard interface is not up (call up() first)');
    }
    return control;
  }

  return {
    kind: 'kernel',
    async up(input: InterfaceSpec): Promise<void> {
      if (spec !== undefined || stopped) throw new Error('up() may be called once per backend');
      const checked = checkSpec(input);
      const privateKey = await loadPrivateKey(checked.privateKey);
      spec = checked;
      const wg = createWgControl(checked.name, netns);
      try {
        await deleteLink(checked.name, netns);
        await runCommand(['ip', 'link', 'add', 'dev', checked.name, 'type', 'wireguard'], { netns });
        await wg.set({ privateKey });
        await configureInterface(checked, netns);
      } catch (err) {
        stopped = true;
        await deleteLink(checked.name, netns).catch(() => undefined);
        throw err;
      }
      control = wg;
    },
    async apply(desired: DesiredDevice): Promise<ApplyResult> {
      const run = queue.then(() => reconcile(running(), desired));
      queue = run.catch(() => undefined);
      return run;
    },
    async read(): Promise<DeviceState> {
      return running().get();
    },
    async down(): Promise<void> {
      stopped = true;
      if (spec !== undefined) await deleteLink(spec.name, netns);
    },
  };
}
