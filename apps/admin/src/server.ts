import { explainListenError, formatListenAddress, type Config } from '@rustronaut/config';
import { getSetting, openDatabase, setSetting, type Database } from '@rustronaut/db';
import { createMetricsRegistry, createOpsServer, type Logger, type Registry } from '@rustronaut/observability';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildApp } from './app.js';
import type { AdminContext } from './context.js';
import { acmeSettings } from './certificates/acme-settings.js';
import { startCertificateManager, type CertificateManager } from './certificates/certificate-manager.js';
import { startControlServer, type ControlServer } from './control/control-server.js';
import { createAdminContext } from './create-context.js';
import { bootstrapOwner } from './modules/auth/bootstrap.js';
import { localAgentEnrolToken } from './modules/gateways/local-gateway.js';
import { loadMasterKey } from './secrets/master-key.js';
import { prepareDataDir } from './data-dir.js';
import { createAdminMetrics } from './monitoring/admin-metrics.js';
import { startAuditVerifier, type AuditVerifier } from './monitoring/audit-verifier.js';

/** What starting the admin needs. */
export interface AdminOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly version: string;
  /**
   * The process's metrics registry: the admin adds its families (certificate expiry, audit verification). In
   * `rustronaut start` the gateway's operations listener serves it; `admin.opsListen` serves it too. Default: a
   * registry of the admin's own.
   */
  readonly metrics?: Registry;
}

/** A running admin. */
export interface RunningAdmin {
  /** Base URL the admin listens on, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** Base URL of the control channel (mutual TLS) that enrolled gateways dial. */
  readonly controlUrl: string;
  /** Base URL of the operations listener (`admin.opsListen`), when configured. */
  readonly opsUrl: string | undefined;
  /**
   * A one-time enrolment token for the gateway `rustronaut start` runs beside the admin (the `local` gateway of
   * the first organisation); undefined until the first owner exists.
   */
  localGatewayEnrolToken(): Promise<string | undefined>;
  /** The same for the tunnel hub `rustronaut start` runs when it may (the `local-hub` hub). */
  localHubEnrolToken(): Promise<string | undefined>;
  /** Stops accepting requests, drains in-flight ones, then closes the database. */
  close(): Promise<void>;
}

/** Opens the database (PGlite in the data directory unless `databaseUrl` is set) and applies migrations. */
export async function openMigratedDatabase(config: Config, logger: Logger): Promise<Database> {
  await prepareDataDir(config.dataDir);
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await database.migrate();
    if ((await getSetting(database.db, 'instance.id')) === undefined) {
      await setSetting(database.db, 'instance.id', randomUUID());
      logger.info({ driver: database.driver }, 'first start: database initialised');
    }
  } catch (err) {
    await database.close();
    throw err;
  }
  logger.info({ driver: database.driver }, 'database ready, migrations applied');
  return database;
}

/** Starts the admin API on `config.admin.listen`. */
export async function startAdmin(options: AdminOptions): Promise<RunningAdmin> {
  const { config, logger } = options;
  const database = await openMigratedDatabase(config, logger);
  let ctx: AdminContext;
  let setupToken: string | undefined;
  try {
    const masterKey = await loadMasterKey(config.masterKey, config.dataDir);
    ctx = createAdminContext({
      config,
      logger: logger.child({ component: 'admin' }),
      database,
      masterKey,
      version: options.version,
    });
    // Fail at start, not at the first sign-in, when the master key cannot read the stored keys.
    await ctx.keys.jwks();
    // The first owner exists (or the setup token does) before the API answers.
    setupToken = await bootstrapOwner(ctx);
  } catch (err) {
    await database.close();
    throw err;
  }
  let control: ControlServer;
  // The API's own URL once it listens (its port may be 0 in the config): gateways send browsers there to sign in.
  let adminUrl = `http://localhost:${String(config.admin.listen.port)}`;
  try {
    control = await startControlServer(ctx, { adminUrl: () => config.admin.publicUrl ?? adminUrl });
  } catch (err) {
    await database.close();
    throw explainListenError(err as Error, 'admin.controlListen', config.admin.controlListen);
  }
  let certificates: CertificateManager;
  try {
    certificates = startCertificateManager(ctx, { acme: await acmeSettings(config) });
  } catch (err) {
    await control.close();
    await database.close();
    throw err;
  }
  const app = buildApp(ctx, { controlUrl: control.url });
  const registry = options.metrics ?? createMetricsRegistry({ role: 'admin', version: options.version });
  const metrics = createAdminMetrics(registry, ctx.db, ctx.logger);
  const minutes = config.admin.auditVerifyIntervalMinutes;
  const verifier: AuditVerifier | undefined =
    minutes > 0 ? startAuditVerifier(ctx.db, metrics, ctx.logger, minutes * 60_000) : undefined;
  let closing = false;
  let ops: Server | undefined;
  const { host, port } = config.admin.listen;
  const closeAll = async () => {
    closing = true;
    if (ops?.listening === true) await new Promise((resolve) => ops?.close(resolve));
    await certificates.close();
    await app.close();
    await control.close();
    await verifier?.stop();
    await database.close();
  };
  try {
    await app.listen({ host: host || '::', port });
  } catch (err) {
    await closeAll();
    throw explainListenError(err as Error, 'admin.listen', config.admin.listen);
  }
  const opsListen = config.admin.opsListen;
  if (opsListen !== undefined) {
    ops = createOpsServer(registry, { ready: () => !closing });
    try {
      ops.listen(opsListen.port, opsListen.host || '::');
      await once(ops, 'listening');
    } catch (err) {
      await closeAll();
      throw explainListenError(err as Error, 'admin.opsListen', opsListen);
    }
  }
  const bound = app.server.address() as AddressInfo;
  const url = `http://${formatListenAddress({ host: host || 'localhost', port: bound.port })}`;
  adminUrl = url;
  if (setupToken !== undefined) {
    const setupLink = `${config.admin.publicUrl ?? url}/setup?token=${setupToken}`;
    logger.warn(
      { setupLink },
      `first start: no account yet. Within one hour, create the owner at ${setupLink} or with POST /api/v1/auth/setup {"token", "email", "password"} (docs/api.md); or restart with RUSTRONAUT_ADMIN_EMAIL and RUSTRONAUT_ADMIN_PASSWORD set`,
    );
  }
  logger.info({ url: control.url }, 'control channel listening (mutual TLS)');
  const opsPort = (ops?.address() as AddressInfo | null)?.port;
  return {
    url,
    controlUrl: control.url,
    opsUrl:
      opsListen === undefined || opsPort === undefined
        ? undefined
        : `http://${formatListenAddress({ host: opsListen.host || 'localhost', port: opsPort })}`,
    localGatewayEnrolToken: () => localAgentEnrolToken(ctx, 'gateway'),
    localHubEnrolToken: () => localAgentEnrolToken(ctx, 'hub'),
    close: closeAll,
  };
}
