import { describeConfig, loadConfig } from '@rustronaut/config';
import { ENROL_TOKEN_PATTERN, SITE_ENROL_TOKEN_PATTERN } from '@rustronaut/contracts';
import { errors, isAppError } from '@rustronaut/errors';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { AuditVerifyReport, RunningAdmin } from '@rustronaut/admin';
import { EXIT, type CliIo } from './io.js';
import { createRuntime, serveUntilSignal, type Runtime } from './runtime.js';
import { VERSION } from './version.js';

const configOption = () => new Option('-c, --config <file>', 'YAML configuration file (default: $RUSTRONAUT_CONFIG)');

/** How long a graceful stop may take: the gateway's drain bound plus time to close the rest. */
const shutdownDeadline = (rt: Runtime) => rt.config.gateway.drainTimeoutMs + 2000;

/** Starts the admin and says where it listens. */
const adminStep = (rt: Runtime, what: string) => async () => {
  const { startAdmin } = await import('@rustronaut/admin');
  const admin = await startAdmin({ ...rt, version: VERSION });
  rt.logger.info({ url: admin.url }, `${what} at ${admin.url}`);
  return admin;
};

/**
 * Starts the gateway. Apps are imported when a command needs them, so `rustronaut gateway` never loads the
 * admin (Fastify, PGlite, Drizzle): the data plane has a memory budget.
 */
const gatewayStep =
  (rt: Runtime, file: { file?: string | undefined; watchFile?: boolean } = {}) =>
  async () => {
    const { startGateway } = await import('@rustronaut/gateway');
    return startGateway({ ...rt, ...file });
  };

/**
 * The gateway of `rustronaut start`: managed by the admin beside it like any other (the `local` gateway of the
 * first organisation, enrolled on first start). Before the first owner exists there is nothing to enrol into, so
 * it runs without routes until the next start.
 */
const localGatewayStep = (rt: Runtime, admin: () => RunningAdmin) => async () => {
  const { isEnrolled, startGateway, startManagedGateway } = await import('@rustronaut/gateway');
  const running = admin();
  let enrolToken: string | undefined;
  if (!(await isEnrolled(rt.config.dataDir))) {
    enrolToken = await running.localGatewayEnrolToken();
    if (enrolToken === undefined) {
      rt.logger.warn('the gateway serves no routes until the first owner exists: finish the setup, then restart');
      return startGateway(rt);
    }
  }
  return startManagedGateway({ ...rt, adminUrl: running.url, enrolToken, agentVersion: VERSION });
};

/** Options of `rustronaut gateway`. */
interface GatewayCommandOptions {
  config?: string;
  watch: boolean;
  admin?: string;
  enrolToken?: string;
  enrolTokenFile?: string;
}

const usage = (message: string) => errors.configInvalid.create(`invalid configuration:\n  ${message}`);

/** Where an agent command's one-time token may come from, and what it looks like. */
interface TokenSource {
  /** The file flag (`--enrol-token-file`) and its value; `/dev/stdin` reads a pipe. */
  readonly fileFlag: string;
  readonly file: string | undefined;
  /** The argv flag (`--enrol-token`), visible to every user in `ps`: the last resort. */
  readonly inlineFlag: string;
  readonly inline: string | undefined;
  readonly env: string;
  /** What a token looks like, and its name for the message. */
  readonly pattern: RegExp;
  readonly kind: string;
}

/**
 * The `--admin` URL and the one-time token of an agent command (gateway, tunnel hub, connector): the token from the
 * file flag, else the environment, else the argv flag. Usage errors name the flag, never the token.
 */
async function agentEnrolment(
  io: CliIo,
  admin: string | undefined,
  source: TokenSource,
): Promise<{ adminUrl: string; token: string | undefined }> {
  if (admin === undefined) throw usage('--admin URL is required: the admin to enrol with and follow');
  if (!/^https?:\/\/[^/]/.test(admin)) throw usage(`--admin: expected an http(s) URL, got "${admin}"`);
  if (source.inline !== undefined && source.file !== undefined) {
    throw usage(`${source.inlineFlag} and ${source.fileFlag} exclude each other`);
  }
  const fromFile =
    source.file === undefined
      ? undefined
      : await readTokenFile(io, source.file).catch((err: unknown) => {
          throw usage(`${source.fileFlag}: cannot read ${source.file ?? ''}: ${(err as Error).message}`);
        });
  const token = (fromFile ?? source.inline ?? io.env[source.env])?.trim() || undefined;
  if (token !== undefined && !source.pattern.test(token)) {
    const from =
      fromFile !== undefined ? source.fileFlag : source.inline !== undefined ? source.inlineFlag : `$${source.env}`;
    throw usage(`${from}: expected ${source.kind}`);
  }
  return { adminUrl: admin, token };
}

