import {
  closeOps,
  controlRefusal,
  gatewayEnrolment,
  listenOps,
  loadOrEnrol,
  openAgentState,
  startControlClient,
  type AgentOptions,
  type ControlClient,
} from '@rustronaut/agent';
import type { Config } from '@rustronaut/config';
import { type ConfigSnapshot, type HubPeer, type HubReportRequest, type HubTunnelConfig } from '@rustronaut/contracts';
import { createOpsServer, type Registry } from '@rustronaut/observability';
import {
  assertInterfaceFree,
  createBackend,
  createPeerForwarding,
  createPeerStatsTracker,
  ensureKeyFile,
  logBackendEvent,
  type BackendOptions,
  type ForwardGrant,
  type PeerStats,
} from '@rustronaut/wireguard';
import { join } from 'node:path';
import { createHubMetrics } from './hub-metrics.js';
import { hubEndpoint } from './hub-endpoint.js';

/** What starting a tunnel hub needs. */
export interface TunnelHubOptions extends AgentOptions {
  readonly config: Config;
  readonly metrics: Registry;
  /** One-time enrolment token of a gateway of kind `hub`; needed only until the hub is enrolled. */
  readonly enrolToken?: string | undefined;
  /** Open the ops listener on `tunnel.opsListen`; default true (`rustronaut start` serves the metrics elsewhere). */
  readonly opsListener?: boolean;
  /** How often the device is read and the report sent, in ms; default 10 s. */
  readonly reportMs?: number;
  /** Backend choice and supervision timings (`kind`, `wireguardGo`, `restartMinDelayMs`, ...). */
  readonly backend?: Omit<BackendOptions, 'onEvent' | 'netns'>;
}

/** A running tunnel hub. */
export interface RunningTunnelHub {
  /** The hub's WireGuard public key. */
  readonly publicKey: string;
  /** Bound port of the ops listener, or undefined without one. */
  readonly opsPort: number | undefined;
  /** Fetches and applies the admin's snapshot now (SIGHUP). */
  reload(): Promise<{ ok: true; version: number } | { ok: false; error: string }>;
  /** Leaves the control channel, stops reporting, and deletes the interface. */
  close(): Promise<void>;
}

/**
 * Starts the tunnel hub: checks first that this host can run WireGuard (ERR_WG_BACKEND_UNAVAILABLE names what is
 * missing: root or CAP_NET_ADMIN, `/dev/net/tun`, wireguard-go), enrols once like a gateway (its control key and
 * its WireGuard key stay in `<dataDir>/tunnel/`), brings the interface up from the saved snapshot if there is one
 * (fail static), then follows the admin: every snapshot's peers (sites and client devices) are reconciled with
 * the smallest change, never by replacing all peers, and each device is let through to the target ports of the
 * sites it was granted (`ip rule`s; anything else arriving on the interface for another host is refused). Every
 * `reportMs` it reads the device and sends its key, endpoint and per-peer statistics to the admin, and updates the
 * metrics.
 */
