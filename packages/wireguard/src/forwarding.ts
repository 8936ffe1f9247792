import { readFile, writeFile } from 'node:fs/promises';
import { runCommand } from './backend/command.js';
import { wireguardErrors } from './errors.js';

// Forwarding between the peers of one WireGuard interface (the hub's), granted TCP port by port and refused
// otherwise. Policy routing does the enforcing: for each grant one `ip rule` sends the client's TCP packets to the
// server's port through the main table (back out of the same interface), another the server's packets from that
// port back to the client, and a catch-all rule after them refuses every other packet the interface would forward
// (ICMP "prohibited"). The rules are stateless, like a router's ACL. Packets for the host's own addresses are taken
// by the `local` table at priority 0 first, so they are never affected. The rules live beside the interface's own
// `forwarding` switch, which is turned on once there is a grant.

/** Priority of the rules that let a grant through. */
const FORWARD_RULE_PRIORITY = 1000;
/** Priority of the catch-all rule refusing every other packet the interface would forward. */
const REFUSE_RULE_PRIORITY = 1001;

/** What a hub forwards for one grant: TCP from the peer address `client` to `server:port`, and the replies. */
export interface ForwardGrant {
  readonly client: string;
  readonly server: string;
  readonly port: number;
}

/** A rule as `ip -j rule show` prints it (the fields read here). */
export interface IpRule {
  readonly priority?: number;
  readonly iif?: string;
  readonly src?: string;
  readonly srclen?: number;
  readonly dst?: string;
  readonly dstlen?: number;
  readonly ipproto?: string;
  readonly sport?: number;
  readonly dport?: number;
  readonly table?: string;
  readonly action?: string;
}

/** The `ip` argument lists that bring an interface's rules to its grants: additions (the refusal first), removals. */
export interface ForwardingPlan {
  readonly add: string[][];
  readonly remove: string[][];
}

const prefix = (address: string | undefined, length: number | undefined) =>
  address === undefined || address === 'all' ? undefined : `${address}/${String(length ?? 32)}`;

/** The selector and action of a rule, as `ip rule add|del` takes them; also its identity when diffing. */
function ruleArgs(iface: string, rule: IpRule): string[] {
  const from = prefix(rule.src, rule.srclen);
  const to = prefix(rule.dst, rule.dstlen);
  return [
    'priority',
    String(rule.priority),
    'iif',
    iface,
    ...(from === undefined ? [] : ['from', from]),
    ...(to === undefined ? [] : ['to', to]),
    ...(rule.ipproto === undefined ? [] : ['ipproto', rule.ipproto]),
    ...(rule.sport === undefined ? [] : ['sport', String(rule.sport)]),
    ...(rule.dport === undefined ? [] : ['dport', String(rule.dport)]),
    ...(rule.action === undefined ? ['lookup', rule.table ?? 'main'] : [rule.action]),
  ];
}

const isOurs = (iface: string) => (rule: IpRule) =>
  rule.iif === iface && (rule.priority === FORWARD_RULE_PRIORITY || rule.priority === REFUSE_RULE_PRIORITY);

/**
 * What to add and remove so that the rules of `iface` at the two priorities above are exactly: two per grant,
 * and the catch-all refusal. The refusal is added before any pair; rules at other priorities are the operator's
 * and stay.
 */
export function planForwarding(
  iface: string,
  current: readonly IpRule[],
  grants: readonly ForwardGrant[],
): ForwardingPlan {
  const ours = current.filter(isOurs(iface));
  const key = (rule: IpRule) => ruleArgs(iface, rule).join(' ');
  const wanted = new Map(
    [
      { priority: REFUSE_RULE_PRIORITY, action: 'prohibit' },
      ...grants.flatMap(({ client, server, port }) => [
        { priority: FORWARD_RULE_PRIORITY, src: client, dst: server, ipproto: 'tcp', dport: port, table: 'main' },
        { priority: FORWARD_RULE_PRIORITY, src: server, dst: client, ipproto: 'tcp', sport: port, table: 'main' },
      ]),
    ].map((rule) => [key(rule), rule]),
  );
  const have = new Set(ours.map(key));
  return {
    add: [...wanted.values()].filter((r) => !have.has(key(r))).map((r) => ['rule', 'add', ...ruleArgs(iface, r)]),
    remove: ours.filter((r) => !wanted.has(key(r))).map((r) => ['rule', 'del', ...ruleArgs(iface, r)]),
  };
}

/** Forwarding between the peers of a WireGuard interface, granted TCP port by port. */
export interface PeerForwarding {
  /**
   * Makes the interface forward exactly `grants` and refuse the rest; the interface's forwarding switch is turned
   * on once there is a grant. ERR_WG_COMMAND_FAILED when `ip` or the switch fails.
   */
  apply(grants: readonly ForwardGrant[]): Promise<ForwardingPlan>;
  /** Removes the interface's rules (they outlive the interface otherwise). */
  clear(): Promise<void>;
}

/** Peer forwarding on `iface`, in the current network namespace. */
export function createPeerForwarding(iface: string): PeerForwarding {
  const read = async (): Promise<IpRule[]> => {
    const text = await runCommand(['ip', '-j', 'rule', 'show', 'iif', iface]);
    let rules: unknown;
    try {
      rules = JSON.parse(text.trim() === '' ? '[]' : text);
    } catch {
      rules = undefined;
    }
    if (!Array.isArray(rules)) {
      throw wireguardErrors.commandFailed.create(
        `\`ip -j rule show iif ${iface}\` did not print a JSON list: ${JSON.stringify(text.slice(0, 200))}`,
      );
    }
    return rules as IpRule[];
  };
  return {
    async apply(grants) {
      const plan = planForwarding(iface, await read(), grants);
      for (const args of [...plan.add, ...plan.remove]) await runCommand(['ip', ...args]);
      if (grants.length > 0) await enableForwarding(iface);
      return plan;
    },
    async clear() {
      // The catch-all refusal goes last: nothing is forwarded while the rules are being removed.
      const ours = (await read()).filter(isOurs(iface)).sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0));
      for (const rule of ours) await runCommand(['ip', 'rule', 'del', ...ruleArgs(iface, rule)]);
    },
  };
}

/** Turns on IPv4 forwarding for packets arriving on `iface` (only it; `ip_forward` is left as it is). */
async function enableForwarding(iface: string): Promise<void> {
  const path = `/proc/sys/net/ipv4/conf/${iface}/forwarding`;
  try {
    if ((await readFile(path, 'utf8')).trim() === '1') return;
    await writeFile(path, '1\n');
  } catch (err) {
    throw wireguardErrors.commandFailed.create(
      `cannot turn on forwarding for ${iface} (${path}: ${(err as Error).message}); in a container, start ` +
        `it with the sysctl net.ipv4.conf.default.forwarding=1 (docker run --sysctl ...) or a writable /proc/sys`,
      { cause: err },
    );
  }
}
