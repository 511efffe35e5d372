import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type {
  Reporter,
  ReportedHookContext,
  SerializedError,
  TestCase,
  TestModule,
} from 'vitest/node';

/**
 * What a vitest run amounts to, as .ci/run prints it: tests passed, failed
 * and skipped (todo included), plus what failed outside any test (a file
 * that did not load, a failing hook, an unhandled error), counted as failed.
 */
export interface RunSummary {
  passed: number;
  failed: number;
  skipped: number;
  /** Test files that failed outside their tests, with the first error of each. */
  fileErrors: string[];
  unhandledErrors: number;
  /** The test or hook the watchdog stopped the run for. */
  hung: string | null;
  /** False until the run ended on its own (a watchdog stop or a kill leaves it false). */
  finished: boolean;
}

/**
 * A reporter that keeps a run honest:
 *
 * - **Watchdog.** Vitest's testTimeout is a timer inside the test's runtime;
 *   a busy loop in workerd never lets it fire, nor lets the runner report
 *   anything, and the run would wait for ever. This watchdog runs in vitest's
 *   own Node process instead: from the moment a test file starts (queued for
 *   its runner) until it ends, every report from it counts as progress, and a
 *   file silent for twice its project's longest timeout (test or hook) plus
 *   `graceSeconds` stops the run: the stall is reported and counted as failed,
 *   the pool's processes (workerd) are killed, and vitest exits with status 1.
 * - **Summary.** With `summaryFile`, the counts are written there as JSON
 *   after every result (so a run killed from outside still leaves true counts
 *   so far) and once more, recounted from the whole run, at its end.
 */
export class WatchdogReporter implements Reporter {
  private readonly running = new Map<
    string,
    { module: TestModule; since: number; doing: string }
  >();
  private ticker: NodeJS.Timeout | undefined;
  private readonly summary: RunSummary = {
    passed: 0,
    failed: 0,
    skipped: 0,
    fileErrors: [],
    unhandledErrors: 0,
    hung: null,
    finished: false,
  };

  constructor(private readonly options: { summaryFile?: string; graceSeconds?: number } = {}) {}

  onTestRunStart(): void {
    this.write();
    this.ticker = setInterval(() => this.check(), 1_000);
    this.ticker.unref();
  }

  onTestModuleQueued(module: TestModule): void {
    this.progress(module, 'loading the file');
  }

  onTestModuleCollected(module: TestModule): void {
    this.progress(module, 'starting its tests');
  }

  onTestCaseReady(test: TestCase): void {
    this.progress(test.module, `test "${test.fullName}"`);
  }

  onTestCaseResult(test: TestCase): void {
    this.progress(test.module, `after test "${test.fullName}"`);
    const state = test.result().state;
    if (state === 'passed') this.summary.passed++;
    else if (state === 'failed') this.summary.failed++;
    else if (state === 'skipped') this.summary.skipped++;
    this.write();
  }

  onHookStart(hook: ReportedHookContext): void {
    const module = hook.entity.type === 'module' ? hook.entity : hook.entity.module;
    this.progress(module, `${hook.name} hook`);
  }

  onHookEnd(hook: ReportedHookContext): void {
    const module = hook.entity.type === 'module' ? hook.entity : hook.entity.module;
    this.progress(module, `after the ${hook.name} hook`);
  }

  onTestModuleEnd(module: TestModule): void {
    this.running.delete(module.id);
  }

  onTestRunEnd(
    modules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
  ): void {
    clearInterval(this.ticker);
    this.running.clear();
    // Recounted from the whole run: the source of truth once it has ended.
    const summary: RunSummary = {
      passed: 0,
      failed: 0,
      skipped: 0,
      fileErrors: [],
      unhandledErrors: unhandledErrors.length,
      hung: this.summary.hung,
      finished: true,
    };
    for (const module of modules) {
      const errors = module.errors();
      const failedTests = [...module.children.allTests('failed')].length;
      // A file that failed outside its tests (it did not load, a hook threw)
      // counts once as failed, beside its tests.
      if (errors.length > 0 || (module.state() === 'failed' && failedTests === 0)) {
        summary.fileErrors.push(`${where(module)}: ${errors[0]?.message ?? 'failed'}`);
      }
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') summary.passed++;
        else if (state === 'failed') summary.failed++;
        else summary.skipped++; // skipped, todo, or never run
      }
    }
    summary.failed += summary.fileErrors.length + summary.unhandledErrors;
    Object.assign(this.summary, summary);
    this.write();
  }

  private progress(module: TestModule, doing: string): void {
    this.running.set(module.id, { module, since: Date.now(), doing });
  }

  private check(): void {
    for (const { module, since, doing } of this.running.values()) {
      const { testTimeout, hookTimeout } = module.project.config;
      const limitMs =
        2 * Math.max(testTimeout, hookTimeout) + (this.options.graceSeconds ?? 30) * 1000;
      if (Date.now() - since > limitMs) this.stop(`${where(module)}, ${doing}`, limitMs);
    }
  }

  private stop(what: string, limitMs: number): void {
    this.summary.hung = what;
    this.summary.failed++;
    this.write();
    process.stderr.write(
      `\nvitest watchdog: nothing from ${what} for ${limitMs / 1000} s, past every timeout ` +
        '(a busy loop lets no timeout fire); stopping the run\n',
    );
    for (const pid of descendants(process.pid).reverse()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    process.exit(1);
  }

  private write(): void {
    const file = this.options.summaryFile;
    if (!file) return;
    writeFileSync(`${file}.tmp`, JSON.stringify(this.summary));
    renameSync(`${file}.tmp`, file);
  }
}

const where = (module: TestModule) => `${module.project.name}: ${module.relativeModuleId}`;

/** Every process below `root` (Linux /proc), parents before their children. */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return [];
  }
  for (const entry of entries) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // the process ended meanwhile
    }
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}
