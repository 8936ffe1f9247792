import type { GatewayFileConfig, SnapshotAccess, TcpRouteConfig } from '@rustronaut/contracts';
import { parseListenAddress, type Config, type ListenAddress } from '@rustronaut/config';
import { errors, isAppError } from '@rustronaut/errors';
import { createOpsServer, type Logger, type Registry } from '@rustronaut/observability';
import { watch, type FSWatcher } from 'node:fs';
import { createServer, type Server, type ServerOptions } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { Agent, type Dispatcher } from 'undici';
import { generateSigningKey } from './access/assertion-signer.js';
import { createRemoteKeySource, type KeySource } from './access/key-source.js';
import { answerClientError } from './client-error.js';
import { emptyGatewayConfig, loadGatewayFile } from './file-config/load-gateway-file.js';
import { createGatewayMetrics } from './gateway-metrics.js';
import { drain, listen } from './listen.js';
import { createAccessLog } from './proxy/access-log.js';
import type { RedeemCode } from './access/managed-access.js';
import { compileOrgAccess } from './access/org-access.js';
import { createSourceBlocker } from './access/source-blocker.js';
import { createHttpProxy, type AccessReport } from './proxy/http-proxy.js';
import { createUpgradeProxy } from './proxy/upgrade-proxy.js';
import { createMemoryStore } from './rate-limit/memory-store.js';
import { createRateLimiter } from './rate-limit/rate-limiter.js';
import type { RateLimitStore } from './rate-limit/types.js';
import { activateSnapshot, compileSnapshot, retireSnapshot, type Snapshot } from './snapshot.js';
import { startTcpProxy } from './tcp/tcp-proxy.js';
import { createCertificateStore, createHttpsServerOptions, loadCertificateFiles } from './tls/certificate-store.js';
import { createUpstreamSet } from './upstreams/upstream-set.js';
import { redirectToHttps } from './proxy/redirect.js';
import { answerAcmeChallenges } from './tls/acme-http-challenge.js';
import { createManagedHttpsListener } from './tls/managed-https.js';
import type { ManagedTls } from './tls/managed-tls.js';

/** What starting a gateway needs. */
export interface GatewayOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly metrics: Registry;
  /** Standalone gateway file (routes, upstreams, TLS, TCP listeners); none means no routes yet. */
  readonly file?: string | undefined;
  /** Reload when the file changes on disk (SIGHUP reloads too, through {@link RunningGateway.reload}). */
  readonly watchFile?: boolean;
  /** Stay unready (`/readyz` 503) until the first {@link RunningGateway.applyConfig}: the admin sends the routes. */
  readonly awaitConfig?: boolean;
  /**
   * Certificates and ACME challenges from the admin (a managed gateway): HTTP-01 answers on the HTTP listener, and
   * an HTTPS listener on `gateway.httpsListen` serving them by SNI, with TLS-ALPN-01 answers.
   */
  readonly managedTls?: ManagedTls;
  /** The control channel's access services, when an admin manages the gateway. */
  readonly accessControl?: AccessControl;
}

/** What managed access needs from the control channel. */
export interface AccessControl {
  readonly orgId: string;
  /** Trades a browser's one-time code for a session. */
  readonly redeem: RedeemCode;
  /** Takes an access decision for the admin's audit log (batched, off the request path). */
  readonly report: (report: AccessReport) => void;
}

/** Outcome of a reload or an applied configuration. */
export type ReloadResult = { ok: true; version: number } | { ok: false; error: string };

/** A running gateway. */
export interface RunningGateway {
  /** Bound port of the HTTP listener. */
  readonly httpPort: number;
  /** Bound port of the HTTPS listener, when configured. */
  readonly httpsPort: number | undefined;
  /** Bound port of the ops listener. */
  readonly opsPort: number;
  /** Bound ports of the TCP listeners, by name. */
  tcpPorts(): ReadonlyMap<string, number>;
  /** Version of the configuration in use. */
  version(): number;
  /**
   * Re-reads the file and swaps the configuration atomically. An invalid file keeps the old configuration
   * (the error is logged and returned). In-flight requests finish on the configuration they started with.
   */
  reload(): Promise<ReloadResult>;
  /**
   * Compiles `config` (a snapshot from the admin) and swaps it in atomically as `version`, like a reload: an
   * invalid one keeps the old configuration. Applies are serialized with reloads.
   */
  applyConfig(config: GatewayFileConfig, version: number, access?: SnapshotAccess): Promise<ReloadResult>;
  /** Stops being ready, drains listeners within `drainTimeoutMs`, and releases everything. */
  close(): Promise<void>;
}

