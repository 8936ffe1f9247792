import type { DrizzleDatabase } from '@rustronaut/db';
import type { Logger } from '@rustronaut/observability';
import { describeAuditProblem } from '../audit/format-audit-report.js';
import { verifyAuditChains } from '../audit/verify-audit.js';
import type { AdminMetrics } from './admin-metrics.js';

/** A background verification of the audit log. */
export interface AuditVerifier {
  /** Runs one verification now (or waits for the one running) and resolves when it is done. */
  runNow(): Promise<void>;
  /** Stops the timer and waits for a verification in progress. */
  stop(): Promise<void>;
}

/**
 * Verifies the audit hash chains at start and then every `intervalMs`, one run at a time, and publishes the result
 * (`rustronaut_audit_verification_ok`, `..._timestamp_seconds`): the "audit chain verification failing" alert
 * watches it. A break is logged as an error naming the first problem; a run that cannot finish (the database is
 * down) is logged and leaves the last result in place, and the staleness alert catches it if it lasts.
 */
export function startAuditVerifier(
  db: DrizzleDatabase,
  metrics: Pick<AdminMetrics, 'auditVerificationOk' | 'auditVerificationTime'>,
  logger: Logger,
  intervalMs: number,
  now: () => Date = () => new Date(),
): AuditVerifier {
  let running: Promise<void> | undefined;
  const verify = async () => {
    try {
      const report = await verifyAuditChains(db);
      metrics.auditVerificationOk.set(report.ok ? 1 : 0);
      metrics.auditVerificationTime.set(now().getTime() / 1000);
      const [first] = report.problems;
      if (!report.ok) {
        logger.error(
          { problems: report.problems.length, first: first === undefined ? undefined : describeAuditProblem(first) },
          'the audit log is broken: run `rustronaut audit verify` for the list (docs/audit.md)',
        );
      }
    } catch (err) {
      logger.warn({ err }, 'audit log verification could not run; it will be tried again');
    }
  };
  const runNow = () => (running ??= verify().finally(() => (running = undefined)));
  const timer = setInterval(() => void runNow(), intervalMs);
  timer.unref();
  void runNow();
  return {
    runNow,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
