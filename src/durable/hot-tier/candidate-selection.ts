import type { DotKernel } from './dot-kernel';
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
  // A first threshold from every 8th score, set so that about twice `slots`
  // rows pass: the scan then rarely has to select. Too high (a filter turned
  // rows away), the scan runs again without it. Any threshold gives the same
  // rows; it only decides how many the scan gathers.
  if (scores.length >= slots * 8) {
    const threshold = sampledThreshold(scores, Math.ceil((2 * slots) / SAMPLE_STRIDE));
    const picked = pickAbove(scores, first, slots, accept, threshold);
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
  const threshold = sampledThreshold(scores, Math.ceil((2 * slots) / 16), 16);
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
 * `pickBest` itself, the same rows in the same order, with its pass over
 * every score run in `kernel` (`above`, 16 scores a step) against pickBest's
 * own sampled threshold: the kernel lists the positions that pass it, in
 * order, and `pickAbove` walks only those as it walks all of them
 * (its threshold only rises, so every position the kernel leaves out is one
 * `pickAbove` passes over). Same order matters where the candidates are
 * narrowed again by position (`rescoreInMemory`: equal float32 scores go to
 * the later candidate), unlike `pickBestInKernel`, whose candidates are all
 * re-scored and sorted. `picks` is room in the kernel's memory for `room`
 * int32; more passing than that (ties by the thousand), pickBest in
 * JavaScript. On LONG_TERM's 9,499 code scores in bench:api's corpus the
 * JavaScript pass was about half of pickBest's 0.07 ms (BENCHMARKS.md,
 * branch rank-lean).
 */
export function pickBestOrdered(
  kernel: DotKernel,
  scores: Float32Array,
  first: number,
  slots: number,
  accept: (row: number) => boolean,
  picks: number,
  room: number,
): Int32Array {
  if (slots <= 0 || scores.length < slots * 8) return pickBest(scores, first, slots, accept);
  const threshold = sampledThreshold(scores, Math.ceil((2 * slots) / SAMPLE_STRIDE));
  const found = kernel.above(scores.byteOffset, scores.length, threshold, picks, room);
  if (found > room) return pickBest(scores, first, slots, accept);
  const positions = new Int32Array(kernel.memory.buffer, picks, found);
  const picked = pickAbove(scores, first, slots, accept, threshold, positions);
  if (picked.length === slots) return picked;
  return pickAbove(scores, first, slots, accept, -Infinity);
}

const SAMPLE_STRIDE = 8;

/**
 * A score that at least `count` of every `stride`-th score reach, and not
 * many more: the lowest score of the bucket (keepBest's buckets) where the
 * sample's count-th best falls. Counting into buckets cost a third of
 * copying the sample out and selecting its count-th best exactly.
 */
function sampledThreshold(scores: Float32Array, count: number, stride = SAMPLE_STRIDE): number {
  let best = -Infinity;
  let worst = Infinity;
  for (let i = 0; i < scores.length; i += stride) {
    const score = scores[i]!;
    if (score > best) best = score;
    if (score < worst) worst = score;
  }
  // Equal, infinite or not numbers: no threshold (every row is looked at).
  if (!(best > worst) || !Number.isFinite(best - worst)) return -Infinity;
  const scale = (BUCKETS - 1) / (best - worst);
  const counts = bucketCounts;
  counts.fill(0);
  for (let i = 0; i < scores.length; i += stride) {
    const score = scores[i]!;
    if (score === score) counts[Math.min(BUCKETS - 1, Math.floor((best - score) * scale))]!++;
  }
  let cut = 0;
  for (let reached = counts[0]!; reached < count && cut < BUCKETS - 1;) reached += counts[++cut]!;
  let threshold = Infinity;
  for (let i = 0; i < scores.length; i += stride) {
    const score = scores[i]!;
    if (score < threshold && Math.min(BUCKETS - 1, Math.floor((best - score) * scale)) <= cut)
      threshold = score;
  }
  return threshold;
}

/**
 * `pickBest` among the scores at or above `threshold`: of every score, or of
 * the positions in `positions` (ascending) only, with the same steps in the
 * same order (`pickBestOrdered`: the positions the kernel listed at or above
 * the threshold, so the rows and their order are what the whole pass gives).
 */
