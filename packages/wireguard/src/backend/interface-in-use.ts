import { readdir, readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { basename } from 'node:path';
import { wireguardErrors } from '../errors.js';

/**
 * Refuses, with ERR_WG_COMMAND_FAILED, an interface name whose userspace device answers on
 * `/var/run/wireguard/<name>.sock` and belongs to a running process: `up` would delete the link of another hub or
 * connector (the socket directory is shared by every network namespace of the host). Two leftovers are fine, and
 * `up` replaces them: a socket nobody answers on (a dead device), and a `wireguard-go -f <name>` whose parent died
 * (adopted by init, pid 1: the device of an agent that was killed). `setting` names what changes the name.
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
  if (!answers) return;
  const owner = await findDevice(name);
  if (owner !== undefined && owner.ppid === 1) return;
  const who = owner === undefined ? '' : ` (wireguard-go, pid ${String(owner.pid)})`;
  throw wireguardErrors.commandFailed.create(
    `the WireGuard interface ${name} is in use by another process${who}: stop it, or set ${setting} to another name`,
  );
}

/** The `wireguard-go -f <name>` process, if one runs in this pid namespace. */
async function findDevice(name: string): Promise<{ pid: number; ppid: number } | undefined> {
  for (const entry of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0');
      if (basename(argv[0] ?? '') !== 'wireguard-go' || argv[1] !== '-f' || argv[2] !== name) continue;
      // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses, so split after the last ')'.
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      return { pid: Number(entry), ppid };
    } catch {
      // the process ended meanwhile
    }
  }
  return undefined;
}
