#!/usr/bin/env node
// The end of .ci/run: one line per step that failed, then the one summary
// line "N passed, N failed, N skipped", added up from what the runs wrote in
// the state folder (vitest.json from the vitest watchdog reporter, live.json
// from scripts/live/run.mjs, watchdog.json from the watchdog check). A run
// that never wrote its report adds nothing but says so. Exits 1 unless every
// step passed, some test passed and none failed.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const state = process.argv[2];
const read = (name) => {
  const file = join(state, name);
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
};
const lines = (name) =>
  existsSync(join(state, name))
    ? readFileSync(join(state, name), 'utf8').split('\n').filter(Boolean)
    : [];

const started = lines('started');
const failedSteps = lines('failed');
const total = { passed: 0, failed: 0, skipped: 0 };
const add = (counts) => {
  for (const key of Object.keys(total)) total[key] += Number(counts?.[key] ?? 0);
};

const vitest = read('vitest.json');
if (vitest) {
  add(vitest);
  for (const error of vitest.fileErrors ?? []) console.log(`file failed: ${error}`);
  if (vitest.unhandledErrors) console.log(`unhandled errors: ${vitest.unhandledErrors}`);
  if (vitest.hung) console.log(`vitest stopped by its watchdog: ${vitest.hung}`);
  else if (!vitest.finished) console.log('vitest did not finish: the counts are those so far');
} else if (started.some((step) => step.startsWith('vitest'))) {
  console.log('vitest wrote no report: it did not start');
}
const live = read('live.json');
if (live) add(live);
else if (started.some((step) => step.startsWith('live checks')))
  console.log('the live checks wrote no report');
add(read('watchdog.json'));

for (const step of failedSteps) console.log(step);
if (started.length === 0) console.log('no step started');
console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(failedSteps.length === 0 && total.failed === 0 && total.passed > 0 ? 0 : 1);
