import type { AuditProblem, AuditVerifyReport } from '@rustronaut/contracts';

/** One problem as a line: `audit chain <chain>: event <id> (seq 7, org.update): <what is wrong>`. */
export function describeAuditProblem(problem: AuditProblem): string {
  const event =
    problem.eventId === null
      ? ''
      : ` event ${problem.eventId} (seq ${String(problem.seq)}, ${problem.action ?? 'unknown action'}):`;
  return `audit chain ${problem.chain}:${event} ${problem.message}`;
}

const plural = (n: number, word: string): string => `${String(n)} ${word}${n === 1 ? '' : 's'}`;

/** The report as text for `rustronaut audit verify`: each problem on a line, then a summary line. */
export function formatAuditReport(report: AuditVerifyReport): string {
  const lines = report.problems.map(describeAuditProblem);
  const checked = `${plural(report.chainsChecked, 'chain')}, ${plural(report.eventsChecked, 'event')} checked`;
  if (report.ok) {
    lines.push(`audit log intact: ${checked}`);
  } else {
    const broken = report.chains.filter((c) => !c.ok).length;
    const shown = report.problems.length;
    lines.push(`audit log BROKEN: ${plural(broken, 'chain')} with problems (${String(shown)} listed); ${checked}`);
  }
  return `${lines.join('\n')}\n`;
}
