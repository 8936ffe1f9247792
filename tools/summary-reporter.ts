import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints the closing lines CI reads: which drivers the DB contract suite ran against, and
 * `tests: N passed, N failed, N skipped` alone on the last line.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const drivers = new Map<string, number>();
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
        const driver = /\[(pglite|postgres)\]/.exec(test.fullName)?.[1];
        if (driver && state === 'passed' && mod.moduleId.endsWith('.contract.test.ts')) {
          drivers.set(driver, (drivers.get(driver) ?? 0) + 1);
        }
      }
      if (mod.state() === 'failed' && mod.children.size === 0) failed++;
    }
    const ran = [...drivers].map(([d, n]) => `${d} (${String(n)} passed)`).join(', ');
    process.stdout.write(`\ndb contract suite drivers: ${ran || 'none'}\n`);
    process.stdout.write(`tests: ${String(passed)} passed, ${String(failed)} failed, ${String(skipped)} skipped\n`);
  }
}
