import type { TermImpacts } from './term-impacts';
import { lowerBound } from './text-ranker';

/**
 * Adds a query's term shares (term-impacts.ts) into `sums` over passages
 * [first, last), in query order, as the full ranking adds them: every
 * passage's sum is the same double, bit for bit. The work is memory
 * traffic: term by term, each passage's sum is read and written once per
 * term. Runs of up to four dense terms are added together instead, over
 * the stretch they all cover: the sum is read once, the four shares added
 * in query order, written once. Outside that stretch each term of the run
 * is added on its own, in order, so a passage still meets its shares in
 * query order; a listed (sparse) term ends a run. The loops for two and
 * four terms are written out (not one loop over the run's terms) so that
 * each is a plain loop of typed-array reads the engine compiles tightly.
 */
export function addShares(
  sums: Float64Array,
  first: number,
  last: number,
  impacts: readonly TermImpacts[],
): void {
  let at = 0;
  while (at < impacts.length) {
    const term = impacts[at]!;
    if (term.lo < 0) {
      addListed(sums, first, last, term);
      at++;
      continue;
    }
    let run = 1;
    while (run < 4 && at + run < impacts.length && impacts[at + run]!.lo >= 0) run++;
    addDenseRun(sums, first, last, impacts, at, run);
    at += run;
  }
}

function addListed(sums: Float64Array, first: number, last: number, term: TermImpacts): void {
  const { passages, shares } = term;
  for (let k = lowerBound(passages, first); k < passages.length; k++) {
    const passage = passages[k]!;
    if (passage >= last) break;
    sums[passage]! += shares[k]!;
  }
}

/** Dense term `term`'s shares over [from, to) ∩ its stretch ∩ [first, last). */
function addDense(sums: Float64Array, from: number, to: number, term: TermImpacts): void {
  const { lo, shares } = term;
  const start = Math.max(from, lo);
  const end = Math.min(to, lo + shares.length);
  for (let passage = start; passage < end; passage++) sums[passage]! += shares[passage - lo]!;
}

/** The dense terms impacts[at … at + run), added in order. */
function addDenseRun(
  sums: Float64Array,
  first: number,
  last: number,
  impacts: readonly TermImpacts[],
  at: number,
  run: number,
): void {
  // The stretch every term of the run covers.
  let common = first;
  let commonEnd = last;
  for (let t = at; t < at + run; t++) {
    const { lo, shares } = impacts[t]!;
    common = Math.max(common, lo);
    commonEnd = Math.min(commonEnd, lo + shares.length);
  }
  if (run === 1 || common >= commonEnd) {
    for (let t = at; t < at + run; t++) addDense(sums, first, last, impacts[t]!);
    return;
  }
  // Before the common stretch, then after it: term by term, in order.
  for (let t = at; t < at + run; t++) addDense(sums, first, common, impacts[t]!);
  const a = impacts[at]!;
  const b = impacts[at + 1]!;
  if (run === 4) addFour(sums, common, commonEnd, a, b, impacts[at + 2]!, impacts[at + 3]!);
  else {
    // Two together, then a third on its own: each passage still meets a, b, c in order.
    addTwo(sums, common, commonEnd, a, b);
    if (run === 3) addDense(sums, common, commonEnd, impacts[at + 2]!);
  }
  for (let t = at; t < at + run; t++) addDense(sums, commonEnd, last, impacts[t]!);
}

function addTwo(
  sums: Float64Array,
  from: number,
  to: number,
  a: TermImpacts,
  b: TermImpacts,
): void {
  const sa = a.shares.subarray(from - a.lo, to - a.lo);
  const sb = b.shares.subarray(from - b.lo, to - b.lo);
  for (let i = 0, passage = from; passage < to; i++, passage++) {
    let sum = sums[passage]!;
    sum += sa[i]!;
    sum += sb[i]!;
    sums[passage] = sum;
  }
}

function addFour(
  sums: Float64Array,
  from: number,
  to: number,
  a: TermImpacts,
  b: TermImpacts,
  c: TermImpacts,
  d: TermImpacts,
): void {
  const sa = a.shares.subarray(from - a.lo, to - a.lo);
  const sb = b.shares.subarray(from - b.lo, to - b.lo);
  const sc = c.shares.subarray(from - c.lo, to - c.lo);
  const sd = d.shares.subarray(from - d.lo, to - d.lo);
  for (let i = 0, passage = from; passage < to; i++, passage++) {
    let sum = sums[passage]!;
    sum += sa[i]!;
    sum += sb[i]!;
    sum += sc[i]!;
    sum += sd[i]!;
    sums[passage] = sum;
  }
}