interface TcpListener {
  readonly config: TcpRouteConfig;
  readonly port: number;
  close(graceMs: number): Promise<void>;
  stop(): void;
}

/** Starts the gateway: HTTP (and HTTPS, TCP) listeners, the ops listener, and the configuration. */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { config } = options;
  const logger = options.logger.child({ component: 'gateway' });
  const metrics = createGatewayMetrics(options.metrics);
  const accessLog = config.gateway.accessLog ? createAccessLog(logger) : undefined;
  const reportAccess = options.accessControl?.report;
  // Kept across reloads: a snapshot swap must not lift a block.
  const blocker = createSourceBlocker({
    threshold: config.gateway.blockAfterRefusals,
    windowMs: config.gateway.blockWindowSeconds * 1000,
    blockMs: config.gateway.blockSeconds * 1000,
  });

  const dispatchers = new Map<number, Agent>();
  const dispatcherFor = (connectMs: number): Dispatcher => {
    let agent = dispatchers.get(connectMs);
    if (agent === undefined) {
      agent = new Agent({ connect: { timeout: connectMs }, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000 });
      dispatchers.set(connectMs, agent);
    }
    return agent;
  };
  // Remote JWKS by URL, kept across reloads so fetched keys survive them (fail static).
  const keySources = new Map<string, KeySource>();
  const keySourceFor = (url: string): KeySource => {
    let source = keySources.get(url);
    if (source === undefined) {
      source = createRemoteKeySource({
        url,
        onError: (jwksUrl, err) =>
          logger.warn({ jwksUrl, error: err.message }, 'cannot fetch the JWKS; keeping the keys it had, if any'),
      });
      keySources.set(url, source);
    }
    return source;
  };
  // The assertion key when the file names none: made once, so reloads keep it and upstreams' cached JWKS.
  const signingKey = generateSigningKey();
  const compile = (source: GatewayFileConfig, version: number, access?: SnapshotAccess): Snapshot => {
    try {
      const control = options.accessControl;
      return compileSnapshot(source, version, {
        dispatcherFor,
        keySourceFor,
        signingKey,
        managed:
          access === undefined || control === undefined
            ? undefined
            : {
                org: compileOrgAccess(access, control.orgId, (policy, message) =>
                  logger.error({ policy, error: message }, 'a policy does not compile: its routes admit nobody'),
                ),
                redeem: control.redeem,
              },
        onAvailabilityChange: (route, member, available, reason) => {
          metrics.upstreamHealthy.set({ route, upstream: member.id }, available ? 1 : 0);
          logger[available ? 'info' : 'warn'](
            { route, upstream: member.id, reason },
            available ? 'upstream back in rotation' : 'upstream out of rotation',
          );
        },
      });
    } catch (err) {
      if (isAppError(err)) throw err;
      throw errors.configInvalid.create(
        `invalid configuration:\n  ${options.file ?? 'gateway'}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  };
  const readSource = () => (options.file ? loadGatewayFile(options.file) : Promise.resolve(emptyGatewayConfig()));

  const source = await readSource();
  let snapshot = compile(source, 1);
  const published = (s: Snapshot) => {
    for (const r of s.routes)
      for (const m of r.upstreams.members)
        metrics.upstreamHealthy.set({ route: r.name, upstream: m.id }, m.available ? 1 : 0);
    metrics.configVersion.set(s.version);
    metrics.configLastReload.set(Date.now() / 1000);
  };

  // ioredis is loaded only when a Redis URL is configured: it costs memory every gateway would pay otherwise.
  const store: RateLimitStore = config.gateway.redisUrl
    ? (await import('./rate-limit/redis-store.js')).createRedisStore({
        url: config.gateway.redisUrl,
        onError: (err: unknown) =>
          logger.warn({ err }, 'rate-limit store unavailable; limiting per process until it is back'),
      })
    : createMemoryStore();
  const rateLimiter = createRateLimiter(store);
  let ready = false;
  const getSnapshot = () => snapshot;

  const serverOptions: ServerOptions = {
    maxHeaderSize: config.gateway.maxHeaderBytes,
    headersTimeout: config.gateway.requestHeadTimeoutMs,
    // Whole-request deadlines would cut long uploads; idle sockets are closed by the socket timeout instead.
    requestTimeout: 0,
    connectionsCheckingInterval: Math.min(1000, config.gateway.requestHeadTimeoutMs),
    keepAliveTimeout: 65_000,
    // A missing Host is answered by the proxy's own ERR_GW_BAD_HOST problem, not Node's bare 400.
    requireHostHeader: false,
  };
  const instrument = <S extends Server>(server: S, listener: string, proto: 'http' | 'https'): S => {
    server.on('upgrade', createUpgradeProxy({ snapshot: getSnapshot, proto, rateLimiter, metrics }));
    server.on('clientError', answerClientError);
    server.on('connection', (socket: Socket) => {
      metrics.activeConnections.inc({ listener });
      socket.once('close', () => {
        metrics.activeConnections.dec({ listener });
        metrics.receivedBytes.inc({ listener }, socket.bytesRead);
        metrics.sentBytes.inc({ listener }, socket.bytesWritten);
      });
    });
    return server;
  };

  const tls = source.tls;
  const httpsAddress = source.listen.https === undefined ? undefined : address(source.listen.https, 'listen.https');
  if (httpsAddress !== undefined && tls === undefined) {
    throw errors.configInvalid.create(
      `invalid configuration:\n  ${options.file ?? ''}: listen.https needs a tls section with certificates`,
    );
  }
  let boundHttpsPort: number | undefined;
  // mTLS: the HTTPS listener asks for a client certificate (without requiring one: routes decide) when the
  // configuration it starts with has an mTLS route, and trusts the CAs of all of them; reloads update the CAs.
  const certificates = httpsAddress && tls ? await loadCertificateFiles(tls.certificates) : [];
  const requestClientCertificates = snapshot.clientCa.length > 0;
  let clientCa = snapshot.clientCa;
  let certificateStore = httpsCertificateStore(certificates, clientCa);
  const proxy = (proto: 'http' | 'https') =>
    createHttpProxy({ snapshot: getSnapshot, proto, rateLimiter, metrics, accessLog, reportAccess, blocker });
  const httpHandler = tls?.redirectHttp ? redirectToHttps(() => boundHttpsPort) : proxy('http');
  const managedTls = options.managedTls;
  managedTls?.setClientAuth(snapshot.clientCaHosts, snapshot.clientCa);
  const http = instrument(
    createServer(serverOptions, managedTls ? answerAcmeChallenges(managedTls, httpHandler) : httpHandler),
    'http',
    'http',
  );
  // Two HTTPS servers behind one managed listener: node asks for client certificates per server, not per SNI
  // context, so connections for hosts with `clientCertificate` routes go to the one that asks.
  const managedHttpsServer = (tls: ManagedTls, clientAuth: boolean) =>
    instrument(
      createHttpsServer(
        {
          ...serverOptions,
          minVersion: 'TLSv1.2',
          ...(clientAuth ? { requestCert: true, rejectUnauthorized: false } : {}),
          SNICallback: (name, callback) => {
            const context = clientAuth ? tls.selectWithClientAuth(name) : tls.select(name);
            if (context) callback(null, context);
            else callback(new Error(`no certificate for ${name}`));
          },
        },
        proxy('https'),
      ),
      'https',
      'https',
    );
  const managedHttps =
    managedTls && config.gateway.httpsListen && !httpsAddress
      ? createManagedHttpsListener(
          managedHttpsServer(managedTls, false),
          managedHttpsServer(managedTls, true),
          managedTls,
        )
      : undefined;
  const https =
    httpsAddress && tls && certificateStore
      ? instrument(
          createHttpsServer(
            {
              ...serverOptions,
              ...createHttpsServerOptions(certificateStore),
              SNICallback: (name, callback) => callback(null, certificateStore?.select(name)),
              ...(requestClientCertificates ? { requestCert: true, rejectUnauthorized: false, ca: [...clientCa] } : {}),
            },
            proxy('https'),
          ),
          'https',
          'https',
        )
      : undefined;
  const ops = createOpsServer(options.metrics, { ready: () => ready });

  const tcpListeners = new Map<string, TcpListener>();
  const startTcp = async (route: TcpRouteConfig): Promise<TcpListener> => {
    const sets = [
      ...(route.upstreams ? [tcpSet(route.name, route.upstreams, route.loadBalancing)] : []),
      ...(route.sni ?? []).map((s, i) => tcpSet(`${route.name}#sni${String(i)}`, s.upstreams, route.loadBalancing)),
    ];
    for (const s of sets) s.start();
    const stopSets = () => sets.forEach((s) => s.stop());
    const proxy = await startTcpProxy({
      name: route.name,
      listen: address(route.listen, `tcp.${route.name}.listen`),
      upstreams: route.upstreams ? sets[0] : undefined,
      sni: route.sni?.map((s, i) => ({ host: s.host, upstreams: sets[i + (route.upstreams ? 1 : 0)]! })),
      connectTimeoutMs: route.connectTimeoutMs,
      idleTimeoutMs: route.idleTimeoutMs,
      onConnection: (event) => metrics.tcpConnections.inc({ listener: route.name, outcome: event.outcome }),
    }).catch((err: unknown) => {
      stopSets();
      throw err;
    });
    return { config: route, port: proxy.port, close: (grace) => proxy.close(grace), stop: stopSets };
  };
  const closeTcp = async (l: TcpListener, graceMs: number) => {
    await l.close(graceMs);
    l.stop();
  };

  const started: Array<() => Promise<void>> = [];
  try {
    const opsPort = await listen(
      ops,
      address(source.listen.ops, 'listen.ops') ?? config.gateway.opsListen,
      'gateway.opsListen',
    );
    started.push(() => drain(ops, 0));
    const httpPort = await listen(
      http,
      address(source.listen.http, 'listen.http') ?? config.gateway.httpListen,
      'gateway.httpListen',
    );
    started.push(() => drain(http, 0));
    const httpsPort =
      https && httpsAddress
        ? await listen(https, httpsAddress, 'listen.https')
        : managedHttps && config.gateway.httpsListen
          ? await listen(managedHttps.server, config.gateway.httpsListen, 'gateway.httpsListen')
          : undefined;
    boundHttpsPort = httpsPort;
    if (https) started.push(() => drain(https, 0));
    if (managedHttps) started.push(() => managedHttps.close(0));
    for (const route of source.tcp) tcpListeners.set(route.name, await startTcp(route));
    activateSnapshot(snapshot);
    published(snapshot);
    metrics.configReloads.inc({ result: 'success' });
    ready = options.awaitConfig !== true;
    logger.info(
      { httpPort, httpsPort, opsPort, routes: snapshot.routes.length, tcp: tcpListeners.size, file: options.file },
      'gateway listening',
    );

    let reloading = Promise.resolve<ReloadResult>({ ok: true, version: 1 });
    let closing = false;
    const reloadOnce = async (
      read: () => Promise<GatewayFileConfig>,
      version: number,
      access?: SnapshotAccess,
    ): Promise<ReloadResult> => {
      try {
        const next = compile(await read(), version, access);
        if (https && certificateStore && next.clientCa.join('\n') !== clientCa.join('\n')) {
          if (!requestClientCertificates && next.clientCa.length > 0) {
            logger.warn(
              'mTLS routes were added: restart the gateway so the HTTPS listener asks for client certificates',
            );
          }
          const store = httpsCertificateStore(certificates, next.clientCa);
          const first = certificates[0];
          if (store && first) {
            https.setSecureContext({
              cert: first.certPem,
              key: first.keyPem,
              minVersion: 'TLSv1.2',
              ...(next.clientCa.length > 0 ? { ca: [...next.clientCa] } : {}),
            });
            certificateStore = store;
            clientCa = next.clientCa;
          }
        }
        // TCP listeners whose settings changed restart; unchanged ones keep their connections.
        for (const [name, l] of tcpListeners) {
          const wanted = next.tcp.find((t) => t.name === name);
          if (wanted === undefined || JSON.stringify(wanted) !== JSON.stringify(l.config)) {
            tcpListeners.delete(name);
            await closeTcp(l, config.gateway.drainTimeoutMs);
          }
        }
        for (const route of next.tcp)
          if (!tcpListeners.has(route.name)) tcpListeners.set(route.name, await startTcp(route));
        const previous = snapshot;
        activateSnapshot(next);
        snapshot = next;
        managedTls?.setClientAuth(next.clientCaHosts, next.clientCa);
        retireSnapshot(previous);
        published(next);
        metrics.configReloads.inc({ result: 'success' });
        ready = !closing;
        logger.info({ version: next.version, routes: next.routes.length }, 'configuration reloaded');
        return { ok: true, version: next.version };
      } catch (err) {
        metrics.configReloads.inc({ result: 'failure' });
        const message = err instanceof Error ? err.message : String(err);
        logger.error({ error: message }, 'configuration reload failed; keeping the previous configuration');
        return { ok: false, error: message };
      }
    };
    // Reloads are serialized; a reload requested while one runs starts after it, reading the newest file.
    const reload = () => (reloading = reloading.then(() => reloadOnce(readSource, snapshot.version + 1)));
    const applyConfig = (config: GatewayFileConfig, version: number, access?: SnapshotAccess) =>
      (reloading = reloading.then(() => reloadOnce(() => Promise.resolve(config), version, access)));

    let watcher: FSWatcher | undefined;
    if (options.file && options.watchFile) {
      let timer: NodeJS.Timeout | undefined;
      watcher = watch(options.file, () => {
        clearTimeout(timer);
        timer = setTimeout(() => void reload(), 200);
      });
      watcher.on('error', (err) => logger.warn({ err }, 'cannot watch the gateway file; reload with SIGHUP'));
    }

    return {
      httpPort,
      httpsPort,
      opsPort,
      tcpPorts: () => new Map([...tcpListeners].map(([name, l]) => [name, l.port])),
      version: () => snapshot.version,
      reload,
      applyConfig,
      close: async () => {
        closing = true;
        ready = false;
        watcher?.close();
        const grace = config.gateway.drainTimeoutMs;
        await Promise.all([
          drain(http, grace),
          https ? drain(https, grace) : undefined,
          managedHttps?.close(grace),
          ...[...tcpListeners.values()].map((l) => closeTcp(l, grace)),
        ]);
        retireSnapshot(snapshot);
        await drain(ops, 0);
        await store.close();
        await Promise.all([...dispatchers.values()].map((d) => d.close()));
      },
    };
  } catch (err) {
    for (const stop of started.reverse()) await stop();
    for (const l of tcpListeners.values()) await closeTcp(l, 0);
    await store.close();
    throw err;
  }
}

