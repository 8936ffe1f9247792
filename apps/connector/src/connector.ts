import {
  closeOps,
  listenOps,
  loadOrEnrol,
  openAgentState,
  requestEnrolment,
  startControlClient,
  type AgentOptions,
} from '@rustronaut/agent';
import type { Config } from '@rustronaut/config';
import { createOpsServer, type Registry } from '@rustronaut/observability';
import { connectorEnrolResponse, type ConfigSnapshot, type SiteTunnelConfig } from '@rustronaut/contracts';
import {
  assertInterfaceFree,
  createBackend,
  ensureKeyFile,
  logBackendEvent,
  type BackendOptions,
} from '@rustronaut/wireguard';
import { join } from 'node:path';
import { createConnectorMetrics } from './connector-metrics.js';
import { createForwarders } from './forwarders.js';
import { createHubAddress, hubMayHaveMoved } from './hub-address.js';
import { checkTargets } from './target-health.js';

/** What starting a connector needs. */
export interface ConnectorOptions extends AgentOptions {
  readonly config: Config;
  /** The process registry: the connector's metrics, served on `connector.opsListen` when it is set. */
  readonly metrics: Registry;
  /** The site's one-time token (`rst_...`); needed only until the connector is enrolled. */
  readonly token?: string | undefined;
  /** Seconds between keepalives to the hub, which keep NAT mappings open; default 25 (as wg-quick users pick). */
  readonly persistentKeepalive?: number;
  /** How often the targets and the tunnel are checked, in ms; default 10 s. */
  readonly checkMs?: number;
  /** Backend choice and supervision timings (`kind`, `wireguardGo`, `restartMinDelayMs`, ...). */
  readonly backend?: Omit<BackendOptions, 'onEvent' | 'netns'>;
}

/** A running connector. */
export interface RunningConnector {
  /** The connector's WireGuard public key. */
  readonly publicKey: string;
  /** Fetches and applies the admin's snapshot now (SIGHUP). */
  reload(): Promise<{ ok: true; version: number } | { ok: false; error: string }>;
  /** Stops forwarding, leaves the control channel and deletes the interface. */
  close(): Promise<void>;
}

/** How long a target may take to accept a connection before it counts as down. */
const TARGET_TIMEOUT_MS = 3000;
/** Heartbeats carry at most 32 status fields; two are the uptime and the last error. */
const MAX_REPORTED_TARGETS = 30;

/**
 * Starts a site connector: checks first that this host can run WireGuard (ERR_WG_BACKEND_UNAVAILABLE names what is
 * missing), makes its key pair (the private key stays in `<dataDir>/connector/wg.key`, mode 0600), enrols once
 * with the site's token, then follows the admin: with the hub's key, endpoint and address it brings the interface
 * up (wireguard-go supervised, persistent keepalive), and listens on its tunnel address for each target, forwarding
 * TCP to the target and accepting the hub's tunnel address and those of the client devices granted the site. It
 * starts from the saved snapshot when the admin is down (fail static), re-resolves the hub's host name while the
 * tunnel has no fresh handshake, and reports each target's health in its heartbeats (and, with
 * `connector.opsListen`, as metrics).
 */
