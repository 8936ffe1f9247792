import { wireguardErrors } from '../errors.js';
import { connect } from 'node:net';

/**
 * Refuses, with ERR_WG_COMMAND_FAILED, an interface name whose userspace device answers on
 * `/var/run/wireguard/<name>.sock`: `up` would delete the link of another running process (the socket directory
 * is shared by every network namespace of the host). A leftover socket of a dead device does not answer, and `up`
 * replaces it. `setting` names what changes the name, for the message.
 */
export async function assertInterfaceFree(name: string, setting: string): Promise<void> {
  const path = `/var/run/wireguard/${name}.sock`;
  const answers = await new Promise<boolean>((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
  if (answers) {
    throw wireguardErrors.commandFailed.create(
      `the WireGuard interface ${name} is in use by another process (${path} answers): stop it, or set ${setting} to another name`,
    );
  }
}
