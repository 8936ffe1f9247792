import {
  controlRefusal,
  gatewayEnrolment,
  loadOrEnrol,
  openAgentState,
  startControlClient,
  type AgentIdentity,
  type AgentState,
  type ControlClient,
  type ControlClientOptions,
} from '@rustronaut/agent';
import { accessRedeemResponse, type AccessEvent } from '@rustronaut/contracts';
import type { RedeemOutcome } from '../access/managed-access.js';
import { startGateway, type GatewayOptions, type RunningGateway } from '../gateway.js';
import { createAccessReporter } from './access-reporter.js';
import { createManagedTls } from '../tls/managed-tls.js';

/** What starting a gateway managed by an admin needs. */
export interface ManagedGatewayOptions extends Omit<GatewayOptions, 'file' | 'watchFile' | 'awaitConfig'> {
  /** Base URL of the admin API, for enrolment (`https://admin.example.com`). */
  readonly adminUrl: string;
  /** One-time enrolment token; needed only until the gateway is enrolled. */
  readonly enrolToken?: string | undefined;
  /** Software version, reported in heartbeats. */
  readonly agentVersion: string;
  /** Heartbeat and reconnection timings; tests shorten them. */
  readonly control?: Pick<ControlClientOptions, 'heartbeatMs' | 'retryMinMs' | 'retryMaxMs'>;
}

/**
 * Starts a gateway whose routes come from the admin: enrols once (key and CSR made here, the key stays in
 * `<dataDir>/gateway/`), serves the last saved snapshot at once if there is one (fail static: the admin may be
 * down), then follows the admin's control channel and saves every applied snapshot. Until it has a
 * configuration, `/readyz` answers 503. SIGHUP ({@link RunningGateway.reload}) fetches the snapshot again.
 */
export async function startManagedGateway(options: ManagedGatewayOptions): Promise<RunningGateway> {
  const logger = options.logger.child({ component: 'control' });
  const state = await openAgentState(options.config.dataDir, 'gateway');
  const identity = await enrolledIdentity(state, options);

  const saved = await state.loadSnapshot((reason) =>
    logger.warn(
      { file: `${state.dir}/snapshot.json`, reason },
      'the saved snapshot is unreadable; waiting for the admin',
    ),
  );
  // The client exists only after the gateway does (it applies snapshots to it): access calls go through `channel`.
  const channel: { client?: ControlClient } = {};
  const unavailable = () => Promise.reject(new Error('the control channel is not connected yet'));
  const reporter = createAccessReporter({
    logger,
    send: (events) => (channel.client ? sendEvents(channel.client, events) : unavailable()),
    onDropped: (count) => logger.warn({ count }, 'the admin has been unreachable: oldest access decisions dropped'),
  });
  const managedTls = createManagedTls(options.logger.child({ component: 'tls' }));
  const gateway = await startGateway({
    ...options,
    awaitConfig: true,
    managedTls,
    accessControl: {
      orgId: identity.orgId,
      redeem: (code, origin) => (channel.client ? redeem(channel.client, code, origin) : unavailable()),
      report: reporter.report,
    },
  });
  let initialVersion: number | undefined;
  if (saved !== undefined && saved.orgId === identity.orgId) {
    managedTls.update(saved.tls);
    const applied = await gateway.applyConfig(saved.config, saved.version, saved.access);
    if (applied.ok) {
      initialVersion = saved.version;
      logger.info({ version: saved.version }, 'serving the saved snapshot until the admin answers');
    }
  }
  const control = startControlClient({
    ...options.control,
    identity,
    logger,
    agentVersion: options.agentVersion,
    initialVersion,
    apply: async (snapshot) => {
      const applied = await gateway.applyConfig(snapshot.config, snapshot.version, snapshot.access);
      if (!applied.ok) return applied;
      managedTls.update(snapshot.tls);
      try {
        // Private keys are never written to disk in clear: the saved copy has no TLS part, so a restart while
        // the admin is down serves no certificate until it answers (routes keep working over HTTP).
        await state.saveSnapshot({ ...snapshot, tls: { certificates: [], challenges: [] } });
      } catch (err) {
        logger.warn({ err }, 'cannot save the snapshot; a restart without the admin would serve an older one');
      }
      return { ok: true };
    },
  });
  channel.client = control;
  return {
    ...gateway,
    reload: () => control.resync(),
    close: async () => {
      // Drain the listeners first, then send their last decisions, then leave the control channel.
      await gateway.close();
      await reporter.close();
      await control.close();
    },
  };
}

/** Trades a browser's one-time code for a session; rejects when the admin cannot be asked. */
async function redeem(client: ControlClient, code: string, origin: string): Promise<RedeemOutcome> {
  const answer = await client.post('/v1/access/redeem', { code, origin }, 5000);
  if (answer.status === 200) return { ok: true, session: accessRedeemResponse.parse(JSON.parse(answer.text)) };
  // 400: the code is no good; anything else (401 unenrolled, 5xx) means the admin could not decide.
  if (answer.status === 400) return { ok: false };
  throw controlRefusal('redeem', answer);
}

/** Sends a batch of access decisions for the audit log; rejects when the admin did not take it. */
async function sendEvents(client: ControlClient, events: readonly AccessEvent[]): Promise<void> {
  const answer = await client.post('/v1/access/events', { events }, 10_000);
  if (answer.status !== 204) throw controlRefusal('access events', answer);
}

/** Whether a gateway using `dataDir` has enrolled already (its identity is in `<dataDir>/gateway/`). */
export async function isEnrolled(dataDir: string): Promise<boolean> {
  return (await (await openAgentState(dataDir, 'gateway')).loadIdentity()) !== undefined;
}

function enrolledIdentity(state: AgentState, options: ManagedGatewayOptions): Promise<AgentIdentity> {
  return loadOrEnrol(state, {
    logger: options.logger,
    what: 'gateway',
    commonName: 'rustronaut-gateway',
    token: options.enrolToken,
    tokenHint: 'pass --enrol-token-file FILE or set RUSTRONAUT_ENROL_TOKEN',
    enrol: gatewayEnrolment(options.adminUrl, options.enrolToken),
  });
}