export async function startTunnelHub(options: TunnelHubOptions): Promise<RunningTunnelHub> {
  const { config } = options;
  const logger = options.logger.child({ component: 'tunnel' });
  const iface = config.tunnel.interface;
  const metrics = createHubMetrics(options.metrics);
  const tracker = createPeerStatsTracker();
  // Before anything else: a host that cannot run WireGuard must not use up the one-time token.
  const backendOptions: BackendOptions = {
    ...options.backend,
    onEvent: (event) => {
      logBackendEvent(logger, event);
      if (event.type === 'device-restarted') {
        tracker.deviceRestarted();
        metrics.deviceRestarted();
      }
    },
  };
  let backend = await createBackend(backendOptions);
  await assertInterfaceFree(iface, 'tunnel.interface (RUSTRONAUT_TUNNEL_INTERFACE)');
  const state = await openAgentState(config.dataDir, 'tunnel');
  const identity = await loadOrEnrol(state, {
    logger,
    what: 'tunnel hub',
    commonName: 'rustronaut-tunnel-hub',
    token: options.enrolToken,
    tokenHint: 'pass --enrol-token-file FILE or set RUSTRONAUT_ENROL_TOKEN (a token of a gateway of kind hub)',
    enrol: gatewayEnrolment(options.adminUrl, options.enrolToken),
  });
  const keyFile = join(state.dir, 'wg.key');
  const { publicKey } = await ensureKeyFile(keyFile);
  const endpoint = hubEndpoint(config, options.adminUrl);
  logger.info({ backend: backend.kind, interface: iface, publicKey, endpoint }, 'tunnel hub starting');

  const forwarding = createPeerForwarding(iface);
  /** The interface's address while it is up. */
  let address: string | undefined;
  /** The desired peers by public key, for the metrics' labels. */
  let peers = new Map<string, HubPeer>();
  let applying = Promise.resolve();

  const reconcile = (tunnel: HubTunnelConfig) => {
    const run = applying.then(async () => {
      if (address === undefined) {
        try {
          await backend.up({ name: iface, privateKey: { file: keyFile }, addresses: [tunnel.address] });
        } catch (err) {
          // A backend comes up once: the next snapshot tries again with a fresh one.
          backend = await createBackend(backendOptions);
          throw err;
        }
        address = tunnel.address;
      } else if (address !== tunnel.address) {
        // A backend brings its interface up once; a new pool is rare enough to ask for a restart.
        throw new Error(`the hub address changed from ${address} to ${tunnel.address}: restart the hub to apply it`);
      }
      const result = await backend.apply({
        listenPort: config.tunnel.listenPort,
        peers: tunnel.peers.map((p) => ({ publicKey: p.publicKey, allowedIps: p.allowedIps })),
      });
      peers = new Map(tunnel.peers.map((p) => [p.publicKey, p]));
      const { added, updated, removed, unchanged } = result;
      if (result.operations > 0) {
        logger.info(
          { added: added.length, updated: updated.length, removed: removed.length, unchanged },
          'hub peers reconciled',
        );
      }
      const plan = await forwarding.apply(forwardGrants(tunnel.peers));
      if (plan.add.length + plan.remove.length > 0) {
        logger.info({ added: plan.add.length, removed: plan.remove.length }, 'device forwarding rules reconciled');
      }
    });
    applying = run.catch(() => undefined);
    return run;
  };

  const saved = await state.loadSnapshot((reason) =>
    logger.warn(
      { file: `${state.dir}/snapshot.json`, reason },
      'the saved snapshot is unreadable; waiting for the admin',
    ),
  );
  let initialVersion: number | undefined;
  if (saved?.tunnel !== undefined && saved.orgId === identity.orgId) {
    try {
      await reconcile(saved.tunnel);
      initialVersion = saved.version;
      logger.info({ version: saved.version }, 'serving the saved peers until the admin answers');
    } catch (err) {
      await backend.down();
      throw err;
    }
  }

  const channel: { client?: ControlClient } = {};
  const report = async () => {
    if (address === undefined || channel.client === undefined) return;
    let stats: readonly PeerStats[];
    try {
      stats = tracker.observe(await backend.read());
    } catch (err) {
      logger.warn({ err }, 'cannot read the WireGuard device');
      return;
    }
    metrics.observe(stats, peers);
    const body: HubReportRequest = {
      publicKey,
      endpoint,
      peers: stats.map((s) => ({
        publicKey: s.publicKey,
        lastHandshakeAt: s.lastHandshake?.toISOString() ?? null,
        rxBytes: toSafeNumber(s.rxBytes),
        txBytes: toSafeNumber(s.txBytes),
      })),
    };
    try {
      const answer = await channel.client.post('/v1/tunnel/report', body, 10_000);
      if (answer.status !== 204) throw controlRefusal('tunnel report', answer);
    } catch (err) {
      logger.debug({ err }, 'cannot send the tunnel report; the next one follows');
    }
  };

  const control = startControlClient({
    ...options.control,
    identity,
    logger,
    agentVersion: options.agentVersion,
    initialVersion,
    status: () => ({ backend: backend.kind, interface: iface, peers: peers.size }),
    apply: async (snapshot: ConfigSnapshot) => {
      if (snapshot.tunnel === undefined) {
        return { ok: false, error: 'the snapshot has no tunnel section: was this hub enrolled with a hub token?' };
      }
      try {
        await reconcile(snapshot.tunnel);
      } catch (err) {
        return { ok: false, error: `cannot configure the WireGuard interface: ${(err as Error).message}` };
      }
      await state
        .saveSnapshot(snapshot)
        .catch((err: unknown) => logger.warn({ err }, 'cannot save the snapshot; a restart would use an older one'));
      // The admin learns the key and endpoint at once, so connectors can dial the hub.
      void report();
      return { ok: true };
    },
  });
  channel.client = control;
  const reporting = setInterval(() => void report(), options.reportMs ?? 10_000).unref();

  let opsPort: number | undefined;
  const ops = createOpsServer(options.metrics, { ready: () => address !== undefined });
  if (options.opsListener !== false) {
    try {
      opsPort = await listenOps(ops, config.tunnel.opsListen, 'tunnel.opsListen');
    } catch (err) {
      clearInterval(reporting);
      await control.close();
      await backend.down();
      throw err;
    }
  }
  return {
    publicKey,
    opsPort,
    reload: () => control.resync(),
    async close() {
      clearInterval(reporting);
      await control.close();
      await closeOps(ops);
      await applying;
      await backend.down();
      await forwarding.clear();
    },
  };
}

/** Each device's grants: the tunnel ports of the sites it may reach; all the forwarding a hub does. */
function forwardGrants(peers: readonly HubPeer[]): ForwardGrant[] {
  return peers.flatMap((peer) => {
    const client = peer.allowedIps[0]?.replace(/\/32$/, '') ?? '';
    return peer.reach.flatMap((site) => site.ports.map((port) => ({ client, server: site.address, port })));
  });
}

/** Whether a hub using `dataDir` has enrolled already (its identity is in `<dataDir>/tunnel/`). */
export async function isHubEnrolled(dataDir: string): Promise<boolean> {
  return (await (await openAgentState(dataDir, 'tunnel')).loadIdentity()) !== undefined;
}

/** Counters are bigint on the device; the report carries JSON numbers (exact up to 2^53 bytes, 8 PiB). */
function toSafeNumber(value: bigint): number {
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
}