/** The HTTPS certificates with a client-certificate trust store, or undefined without an HTTPS listener. */
function httpsCertificateStore(
  certificates: Awaited<ReturnType<typeof loadCertificateFiles>>,
  clientCa: readonly string[],
) {
  return certificates.length === 0 ? undefined : createCertificateStore(certificates, clientCa);
}

function address(text: string, field: string): ListenAddress;
function address(text: string | undefined, field: string): ListenAddress | undefined;
function address(text: string | undefined, field: string): ListenAddress | undefined {
  if (text === undefined) return undefined;
  const parsed = parseListenAddress(text);
  if (parsed === undefined)
    throw errors.configInvalid.create(`invalid configuration:\n  ${field}: expected host:port, got "${text}"`);
  return parsed;
}

function tcpSet(
  name: string,
  upstreams: NonNullable<TcpRouteConfig['upstreams']>,
  loadBalancing: TcpRouteConfig['loadBalancing'],
) {
  return createUpstreamSet({
    name,
    loadBalancing,
    members: upstreams.map((u) => {
      const parsed = parseListenAddress(u.address);
      if (parsed === undefined || parsed.host === '')
        throw new TypeError(`${name}: upstream address "${u.address}" needs a host`);
      return { id: u.address, host: parsed.host, port: parsed.port, weight: u.weight };
    }),
  });
}
