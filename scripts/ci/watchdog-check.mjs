#!/usr/bin/env node
// Proves the vitest watchdog (scripts/ci/vitest-watchdog.ts) stops a test
// that spins in workerd, where vitest's own testTimeout cannot fire: the run
// must end on its own, fail, and report the stall. Used by .ci/run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const work = mkdtempSync(join(tmpdir(), 'watchdog-check-'));
const summaryFile = join(work, 'summary.json');
const started = Date.now();
const run = spawnSync(
  'npx',
  ['vitest', 'run', '--config', 'scripts/ci/watchdog-check/vitest.config.ts'],
  {
    env: { ...process.env, VITEST_SUMMARY: summaryFile },
    encoding: 'utf8',
    // Far above the watchdog's 22 s: only a watchdog that failed lets it come to this.
    timeout: 180_000,
    killSignal: 'SIGKILL',
  },
);
const seconds = Math.round((Date.now() - started) / 1000);
let summary = null;
try {
  summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
} catch {
  // no summary: reported below
}
rmSync(work, { recursive: true, force: true });
const stopped =
  run.status === 1 && summary?.hung?.includes('spin.fixture.ts') && summary.failed >= 1;
console.log(
  stopped
    ? `watchdog check: passed (a spinning test was stopped after ${seconds} s)`
    : `watchdog check: FAILED (status ${run.status ?? run.signal}, summary ${JSON.stringify(summary)})\n${run.stderr?.slice(-2000) ?? ''}`,
);
process.exit(stopped ? 0 : 1);