/** A token is 47 characters; a file much larger than that holds something else. */
const MAX_TOKEN_FILE_BYTES = 4096;

/** Reads a token file; `/dev/stdin` (or `-`) is read from the process's standard input, to its end. */
async function readTokenFile(io: CliIo, file: string): Promise<string> {
  if ((file === '/dev/stdin' || file === '-') && io.stdin !== undefined) {
    let text = '';
    for await (const chunk of io.stdin) {
      text += chunk.toString();
      if (text.length > MAX_TOKEN_FILE_BYTES) throw new Error('more than 4 KiB on standard input');
    }
    return text;
  }
  return readFile(resolve(io.cwd, file), 'utf8');
}

/** The token flags of `rustronaut gateway` and `rustronaut tunnel`: a gateway's (or hub's) `rgw_` token. */
const enrolTokenSource = (opts: { enrolToken?: string; enrolTokenFile?: string }): TokenSource => ({
  fileFlag: '--enrol-token-file',
  file: opts.enrolTokenFile,
  inlineFlag: '--enrol-token',
  inline: opts.enrolToken,
  env: 'RUSTRONAUT_ENROL_TOKEN',
  pattern: ENROL_TOKEN_PATTERN,
  kind: 'an enrolment token (rgw_...)',
});

/**
 * Starts a gateway managed by the admin (`--admin`). The one-time token comes from `--enrol-token-file`,
 * `$RUSTRONAUT_ENROL_TOKEN` or `--enrol-token` (visible to every user in `ps`, so the last resort).
 */
const managedGatewayStep = (rt: Runtime, io: CliIo, opts: GatewayCommandOptions) => async () => {
  if (opts.config !== undefined && opts.admin !== undefined) {
    throw usage('--admin and --config exclude each other: routes come from one place');
  }
  const { adminUrl, token } = await agentEnrolment(io, opts.admin, enrolTokenSource(opts));
  const { startManagedGateway } = await import('@rustronaut/gateway');
  return startManagedGateway({ ...rt, adminUrl, enrolToken: token, agentVersion: VERSION });
};

/**
 * The tunnel hub of `rustronaut start` (`tunnel.hub` `auto`): the `local-hub` of the first organisation, when this
 * host can run WireGuard. What keeps it from starting is said in the log; the rest of the process runs on. Its
 * metrics are served on the gateway's ops listener (one registry).
 */
const localHubStep = (rt: Runtime, admin: () => RunningAdmin) => async () => {
  const idle = { close: () => Promise.resolve() };
  if (rt.config.tunnel.hub === 'off') return idle;
  const { probeBackend } = await import('@rustronaut/wireguard');
  try {
    await probeBackend();
  } catch (err) {
    rt.logger.warn(
      `the tunnel hub does not run in this process: ${(err as Error).message} (set tunnel.hub to off to silence this, or run rustronaut tunnel where WireGuard can run)`,
    );
    return idle;
  }
  const { isHubEnrolled, startTunnelHub } = await import('@rustronaut/tunnel');
  const running = admin();
  let enrolToken: string | undefined;
  if (!(await isHubEnrolled(rt.config.dataDir))) {
    enrolToken = await running.localHubEnrolToken();
    if (enrolToken === undefined) {
      rt.logger.warn('the tunnel hub does not run until the first owner exists: finish the setup, then restart');
      return idle;
    }
  }
  try {
    return await startTunnelHub({
      ...rt,
      adminUrl: running.url,
      enrolToken,
      agentVersion: VERSION,
      opsListener: false,
    });
  } catch (err) {
    rt.logger.warn({ err }, `the tunnel hub did not start: ${(err as Error).message}`);
    return idle;
  }
};

/** The runtime's logger at warn level at most: commands that print a report keep start-up lines out of stdout. */
const quiet = (rt: Runtime) => (rt.logger.isLevelEnabled('warn') ? rt.logger.child({}, { level: 'warn' }) : rt.logger);

/** Throws ERR_AUDIT_CHAIN_BROKEN naming the first problem of a failed verification. */
async function failOnBrokenAudit(report: AuditVerifyReport): Promise<void> {
  if (report.ok) return;
  const { describeAuditProblem } = await import('@rustronaut/admin');
  const [first] = report.problems;
  const more = report.problems.length > 1 ? ` (and more, listed above)` : '';
  throw errors.auditChainBroken.create(
    `the audit log is broken: ${first === undefined ? 'see above' : describeAuditProblem(first)}${more}`,
  );
}

