import type { DotKernel } from './dot-kernel';
import { kthLargest } from './selection';
import type { IndexHit } from './vector-index-types';

/**
 * Choosing the candidates of a scan: the best few of a window's scores
 * without sorting them all, and the final ranking of the re-scored few.
 * Plain functions over typed arrays, the scan's hot loop among them, so that
 * the engine keeps them monomorphic wherever the index calls them from.
 */

/** A hit with the row it came from: equal scores go to the later row. */
export interface ScoredRow extends IndexHit {
  row: number;
}

/**
 * Positions in `scores` of the best `k`, best first, ties to the later row
 * (`rows[i]`): what `ranked` keeps, without a hit object per candidate. An
 * insertion into a sorted run of k, for the few hundred candidates of a
 * search from storage and a small k.
 */
export function bestPositions(scores: Float64Array, rows: Int32Array, k: number): Int32Array {
  const count = scores.length;
  const kept = Math.min(k, count);
  const best = new Int32Array(kept);
  let filled = 0;
  for (let i = 0; i < count; i++) {
    if (filled === kept && (kept === 0 || !beats(scores, rows, i, best[kept - 1]!))) continue;
    let at = filled < kept ? filled++ : kept - 1;
    while (at > 0 && beats(scores, rows, i, best[at - 1]!)) {
      best[at] = best[at - 1]!;
      at--;
    }
    best[at] = i;
  }
  return best;
}

/** Whether position `i` ranks before position `other`: higher score, or equal and a later row. */
function beats(scores: Float64Array, rows: Int32Array, i: number, other: number): boolean {
  const score = scores[i]!;
  const otherScore = scores[other]!;
  return score > otherScore || (score === otherScore && rows[i]! > rows[other]!);
}

/** Best first by score; ties go to the newer (later) row. */
export function ranked(hits: ScoredRow[], k: number): IndexHit[] {
  hits.sort((a, b) => b.score - a.score || b.row - a.row);
  return hits
    .slice(0, k)
    .map(({ seq, chunk, createdAt, score }) => ({ seq, chunk, createdAt, score }));
}

/**
 * The rows (`first` + index into `scores`) of the `slots` best scores that
 * `accept` lets through, in no particular order; of equal scores, the later
 * rows. Rows above a running threshold gather in a buffer four times `slots`
 * long; when it fills, a selection keeps the best `slots` and raises the
 * threshold, so the scan itself is one comparison per row.
 */
export function pickBest(
  scores: Float32Array,
  first: number,
  slots: number,
  accept: (row: number) => boolean,
): Int32Array {
  if (slots <= 0) return new Int32Array(0);
  if (scores.length >= slots * 8) {
    const picked = pickAbove(scores, first, slots, accept, sampledThreshold(scores, slots));
    if (picked.length === slots) return picked;
  }
  return pickAbove(scores, first, slots, accept, -Infinity);
}

/**
 * `pickBest` of scores that sit in `kernel`'s memory (a code scan's), the
 * same rows: the pass over every score runs in the kernel (`above`, 16
 * scores a step, against the sampled threshold), which writes the positions
 * that pass to `picks` (room for `room` int32, at least 4 × `slots`); only
 * those few are then looked at here. On a 250,000-row scan that pass was
 * ~1 ns a row in JavaScript.
 */
export function pickBestInKernel(
  kernel: DotKernel,
  scores: Float32Array,
  first: number,
  slots: number,
  accept: (row: number) => boolean,
  picks: number,
  room: number,
): Int32Array {
  if (slots <= 0) return new Int32Array(0);
  if (scores.length < slots * 8) return pickAbove(scores, first, slots, accept, -Infinity);
  // Every 16th score: the kernel's pass is cheap, so the sample is half
  // pickBest's; about 2 × slots still pass (too few: 4 standard deviations).
  const threshold = sampledThreshold(scores, slots, 16);
  const found = kernel.above(scores.byteOffset, scores.length, threshold, picks, room);
  if (found > room) return pickBest(scores, first, slots, accept);
  if (found >= slots) {
    const positions = new Int32Array(kernel.memory.buffer, picks, found);
    const rows = new Int32Array(found);
    const values = new Float64Array(found);
    let kept = 0;
    for (let i = 0; i < found; i++) {
      const position = positions[i]!;
      const row = first + position;
      if (!accept(row)) continue;
      rows[kept] = row;
      values[kept] = scores[position]!;
      kept++;
    }
    // Of the rows at or above the threshold, the best `slots`: the threshold
    // let at least that many through, so they are the best of all.
    if (kept >= slots) return rows.subarray(0, keepBest(rows, values, kept, slots));
  }
  // Too few passed (a filter turned rows away): every row, as pickBest does.
  return pickAbove(scores, first, slots, accept, -Infinity);
}

/**
 * A first threshold from every `stride`-th score (8th), set so that about twice `slots`
 * rows pass: the scan then rarely has to select. Too high (a filter turned
 * rows away), the scan runs again without it.
 */
function sampledThreshold(scores: Float32Array, slots: number, stride = SAMPLE_STRIDE): number {
  const sample = new Float64Array(Math.floor(scores.length / stride));
  for (let i = 0; i < sample.length; i++) sample[i] = scores[i * stride]!;
  return kthLargest(sample, Math.ceil((2 * slots) / stride));
}

const SAMPLE_STRIDE = 8;

/** `pickBest` among the scores at or above `threshold`. */
function pickAbove(
  scores: Float32Array,
  first: number,
  slots: number,
  accept: (row: number) => boolean,
  threshold: number,
): Int32Array {
  const room = slots * 4;
  const rows = new Int32Array(room);
  const values = new Float64Array(room);
  let filled = 0;
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i]!;
    if (score < threshold) continue;
    const row = first + i;
    if (!accept(row)) continue;
    if (filled === room) {
      filled = keepBest(rows, values, filled, slots);
      // Entry slots - 1 is now the weakest kept.
      threshold = values[slots - 1]!;
      if (score < threshold) continue;
    }
    rows[filled] = row;
    values[filled] = score;
    filled++;
  }
  return filled > slots
    ? rows.subarray(0, keepBest(rows, values, filled, slots))
    : rows.subarray(0, filled);
}

/**
 * Moves the best `slots` of the first `filled` entries to the front (in no
 * particular order; the weakest of them last) and returns `slots`: a
 * quickselect on (score, row), so equal scores keep the later row.
 */
function keepBest(rows: Int32Array, values: Float64Array, filled: number, slots: number): number {
  const better = (i: number, pivotValue: number, pivotRow: number) =>
    values[i]! > pivotValue || (values[i] === pivotValue && rows[i]! > pivotRow);
  const swap = (i: number, j: number) => {
    const row = rows[i]!;
    rows[i] = rows[j]!;
    rows[j] = row;
    const value = values[i]!;
    values[i] = values[j]!;
    values[j] = value;
  };
  let lo = 0;
  let hi = filled - 1;
  const target = slots - 1;
  while (lo < hi) {
    swap((lo + hi) >>> 1, hi);
    const pivotValue = values[hi]!;
    const pivotRow = rows[hi]!;
    let store = lo;
    for (let i = lo; i < hi; i++) {
      if (better(i, pivotValue, pivotRow)) swap(i, store++);
    }
    swap(store, hi);
    if (store === target) break;
    if (store < target) lo = store + 1;
    else hi = store - 1;
  }
  return slots;
}
