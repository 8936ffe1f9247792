import type { Reporter, TestModule, Vitest } from 'vitest/node';

/**
 * Prints the closing lines CI reads: which drivers the DB contract suite ran against, and
 * `tests: N passed, N failed, N skipped` alone on the last line (after the coverage summary when
 * coverage is on).
 */
export default class SummaryReporter implements Reporter {
  private coverage = false;
  private summary = '';

  onInit(vitest: Vitest): void {
    this.coverage = vitest.config.coverage.enabled;
  }

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
      // A file that failed to load has no tests; count it so the run cannot look green.
      if (mod.state() === 'failed' && mod.children.size === 0) failed++;
    }
    const ran = [...drivers].map(([d, n]) => `${d} (${String(n)} passed)`).join(', ');
    this.summary = `\ndb contract suite drivers: ${ran || 'none'}\ntests: ${String(passed)} passed, ${String(failed)} failed, ${String(skipped)} skipped\n`;
    if (!this.coverage) process.stdout.write(this.summary);
  }

  onCoverage(): void {
    // Runs after the coverage reporters have printed their summary.
    setImmediate(() => process.stdout.write(this.summary));
  }
}
