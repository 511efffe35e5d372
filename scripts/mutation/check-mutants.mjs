// Whether each mutant of mutants.mjs still applies to a checkout, without
// running a test: `npm run lint` runs `run.mjs --check`, so a refactor that
// moves or rewrites mutated code fails at once instead of quietly dropping
// mutants from the next mutation run (27 of 74 went stale that way in the
// issue-12 split).
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import ts from 'typescript';

/** The areas TESTING.md scores; anything else is a typo. */
export const AREAS = ['kronos', 'vaults', 'resolvers', 'billing', 'proof'];

/**
 * What is wrong with one mutant under `root`, in words (an empty list: it
 * applies). `from` must occur exactly once in `file`, change something, and
 * leave a file that still parses (a mutant that breaks the syntax is
 * "killed" by any test, and proves nothing); each test file must exist.
 */
export function problemsOf(mutant, root) {
  const problems = [];
  if (!AREAS.includes(mutant.area)) problems.push(`unknown area "${mutant.area}"`);
  if (mutant.from === mutant.to) problems.push('"to" is the same as "from"');
  for (const file of mutant.tests) {
    if (!existsSync(resolve(root, file))) problems.push(`test file ${file} does not exist`);
  }
  if (mutant.tests.length === 0) problems.push('no test file guards it');
  const path = resolve(root, mutant.file);
  if (!existsSync(path)) return [...problems, `${mutant.file} does not exist`];
  const original = readFileSync(path, 'utf8');
  const found = original.split(mutant.from).length - 1;
  if (found !== 1) return [...problems, `"from" occurs ${found} times in ${mutant.file}`];
  const { diagnostics = [] } = ts.transpileModule(original.replace(mutant.from, mutant.to), {
    fileName: mutant.file,
    reportDiagnostics: true,
  });
  for (const diagnostic of diagnostics) {
    problems.push(`mutated ${mutant.file} does not parse: ${messageOf(diagnostic)}`);
  }
  return problems;
}

/** Every problem of a mutant set, ids repeated included, as `id: problem` lines. */
export function checkMutants(mutants, root) {
  const lines = [];
  const seen = new Set();
  for (const mutant of mutants) {
    if (seen.has(mutant.id)) lines.push(`${mutant.id}: the id is used twice`);
    seen.add(mutant.id);
    for (const problem of problemsOf(mutant, root)) lines.push(`${mutant.id}: ${problem}`);
  }
  return lines;
}

function messageOf(diagnostic) {
  return ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
}