export async function startConnector(options: ConnectorOptions): Promise<RunningConnector> {
  const { config } = options;
  const logger = options.logger.child({ component: 'connector' });
  const iface = config.connector.interface;
  const keepalive = options.persistentKeepalive ?? 25;
  const metrics = createConnectorMetrics(options.metrics);
  const backendOptions: BackendOptions = {
    ...options.backend,
    onEvent: (event) => {
      logBackendEvent(logger, event);
      if (event.type === 'device-restarted') metrics.deviceRestarted();
    },
  };
  let backend = await createBackend(backendOptions);
  await assertInterfaceFree(iface, 'connector.interface (RUSTRONAUT_CONNECTOR_INTERFACE)');
  const state = await openAgentState(config.dataDir, 'connector');
  const keyFile = join(state.dir, 'wg.key');
  const { publicKey } = await ensureKeyFile(keyFile);
  const identity = await loadOrEnrol(state, {
    logger,
    what: 'connector',
    commonName: 'rustronaut-connector',
    token: options.token,
    tokenHint: 'pass --token-file FILE (or /dev/stdin) or set RUSTRONAUT_CONNECTOR_TOKEN',
    enrol: async (csr) => {
      const { siteId, ...rest } = await requestEnrolment(
        options.adminUrl,
        '/api/v1/agents/connector-enrol',
        { token: options.token ?? '', csr, publicKey },
        connectorEnrolResponse,
      );
      return { agentId: siteId, ...rest };
    },
  });
  logger.info({ backend: backend.kind, interface: iface, siteId: identity.agentId, publicKey }, 'connector starting');

  const forwarders = createForwarders(logger);
  /** What the interface was brought up with; undefined until the admin named a hub. */
  let upWith: { address: string; hubAddress: string } | undefined;
  let site: SiteTunnelConfig | undefined;
  const hubAddress = createHubAddress(logger);
  let health: Record<string, 'up' | 'down'> = {};
  let applying = Promise.resolve();

  /** Brings the tunnel and the forwarders to `next`; serialized, so a check never races a snapshot. */
  const converge = (next: SiteTunnelConfig, reResolve: boolean) => {
    const run = applying.then(async () => {
      site = next;
      const hub = next.hub;
      if (hub === null) {
        logger.warn('no tunnel hub has reported to the admin yet: waiting for one');
        return;
      }
      if (upWith !== undefined && (upWith.address !== next.address || upWith.hubAddress !== hub.address)) {
        // A new pool (or a snapshot of an older admin, with a /32): a backend comes up once, so start afresh.
        logger.warn(
          { from: upWith.address, to: next.address },
          'the tunnel addresses changed: bringing the tunnel up again',
        );
        upWith = undefined;
        await backend.down();
        backend = await createBackend(backendOptions);
      }
      if (upWith === undefined) {
        try {
          // The address carries the pool's prefix: the pool is routed into the tunnel, where the hub peer's
          // allowed IPs (the hub and the granted devices) decide what passes. The hub's own route keeps a /32
          // address (as older admins sent) working.
          const routes = [`${hub.address}/32`];
          await backend.up({ name: iface, privateKey: { file: keyFile }, addresses: [next.address], routes });
        } catch (err) {
          // A backend comes up once: the next check or snapshot tries again with a fresh one.
          backend = await createBackend(backendOptions);
          throw err;
        }
        upWith = { address: next.address, hubAddress: hub.address };
      }
      const endpoint = await hubAddress.resolve(hub.endpoint.host, hub.endpoint.port, reResolve);
      await backend.apply({
        peers: [
          {
            publicKey: hub.publicKey,
            endpoint,
            allowedIps: [hub.address, ...next.devices].map((address) => `${address}/32`),
            persistentKeepalive: keepalive,
          },
        ],
      });
      await forwarders.update(next.address.replace(/\/\d+$/, ''), [hub.address, ...next.devices], next.targets);
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
  if (saved?.site !== undefined && saved.orgId === identity.orgId) {
    try {
      await converge(saved.site, true);
      initialVersion = saved.version;
      logger.info({ version: saved.version }, 'serving the saved configuration until the admin answers');
    } catch (err) {
      logger.warn({ err }, 'cannot apply the saved configuration; waiting for the admin');
    }
  }

  const control = startControlClient({
    ...options.control,
    identity,
    logger,
    agentVersion: options.agentVersion,
    initialVersion,
    status: () => health,
    apply: async (snapshot: ConfigSnapshot) => {
      if (snapshot.site === undefined) {
        return { ok: false, error: 'the snapshot has no site section: was this connector enrolled with a site token?' };
      }
      try {
        await converge(snapshot.site, false);
      } catch (err) {
        return { ok: false, error: `cannot apply the site configuration: ${(err as Error).message}` };
      }
      // The heartbeat that follows an applied snapshot carries the health of the targets it names.
      health = await checkTargets(snapshot.site.targets.slice(0, MAX_REPORTED_TARGETS), TARGET_TIMEOUT_MS);
      await state
        .saveSnapshot(snapshot)
        .catch((err: unknown) => logger.warn({ err }, 'cannot save the snapshot; a restart would use an older one'));
      return { ok: true };
    },
  });

  /** Target health for the heartbeats; and a tunnel without a fresh handshake dials the hub's name afresh. */
  const check = async () => {
    const current = site;
    if (current === undefined) return;
    health = await checkTargets(current.targets.slice(0, MAX_REPORTED_TARGETS), TARGET_TIMEOUT_MS);
    const hub = current.hub;
    if (hub === null || upWith === undefined) metrics.observe(undefined, health);
    if (hub === null) return;
    try {
      // Up: a hub known by name is looked up again while the tunnel has no fresh handshake (it may have moved).
      if (upWith !== undefined) {
        const peer = (await backend.read()).peers.find((p) => p.publicKey === hub.publicKey);
        metrics.observe(peer?.lastHandshake, health);
        if (!hubMayHaveMoved(hub.endpoint.host, peer?.lastHandshake, Date.now())) return;
      }
      // Not up (the last attempt failed), or stale: converge again.
      await converge(current, true);
    } catch (err) {
      logger.warn({ err }, 'cannot bring the tunnel to the hub up to date; trying again');
    }
  };
  const checking = setInterval(() => void check(), options.checkMs ?? 10_000).unref();
  void check();

  const ops = createOpsServer(options.metrics, { ready: () => upWith !== undefined });
  const stop = async () => {
    clearInterval(checking);
    await control.close();
    await closeOps(ops);
    await applying;
    await forwarders.close();
    await backend.down();
  };
  if (config.connector.opsListen !== undefined) {
    await listenOps(ops, config.connector.opsListen, 'connector.opsListen').catch(async (err: unknown) => {
      await stop();
      throw err;
    });
  }
  return { publicKey, reload: () => control.resync(), close: stop };
}