/** Builds the `rustronaut` command tree. Actions resolve when the command is done. */
export function createProgram(io: CliIo): Command {
  const program = new Command('rustronaut')
    .description('Rustronaut: a self-hosted zero-trust access platform.')
    .version(VERSION, '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  program
    .command('start')
    .description('run everything in one process: admin API and console, gateway, ops listener')
    .addOption(configOption())
    .action(async (opts: { config?: string }) => {
      const rt = createRuntime(io, opts.config, 'all-in-one');
      let admin: RunningAdmin | undefined;
      const started = () => {
        if (admin === undefined) throw new Error('the admin starts before the gateway');
        return admin;
      };
      await serveUntilSignal(
        io,
        rt.logger,
        [
          async () => (admin = await adminStep(rt, 'admin API and console')()),
          localGatewayStep(rt, started),
          localHubStep(rt, started),
        ],
        shutdownDeadline(rt),
      );
    });

  program
    .command('admin')
    .description('run the admin API (control plane) only')
    .addOption(configOption())
    .action(async (opts: { config?: string }) => {
      const rt = createRuntime(io, opts.config, 'admin');
      await serveUntilSignal(io, rt.logger, [adminStep(rt, 'admin API')]);
    });

  program
    .command('gateway')
    .description('run the gateway (data plane) only; it needs no database')
    .option('-c, --config <file>', 'gateway file: listeners, TLS, routes, TCP listeners (docs/gateway.md)')
    .option('--no-watch', 'do not reload when the file changes (SIGHUP still reloads)')
    .option('--admin <url>', 'get routes from the admin at this URL instead of a file (enrols on first start)')
    .option('--enrol-token-file <file>', 'file holding the one-time enrolment token (or set $RUSTRONAUT_ENROL_TOKEN)')
    .option('--enrol-token <token>', 'one-time enrolment token; visible in ps, prefer --enrol-token-file')
    .action(async (opts: GatewayCommandOptions) => {
      // Static settings (log, limits, Redis) come from the environment or $RUSTRONAUT_CONFIG.
      const rt = createRuntime(io, undefined, 'gateway');
      await serveUntilSignal(
        io,
        rt.logger,
        [
          async () => {
            const gateway =
              opts.admin === undefined && opts.enrolToken === undefined && opts.enrolTokenFile === undefined
                ? await gatewayStep(rt, { file: opts.config, watchFile: opts.watch })()
                : await managedGatewayStep(rt, io, opts)();
            io.onReload(() => void gateway.reload());
            return gateway;
          },
        ],
        shutdownDeadline(rt),
      );
    });

  program
    .command('tunnel')
    .description('run the WireGuard tunnel hub; needs root or CAP_NET_ADMIN, and wireguard-go or the kernel module')
    .option('--admin <url>', 'the admin to enrol with and follow')
    .option('--enrol-token-file <file>', 'file holding the one-time token of a hub (or set $RUSTRONAUT_ENROL_TOKEN)')
    .option('--enrol-token <token>', 'one-time enrolment token; visible in ps, prefer --enrol-token-file')
    .action(async (opts: { admin?: string; enrolToken?: string; enrolTokenFile?: string }) => {
      const rt = createRuntime(io, undefined, 'tunnel');
      await serveUntilSignal(io, rt.logger, [
        async () => {
          const { adminUrl, token } = await agentEnrolment(io, opts.admin, enrolTokenSource(opts));
          const { startTunnelHub } = await import('@rustronaut/tunnel');
          const hub = await startTunnelHub({ ...rt, adminUrl, enrolToken: token, agentVersion: VERSION });
          io.onReload(() => void hub.reload());
          return hub;
        },
      ]);
    });

  program
    .command('connector')
    .description("run a site's connector: WireGuard to the hub, TCP from the tunnel to the site's targets")
    .option('--admin <url>', 'the admin to enrol with and follow')
    .option(
      '--token-file <file>',
      "file holding the site's one-time token, /dev/stdin for a pipe (or set $RUSTRONAUT_CONNECTOR_TOKEN)",
    )
    .option('--token <token>', "the site's one-time token; visible in ps, prefer --token-file")
    .action(async (opts: { admin?: string; token?: string; tokenFile?: string }) => {
      const rt = createRuntime(io, undefined, 'connector');
      await serveUntilSignal(io, rt.logger, [
        async () => {
          const { adminUrl, token } = await agentEnrolment(io, opts.admin, {
            fileFlag: '--token-file',
            file: opts.tokenFile,
            inlineFlag: '--token',
            inline: opts.token,
            env: 'RUSTRONAUT_CONNECTOR_TOKEN',
            pattern: SITE_ENROL_TOKEN_PATTERN,
            kind: 'a site token (rst_...)',
          });
          const { startConnector } = await import('@rustronaut/connector');
          const connector = await startConnector({ ...rt, adminUrl, token, agentVersion: VERSION });
          io.onReload(() => void connector.reload());
          return connector;
        },
      ]);
    });

  program
    .command('migrate')
    .description('apply database migrations and exit')
    .addOption(configOption())
    .action(async (opts: { config?: string }) => {
      const rt = createRuntime(io, opts.config, 'migrate');
      const { openMigratedDatabase } = await import('@rustronaut/admin');
      const database = await openMigratedDatabase(rt.config, rt.logger);
      await database.close();
    });

  program
    .command('audit')
    .description('inspect the audit log')
    .command('verify')
    .description('verify the audit hash chains; exit 1 naming each changed or deleted event (docs/audit.md)')
    .addOption(configOption())
    .option('--org <id>', 'verify only this organisation', (id: string) => {
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
        throw new InvalidArgumentError('expected an organisation id (UUID)');
      }
      return id.toLowerCase();
    })
    .action(async (opts: { config?: string; org?: string }) => {
      const rt = createRuntime(io, opts.config, 'audit');
      const { openMigratedDatabase, verifyAuditChains, formatAuditReport } = await import('@rustronaut/admin');
      const database = await openMigratedDatabase(rt.config, quiet(rt));
      const report = await verifyAuditChains(database.db, { orgId: opts.org }).finally(() => database.close());
      io.stdout.write(formatAuditReport(report));
      await failOnBrokenAudit(report);
    });

  program
    .command('backup')
    .description('write a consistent backup of every table to a file; secrets stay encrypted (docs/operations.md)')
    .addOption(configOption())
    .requiredOption('-o, --out <file>', 'file to write (mode 0600), replaced only once the backup is complete')
    .action(async (opts: { config?: string; out: string }) => {
      const rt = createRuntime(io, opts.config, 'backup');
      const { backupToFile } = await import('@rustronaut/admin');
      const file = resolve(io.cwd, opts.out);
      const { header, rows } = await backupToFile(rt.config, file, VERSION);
      io.stdout.write(
        `backup written to ${file}: ${String(rows)} rows in ${String(header.tables.length)} tables (${header.driver}, schema with ${String(header.schema.migrations)} migrations)\n` +
          'it holds secrets encrypted under the master key: keep a copy of RUSTRONAUT_MASTER_KEY or data/master.key too\n',
      );
    });

  program
    .command('restore')
    .description('load a backup into an empty database (stop the admin first); --force replaces what is there')
    .argument('<file>', 'a file written by rustronaut backup')
    .addOption(configOption())
    .option('--force', 'replace everything the database holds, audit log included')
    .action(async (file: string, opts: { config?: string; force?: boolean }) => {
      const rt = createRuntime(io, opts.config, 'restore');
      const { restoreFromFile, formatAuditReport } = await import('@rustronaut/admin');
      const path = resolve(io.cwd, file);
      const { header, rows, replaced, audit } = await restoreFromFile(rt.config, quiet(rt), path, {
        force: opts.force === true,
      });
      io.stdout.write(
        `restored ${String(rows)} rows in ${String(header.tables.length)} tables from ${path} (written ${header.createdAt} by rustronaut ${header.software})${replaced ? ', replacing what the database held' : ''}\n`,
      );
      io.stdout.write(formatAuditReport(audit));
      await failOnBrokenAudit(audit);
    });

  program
    .command('config')
    .description('inspect the static configuration')
    .command('check')
    .description('validate the configuration and print the effective values (secrets masked); exit 2 if invalid')
    .addOption(configOption())
    .option('-g, --gateway <file>', 'also validate a gateway file (docs/gateway.md)')
    .action(async (opts: { config?: string; gateway?: string }) => {
      const config = loadConfig({ env: io.env, configFile: opts.config, cwd: io.cwd });
      io.stdout.write(describeConfig(config));
      io.stdout.write(`configuration OK${config.configFile ? ` (${config.configFile})` : ''}\n`);
      if (opts.gateway !== undefined) {
        const file = resolve(io.cwd, opts.gateway);
        const { checkGatewayFile } = await import('@rustronaut/gateway');
        const summary = await checkGatewayFile(file);
        io.stdout.write(`gateway file OK (${file}): ${summary}\n`);
      }
    });

  program
    .command('version')
    .description('print the version')
    .action(() => {
      io.stdout.write(`rustronaut ${VERSION} (node ${process.versions.node})\n`);
    });

  return program;
}

/**
 * Runs the command line and returns the exit code: 0 on success, 2 for invalid configuration or
 * usage, 1 for any other failure. Errors are printed as one clear message, never a stack trace.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    await createProgram(io).parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (isAppError(err)) {
      io.stderr.write(`rustronaut: ${err.message} [${err.code}]\n`);
      return err.code === 'ERR_CONFIG_INVALID' ? EXIT.usage : EXIT.failure;
    }
    io.stderr.write(
      `rustronaut: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return EXIT.failure;
  }
}
