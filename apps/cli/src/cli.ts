import { describeConfig, loadConfig } from '@rustronaut/config';
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

/**
 * Starts a gateway managed by the admin (`--admin`). The one-time token comes from `--enrol-token-file`,
 * `$RUSTRONAUT_ENROL_TOKEN` or `--enrol-token` (visible to every user in `ps`, so the last resort).
 */
const managedGatewayStep = (rt: Runtime, io: CliIo, opts: GatewayCommandOptions) => async () => {
  const usage = (message: string) => errors.configInvalid.create(`invalid configuration:\n  ${message}`);
  if (opts.admin === undefined) throw usage('--enrol-token and --enrol-token-file need --admin URL');
  if (opts.config !== undefined) throw usage('--admin and --config exclude each other: routes come from one place');
  if (!/^https?:\/\/[^/]/.test(opts.admin)) throw usage(`--admin: expected an http(s) URL, got "${opts.admin}"`);
  if (opts.enrolToken !== undefined && opts.enrolTokenFile !== undefined) {
    throw usage('--enrol-token and --enrol-token-file exclude each other');
  }
  const fromFile =
    opts.enrolTokenFile === undefined
      ? undefined
      : await readFile(resolve(io.cwd, opts.enrolTokenFile), 'utf8').catch((err: unknown) => {
          throw usage(`--enrol-token-file: cannot read ${opts.enrolTokenFile ?? ''}: ${(err as Error).message}`);
        });
  const token = (fromFile ?? opts.enrolToken ?? io.env['RUSTRONAUT_ENROL_TOKEN'])?.trim() || undefined;
  const { startManagedGateway } = await import('@rustronaut/gateway');
  return startManagedGateway({ ...rt, adminUrl: opts.admin, enrolToken: token, agentVersion: VERSION });
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
        [async () => (admin = await adminStep(rt, 'admin API and console')()), localGatewayStep(rt, started)],
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