function pickAbove(
  scores: Float32Array,
  first: number,
  slots: number,
  accept: (row: number) => boolean,
  threshold: number,
  positions: Int32Array | null = null,
): Int32Array {
  const room = slots * 4;
  const { rows, values } = gatheringRoom(room);
  let filled = 0;
  const count = positions === null ? scores.length : positions.length;
  for (let p = 0; p < count; p++) {
    const i = positions === null ? p : positions[p]!;
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
  return rows.slice(0, filled > slots ? keepBest(rows, values, filled, slots) : filled);
}

/**
 * Where `pickAbove` gathers rows: kept for the isolate up to GATHER_KEPT
 * entries (a search's windows pick a few hundred each; allocating two typed
 * arrays a call, each backed by its own buffer, cost about a tenth of a
 * pick), fresh beyond. Never used by two picks at once: a pick calls nothing
 * that picks.
 */
function gatheringRoom(room: number): { rows: Int32Array; values: Float64Array } {
  if (room > GATHER_KEPT) return { rows: new Int32Array(room), values: new Float64Array(room) };
  if (gathered.rows.length < room)
    gathered = { rows: new Int32Array(GATHER_KEPT), values: new Float64Array(GATHER_KEPT) };
  return gathered;
}

const GATHER_KEPT = 8_192;
let gathered = { rows: new Int32Array(0), values: new Float64Array(0) };

/**
 * Moves the best `slots` of the first `filled` entries to the front (in no
 * particular order; the weakest of them last) and returns `slots`; of equal
 * scores, the later row is the better. The entries are counted into buckets
 * by score first (one pass, no swaps): the buckets wholly above the cut are
 * kept as they are and only the bucket the cut falls in is ordered, by a
 * quickselect on (score, row). A quickselect over all of them cost twice the
 * scan that filled them (its comparisons go either way at random).
 */
function keepBest(rows: Int32Array, values: Float64Array, filled: number, slots: number): number {
  if (filled <= slots) return filled;
  let best = -Infinity;
  let worst = Infinity;
  let unordered = false;
  for (let i = 0; i < filled; i++) {
    const value = values[i]!;
    if (value > best) best = value;
    if (value < worst) worst = value;
    if (value !== value) unordered = true;
  }
  // All equal, infinite or not numbers: the quickselect alone.
  if (unordered || !(best > worst) || !Number.isFinite(best - worst))
    return selectFrom(rows, values, 0, filled, slots);
  // bucket(v) = ⌊(best − v) · scale⌋ never rises as v rises (each step is
  // monotone in floating point), so a bucket holds only scores below those
  // of the buckets before it, and equal scores share a bucket.
  const scale = (BUCKETS - 1) / (best - worst);
  const counts = bucketCounts;
  counts.fill(0);
  for (let i = 0; i < filled; i++)
    counts[Math.min(BUCKETS - 1, Math.floor((best - values[i]!) * scale))]!++;
  let cut = 0;
  let above = 0;
  while (above + counts[cut]! < slots) above += counts[cut++]!;
  // The buckets before the cut to the front, then the cut's bucket after them.
  let store = 0;
  for (let i = 0; i < filled; i++) {
    if (Math.min(BUCKETS - 1, Math.floor((best - values[i]!) * scale)) < cut)
      swap(rows, values, i, store++);
  }
  for (let i = store; i < filled; i++) {
    if (Math.min(BUCKETS - 1, Math.floor((best - values[i]!) * scale)) === cut)
      swap(rows, values, i, store++);
  }
  return above + selectFrom(rows, values, above, store, slots - above);
}

/** Score buckets of `keepBest` (one set per isolate: it never runs re-entrantly). */
const BUCKETS = 256;
const bucketCounts = new Int32Array(BUCKETS);

function swap(rows: Int32Array, values: Float64Array, i: number, j: number): void {
  const row = rows[i]!;
  rows[i] = rows[j]!;
  rows[j] = row;
  const value = values[i]!;
  values[i] = values[j]!;
  values[j] = value;
}

/**
 * Moves the best `take` entries of [from, to) to its front, the weakest of
 * them last, and returns `take`: a quickselect on (score, row).
 */
function selectFrom(
  rows: Int32Array,
  values: Float64Array,
  from: number,
  to: number,
  take: number,
): number {
  let lo = from;
  let hi = to - 1;
  const target = from + take - 1;
  while (lo < hi) {
    swap(rows, values, (lo + hi) >>> 1, hi);
    const pivotValue = values[hi]!;
    const pivotRow = rows[hi]!;
    let store = lo;
    for (let i = lo; i < hi; i++) {
      const value = values[i]!;
      if (value > pivotValue || (value === pivotValue && rows[i]! > pivotRow))
        swap(rows, values, i, store++);
    }
    swap(rows, values, store, hi);
    if (store === target) break;
    if (store < target) lo = store + 1;
    else hi = store - 1;
  }
  return take;
}
