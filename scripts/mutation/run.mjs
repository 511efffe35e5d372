#!/usr/bin/env node
// A scripted mutation run (see TESTING.md). Each mutant in mutants.mjs is a
// one-place change to product code: applied, the test files that guard it
// run, the file is restored. A mutant is killed when those tests fail (or
// exceed the time limit), and survives when they pass.
//
//   node scripts/mutation/run.mjs [--only id,id] [--area name] [--root dir]
//                                 [--json out.json] [--timeout seconds] [--list]
//   node scripts/mutation/run.mjs --check [--root dir]
//
// --check runs no test: it fails (exit 1) when a mutant no longer applies
// (check-mutants.mjs). `npm run lint` runs it.
//
// --root runs the same mutants against another checkout (for instance the
// tests of an older commit: `git archive <commit> | tar -x -C dir`, with a
// node_modules symlink); test files missing there are left out, and a mutant
// none of whose files exist there counts as survived (nothing guards it).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkMutants, problemsOf } from './check-mutants.mjs';
import { MUTANTS } from './mutants.mjs';

const { values: options } = parseArgs({
  options: {
    only: { type: 'string' },
    area: { type: 'string' },
    root: { type: 'string', default: process.cwd() },
    json: { type: 'string' },
    timeout: { type: 'string', default: '300' },
    list: { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
  },
});

/** Test folders with a vitest project of their own (vitest.config.ts); the rest run in `development`. */
const OWN_PROJECTS = ['misconfigured', 'workers-ai'];
const projectOf = (testFile) => {
  const folder = testFile.split('/')[1];
  return OWN_PROJECTS.includes(folder) ? folder : 'development';
};

const chosen = MUTANTS.filter(
  (mutant) =>
    (!options.only || options.only.split(',').includes(mutant.id)) &&
    (!options.area || mutant.area === options.area),
);
if (options.list) {
  for (const mutant of chosen) console.log(`${mutant.id}\t${mutant.area}\t${mutant.file}`);
  process.exit(0);
}

const root = resolve(options.root);
if (options.check) {
  const problems = checkMutants(chosen, root);
  for (const line of problems) console.error(`stale mutant ${line}`);
  if (problems.length > 0) {
    console.error('update scripts/mutation/mutants.mjs to where the code lives now (TESTING.md)');
    process.exit(1);
  }
  console.log(`mutation: all ${chosen.length} mutants apply`);
  process.exit(0);
}
let restore = null;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    restore?.();
    process.exit(130);
  });
}

/** Runs one project's test files; resolves to the exit code (null: over the time limit). */
function runTests(project, files, name) {
  return new Promise((done) => {
    const args = ['vitest', 'run', '--project', project, '--bail', '1', ...files];
    if (name) args.push('-t', name);
    const child = spawn('npx', args, { cwd: root, stdio: 'ignore', detached: true });
    const timer = setTimeout(
      () => {
        process.kill(-child.pid, 'SIGKILL');
        done(null);
      },
      Number(options.timeout) * 1000,
    );
    child.on('exit', (code) => {
      clearTimeout(timer);
      // The vitest pool's workerd processes share the group: none may outlive a run.
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      done(code);
    });
  });
}

/** The test runs of a mutant: one per project, with the files that exist here. */
function runsOf(mutant) {
  const byProject = new Map();
  for (const file of mutant.tests.filter((file) => existsSync(resolve(root, file))))
    byProject.set(projectOf(file), [...(byProject.get(projectOf(file)) ?? []), file]);
  return [...byProject].map(([project, files]) => ({ project, files, name: mutant.name }));
}
const runKey = ({ project, files, name }) =>
  `${project} ${[...files].sort().join(' ')} ${name ?? ''}`;

// Baseline: every run passes unmutated, or its mutants would count as killed
// for a failure of their own. Each run is checked once, just before the first
// mutant that needs it, so results come in from the start and a run stopped
// part way still reports every mutant it finished.
const baseline = new Map();
async function passesUnmutated(run) {
  const key = runKey(run);
  if (!baseline.has(key)) {
    const code = await runTests(run.project, run.files, run.name);
    baseline.set(key, code === 0);
    if (code !== 0) console.log(`! unmutated, these tests fail: ${key}`);
  }
  return baseline.get(key);
}

// Written after every mutant, so a run stopped part way keeps its results.
const results = [];
const record = (result) => {
  results.push(result);
  if (options.json) writeFileSync(options.json, JSON.stringify(results, null, 2));
};
for (const mutant of chosen) {
  const path = resolve(root, mutant.file);
  const problems = problemsOf(mutant, root).filter((problem) => !problem.startsWith('test file'));
  if (problems.length > 0) {
    record({ ...mutant, outcome: 'invalid', detail: problems.join('; ') });
    console.log(`? ${mutant.id}: ${problems.join('; ')}`);
    continue;
  }
  const original = readFileSync(path, 'utf8');
  const runs = runsOf(mutant);
  let unmutatedPass = true;
  for (const run of runs) unmutatedPass = (await passesUnmutated(run)) && unmutatedPass;
  if (!unmutatedPass) {
    record({ ...mutant, outcome: 'invalid', detail: 'its tests fail without the mutation' });
    console.log(`? ${mutant.id}: its tests fail without the mutation`);
    continue;
  }
  if (runs.length === 0) {
    record({ ...mutant, outcome: 'survived', detail: 'no guarding test file here' });
    console.log(`S ${mutant.id}: survived (no guarding test file here)`);
    continue;
  }
  restore = () => writeFileSync(path, original);
  writeFileSync(path, original.replace(mutant.from, mutant.to));
  const started = Date.now();
  let outcome = 'survived';
  let detail = '';
  try {
    for (const { project, files, name } of runs) {
      const code = await runTests(project, files, name);
      if (code !== 0) {
        outcome = 'killed';
        detail = code === null ? 'time limit' : `${project} failed`;
        break;
      }
    }
  } finally {
    restore();
    restore = null;
  }
  if (readFileSync(path, 'utf8') !== original) throw new Error(`could not restore ${mutant.file}`);
  const seconds = Math.round((Date.now() - started) / 1000);
  record({ ...mutant, outcome, detail, seconds });
  console.log(
    `${outcome === 'killed' ? 'K' : 'S'} ${mutant.id}: ${outcome} ${detail} (${seconds} s)`,
  );
}

const counted = results.filter((result) => result.outcome !== 'invalid');
const killed = counted.filter((result) => result.outcome === 'killed').length;
console.log('');
const areas = [...new Set(counted.map((result) => result.area))];
for (const area of areas) {
  const inArea = counted.filter((result) => result.area === area);
  const areaKilled = inArea.filter((result) => result.outcome === 'killed').length;
  console.log(`${area}: ${areaKilled}/${inArea.length} killed`);
}
const invalid = results.length - counted.length;
for (const result of results.filter((result) => result.outcome === 'invalid'))
  console.log(`  not counted: ${result.id} — ${result.detail}`);
console.log(
  `mutation score: ${killed}/${counted.length} killed (${counted.length ? Math.round((100 * killed) / counted.length) : 0}%)` +
    (invalid ? `, ${invalid} invalid` : ''),
);
for (const result of counted.filter((result) => result.outcome === 'survived'))
  console.log(`  survived: ${result.id} — ${result.description}`);
