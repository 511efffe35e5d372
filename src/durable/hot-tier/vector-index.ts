import {
  bestPositions,
  pickBest,
  pickBestInKernel,
  pickBestOrdered,
  ranked,
  type ScoredRow,
} from './candidate-selection';
import { withColdRows } from './cold-window';
import { exactScores, storedScores } from './exact-scores';
import { gatherVectorBytes, slotsRun } from './float-slots';
import { HotRowWrites } from './hot-row-writes';
import { rerankMargin } from './rerank-margin';
import { KEY_BYTES } from './hot-rows';
import { timeBound } from './row-keys';
import { spread } from './similarity-spread';
import { quantiseQuery } from './vector-codes';
import type { IndexHit, SimilarityStats } from './vector-index-types';

export { FLOAT_BLOCK_BYTES } from './hot-rows';
export type {
  ColdRows,
  ExactVectors,
  FloatRows,
  IndexEntry,
  IndexHit,
  IndexRows,
  SimilarityStats,
  StoredVectors,
  VectorIndexOptions,
} from './vector-index-types';

/**
 * The HOT tier of a vault: every row's 2-bit codes (vector-codes.ts) in one
 * block of WebAssembly memory, with parallel arrays of timestamps, insertion
 * sequence numbers and chunk numbers, all kept in (createdAt, seq, chunk)
 * order: time order, and within one timestamp the order the memories were
 * stored in. A KRONOS window is then a contiguous row range found by binary
 * search. Rows are keyed by seq (the memory's SQLite rowid): ids are looked
 * up when hits are hydrated, as JS strings would cost more than the codes.
 *
 * A memory is one row, or one row per chunk when it was indexed in chunks
 * (long content, see src/text/chunks.ts); its rows are adjacent, and a search
 * returns each memory once, with its best chunk.
 *
 * Scores are exact. A search scans the window's codes with the SIMD kernel in
 * `simd/dot.wat`, keeps the best k + margin candidates by the estimate
 * (rerank-margin.ts: more for a deeper k when re-scored from storage), and
 * re-scores those from the exact float32 vectors, in float64. The exact
 * vectors of a small vault stay in memory (a second block, also scanned
 * directly when a window is small); a large vault's are read from SQLite
 * (`ExactVectors`), a few hundred rows per search (up to ~3,300 for
 * HYBRID's deepest pool of 150 at 250,000 rows).
 *
 * Memory: 96 bytes of codes and 24 of keys per 384-dimension row (about
 * 30 MiB at 250,000 rows), plus 1,540 per row for the float32 block and its
 * slots while it is kept. Growth asks the isolate's budget first
 * (hot-budget.ts); refused, the index drops its float32 block.
 *
 * One data structure, built in layers of one class, each in its own module:
 * hot-rows.ts (the memory: layout, growth, eviction, the float32 block),
 * calibrated-rows.ts (how rows are coded), hot-row-writes.ts (insert, remove,
 * load, fill) and this file (reads: search and checkpoint slices). The tight
 * loops they share are plain functions over typed arrays: row-keys.ts (the
 * row order), float-slots.ts, candidate-selection.ts, similarity-spread.ts,
 * cold-window.ts (the part of a window read from storage), rerank-margin.ts
 * (how many candidates to re-score).
 * The code itself (vector-codes.ts), the budget (hot-budget.ts) and the
 * checkpoint (hot-checkpoint.ts) are apart.
 */

/**
 * One search over the index, as its caller names it (any object, new per
 * search): a window it asks for again (a window's fill asks for a deeper
 * pool when duplicates left it short, vault-queries.ts) reuses the window's
 * code scan, which no other scan has overwritten since. Nothing writes to
 * the index while one search runs (it is synchronous), so the scores are
 * the ones the scan would give again.
 */
export type SearchScope = object;

/** The code scan whose scores the codes memory holds, and the search that made it. */
interface LastScan {
  scope: SearchScope | undefined;
  query: Float32Array;
  start: number;
  count: number;
  offset: number;
  weight: number;
}

/**
 * The exact scores one search (`SearchScope`) has worked out for one query:
 * a window it asks for again with a deeper pool (its fill) takes them
 * instead of scoring the same rows again. A row's score is a function of
 * the query and the row alone (dot_picked gives the float dot_rows gives;
 * exactScores sums each row on its own), so a score taken is the score the
 * kernel would give again, bit for bit, and the candidates, their order and
 * every score of the answer are what scoring them again gives.
 */
interface ScoresSeen {
  query: Float32Array;
  /** By window (its first row and count), what its ranking scored. */
  windows: WindowScores[];
}

/** What one window's ranking scored: its exact scan, or its re-scored candidates. */
interface WindowScores {
  start: number;
  count: number;
  /** An exact scan's float32 scores of rows [start, start + count). */
  scan: Float32Array | null;
  /** Float32 scores of picked rows: rows[i] scored scores[i]. */
  float32: { rows: Int32Array; scores: Float32Array }[];
  /** Float64 scores of rows, likewise. */
  float64: { rows: Int32Array; scores: Float64Array }[];
}

/** Float32 candidates re-scored in float64, beyond k, so near-ties cannot drop a true top-k row. */
const CANDIDATE_MARGIN = 16;
/** Windows up to this many rows are scanned exactly when the float32 block is kept. */
const EXACT_SCAN_ROWS = 2_048;

export class VectorIndex extends HotRowWrites {
  private lastScan: LastScan | null = null;
  /** Exact scores by search, while its scope lives (a window's fill asks again). */
  private readonly seen = new WeakMap<SearchScope, ScoresSeen>();

  /** A copy of rows [start, end) (for checkpoints); vectors only while the block is kept and filled. */
  slice(
    start: number,
    end: number,
  ): {
    seqs: Int32Array;
    chunks: Int32Array;
    times: Float64Array;
    codes: Uint8Array;
    scales: Float32Array;
    residuals: Float32Array;
    vectors: Uint8Array | null;
  } {
    const from = Math.max(0, start);
    const to = Math.max(from, Math.min(end, this.count));
    const memory = this.codesKernel.memory.buffer;
    return {
      seqs: this.seqs.slice(from, to),
      chunks: this.chunks.slice(from, to),
      times: this.times.slice(from, to),
      codes: new Uint8Array(memory).slice(
        this.codesOffset() + from * this.codeBytes,
        this.codesOffset() + to * this.codeBytes,
      ),
      scales: this.scales().slice(from, to),
      residuals: this.residuals.slice(from, to),
      vectors: !this.floatsUsable
        ? null
        : gatherVectorBytes(
            this.floats(),
            this.vectorsOffset() / 4,
            this.dims,
            this.slots,
            from,
            to,
          ),
    };
  }

  /** Rows per checkpoint page so that a page's BLOBs stay within `maxBytes`. */
  rowsPerPage(maxBytes: number): number {
    const perRow =
      this.codeBytes + 4 + KEY_BYTES + (this.floatsKernel === null ? 0 : this.rowBytes);
    return Math.max(1, Math.floor(maxBytes / perRow));
  }

  /** Rows whose createdAt is in (after, until]: a half-open row range [start, end). */
  range(after: number | null, until: number): { start: number; end: number } {
    const start = after === null ? 0 : timeBound(this.times, this.count, after, 'after');
    const end = Math.max(start, timeBound(this.times, this.count, until, 'after'));
    return { start, end };
  }

  /** The seq of a row (tests and tools). */
  seqAt(row: number): number {
    if (row < 0 || row >= this.count) throw new RangeError(`row ${row} is out of range`);
    return this.seqs[row]!;
  }

  /** Whether the index holds only the newest rows (over the isolate's budget). */
  get partial(): boolean {
    return this.coldThroughTime !== null;
  }

  /**
   * The k memories of rows [start, end) most similar to `query` (unit
   * length), best first, each scored by its best chunk; ties go to the newer
   * row. `accept` narrows the memories considered (by seq) before ranking (a
   * metadata filter), so a filter never shortens the top-k. `stats`, when
   * given, receives the spread of the scores of every row in the range (the
   * scan computes them all anyway).
   */
  search(
    query: Float32Array,
    start: number,
    end: number,
    k: number,
    accept?: (seq: number) => boolean,
    stats?: SimilarityStats,
    scope?: SearchScope,
  ): IndexHit[] {
    if (query.length !== this.dims) throw new RangeError('query has the wrong dimensions');
    const count = Math.min(end, this.count) - start;
    if (k <= 0 || count <= 0) return [];
    // Chunks of one memory can fill the candidates: widen until k memories are in.
    for (let rows = k; ; rows *= 2) {
      const hits = this.topRows(query, start, count, rows, accept, stats, scope);
      const seen = new Set<number>();
      const memories = hits.filter((hit) => !seen.has(hit.seq) && seen.add(hit.seq));
      if (memories.length >= k || hits.length < rows) return memories.slice(0, k);
    }
  }

  /**
   * `search` over the window (after, until]: the rows held, plus, once the
   * index holds only the newest rows, the older part of the window read from
   * storage and scored exactly (slower, never wrong). `stats` describe the
   * rows held. `scope` names the search (SearchScope), for the window's
   * code scan to serve it again.
   */
  searchWindow(
    query: Float32Array,
    after: number | null,
    until: number,
    k: number,
    accept?: (seq: number) => boolean,
    stats?: SimilarityStats,
    scope?: SearchScope,
  ): IndexHit[] {
    const { start, end } = this.range(after, until);
    const hot = this.search(query, start, end, k, accept, stats, scope);
    const cold = this.coldThroughTime;
    if (cold === null || this.coldRows === null || (after !== null && after >= cold)) return hot;
    const older = this.coldRows(after, Math.min(until, cold));
    return withColdRows(hot, older, query, this.dims, k, accept);
  }

  /** The best `k` rows (not memories) among `count` rows from `start`. */
  private topRows(
    query: Float32Array,
    start: number,
    count: number,
    k: number,
    accept?: (seq: number) => boolean,
    stats?: SimilarityStats,
    scope?: SearchScope,
  ): IndexHit[] {
    const seen = this.scoresSeen(query, start, count, scope);
    if (this.floatsUsable && count <= EXACT_SCAN_ROWS) {
      return this.topRowsExactScan(query, start, count, k, accept, stats, seen);
    }
    const slots = Math.min(count, k + this.rerankMargin(count, k, !this.floatsUsable));
    if (!this.floatsUsable && slots === count) {
      return this.topRowsFromStorage(query, start, count, k, accept, stats);
    }
    // Room for the scan's candidates, before the scan takes views of the memory.
    const room = slots * 4;
    const picks = this.codePicks(room);
    const { scores, offset, weight } = this.scanOnce(query, start, count, scope);
    if (stats !== undefined) {
      spread(scores, stats);
      stats.mean += offset;
      // The estimates carry the codes' noise on top of the true spread:
      // var(estimate) ≈ var(true) + |weighted query|² × mean residual / dims.
      const noise = this.count > 0 ? (weight * this.residualSum) / this.count / this.dims : 0;
      stats.deviation = Math.sqrt(Math.max(0, stats.deviation ** 2 - noise));
    }
    const accepted = (row: number) => (accept === undefined ? true : accept(this.seqs[row]!));
    if (this.floatsUsable) {
      const candidates = pickBestOrdered(
        this.codesKernel,
        scores,
        start,
        slots,
        accepted,
        picks,
        room,
      );
      return this.rescoreInMemory(query, candidates, k, seen);
    }
    // Re-scored from storage, the candidates' order does not matter (ranked
    // sorts them all), so they can come from the kernel's pass: the same rows.
    const candidates = pickBestInKernel(
      this.codesKernel,
      scores,
      start,
      slots,
      accepted,
      picks,
      room,
    );
    return this.rescoreFromStorage(query, candidates, k);
  }

  /** Candidates beyond k to re-score (a method so a benchmark can pair rules on one index). */
  private rerankMargin(count: number, k: number, fromStorage: boolean): number {
    return rerankMargin(count, k, fromStorage);
  }

  /** Small windows with the float32 block: score every row exactly enough to pick. */
  private topRowsExactScan(
    query: Float32Array,
    start: number,
    count: number,
    k: number,
    accept?: (seq: number) => boolean,
    stats?: SimilarityStats,
    seen?: WindowScores,
  ): IndexHit[] {
    const scores = seen?.scan ?? this.exactScan(query, start, count);
    if (seen !== undefined && seen.scan === null) seen.scan = scores.slice();
    if (stats !== undefined) spread(scores, stats);
    const rows = pickBest(scores, start, Math.min(count, k + CANDIDATE_MARGIN), (row) =>
      accept === undefined ? true : accept(this.seqs[row]!),
    );
    return this.rescoreFloat64(query, rows, k, seen);
  }

  /** Float32 scores of rows [start, start + count), in the floats kernel's scratch. */
  private exactScan(query: Float32Array, start: number, count: number): Float32Array {
    const kernel = this.floatsKernel!;
    const picks = this.floatsScratch(count * 2);
    const out = picks + count * 4;
    this.floats().set(query, 0);
    const first = count > 0 ? this.slots[start]! : 0;
    if (slotsRun(this.slots, start, count)) {
      kernel.dot_rows(0, this.vectorsOffset() + first * this.rowBytes, this.dims, count, out);
    } else {
      // The same float32 dot product per row, gathered from the rows' slots.
      new Int32Array(kernel.memory.buffer, picks, count).set(
        this.slots.subarray(start, start + count),
      );
      kernel.dot_picked(0, this.vectorsOffset(), this.dims, picks, count, out);
    }
    return new Float32Array(kernel.memory.buffer, out, count);
  }

  /**
   * What `scope` has scored for `query` in the window of `count` rows from
   * `start` so far (nothing without a scope): a window's fill asks the same
   * window again, so only that window's scores are looked at.
   */
  private scoresSeen(
    query: Float32Array,
    start: number,
    count: number,
    scope: SearchScope | undefined,
  ): WindowScores | undefined {
    if (scope === undefined) return undefined;
    let seen = this.seen.get(scope);
    if (seen === undefined || seen.query !== query) {
      seen = { query, windows: [] };
      this.seen.set(scope, seen);
    }
    let window = seen.windows.find((known) => known.start === start && known.count === count);
    if (window === undefined) {
      window = { start, count, scan: null, float32: [], float64: [] };
      seen.windows.push(window);
    }
    return window;
  }

  /**
   * A window no larger than its candidates, without the float32 block:
   * every row would be re-scored from storage anyway, so every row is
   * scored exactly (those `accept` refuses too) and the spread comes from
   * those scores, as the exact scan over the float32 block gives it. The
   * codes' estimates, less their expected noise, are no measure of so few
   * rows: a small window's spread could come out near zero, and a row of
   * plain noise then stood out (score-fusion.ts) and was found, so which
   * memories a search found depended on whether the isolate's hot budget
   * had room for the block.
   */
  private topRowsFromStorage(
    query: Float32Array,
    start: number,
    count: number,
    k: number,
    accept?: (seq: number) => boolean,
    stats?: SimilarityStats,
  ): IndexHit[] {
    const every = Int32Array.from({ length: count }, (_, at) => start + at);
    const { rows, scores } = this.storedRowScores(query, every);
    // Rounded as the float32 scan's scores are.
    if (stats !== undefined) spread(Float32Array.from(scores), stats);
    const hits: ScoredRow[] = [];
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      if (accept === undefined || accept(this.seqs[row]!)) hits.push(this.hitAt(row, scores[i]!));
    }
    return ranked(hits, k);
  }

  /**
   * `scanCodes`, or the scores it left in the codes memory when the same
   * search (`scope`) scanned the same rows for the same query last.
   */
  private scanOnce(
    query: Float32Array,
    start: number,
    count: number,
    scope: SearchScope | undefined,
  ): { scores: Float32Array; offset: number; weight: number } {
    const last = this.lastScan;
    if (
      scope !== undefined &&
      last !== null &&
      last.scope === scope &&
      last.query === query &&
      last.start === start &&
      last.count === count
    ) {
      const buffer = this.codesKernel.memory.buffer;
      const scores = new Float32Array(buffer, this.codeScoresOffset(), count);
      return { scores, offset: last.offset, weight: last.weight };
    }
    const scan = this.scanCodes(query, start, count);
    this.lastScan = { scope, query, start, count, offset: scan.offset, weight: scan.weight };
    return scan;
  }

  /**
   * Code estimates of `count` rows from `start`, in the codes kernel's
   * scratch, less `offset` (q · center, the same for every row).
   */
  private scanCodes(
    query: Float32Array,
    start: number,
    count: number,
  ): { scores: Float32Array; offset: number; weight: number } {
    this.lastScan = null; // its scores are overwritten now; scanOnce notes this scan
    const kernel = this.codesKernel;
    let weighted: ArrayLike<number> = query;
    let offset = 0;
    let weight = 1;
    if (this.calibrationFit !== null)
      ({ weighted, offset, weight } = this.calibrationFit.weigh(query));
    const quantised = quantiseQuery(weighted);
    new Int8Array(kernel.memory.buffer, 0, quantised.values.length).set(quantised.values);
    const out = this.codeScoresOffset();
    kernel.dot_codes(
      0,
      this.codesOffset() + start * this.codeBytes,
      this.codeBytes,
      count,
      this.scalesOffset() + start * 4,
      quantised.bias,
      quantised.unit,
      out,
    );
    return { scores: new Float32Array(kernel.memory.buffer, out, count), offset, weight };
  }

  /** Candidates re-scored from the float32 block: float32 to narrow, float64 to rank. */
  private rescoreInMemory(
    query: Float32Array,
    candidates: Int32Array,
    k: number,
    seen?: WindowScores,
  ): IndexHit[] {
    const slots = Math.min(candidates.length, k + CANDIDATE_MARGIN);
    if (candidates.length <= slots) return this.rescoreFloat64(query, candidates, k, seen);
    const known = seen === undefined ? null : scoresByRow(seen.float32);
    // Only the candidates not scored before go to the kernel (all of them, mostly).
    const missing = known === null ? candidates : candidates.filter((row) => !known.has(row));
    const kernel = this.floatsKernel!;
    const picks = this.floatsScratch(missing.length * 2);
    const picked = new Int32Array(kernel.memory.buffer, picks, missing.length);
    for (let c = 0; c < missing.length; c++) picked[c] = this.slots[missing[c]!]!;
    const out = picks + missing.length * 4;
    this.floats().set(query, 0);
    kernel.dot_picked(0, this.vectorsOffset(), this.dims, picks, missing.length, out);
    const computed = new Float32Array(kernel.memory.buffer, out, missing.length);
    let scores = computed;
    if (known !== null) {
      scores = new Float32Array(candidates.length);
      for (let c = 0, m = 0; c < candidates.length; c++) {
        const row = candidates[c]!;
        scores[c] = known.get(row) ?? computed[m++]!;
      }
    }
    seen?.float32.push({ rows: missing, scores: computed.slice() });
    const best = pickBest(scores, 0, slots, () => true);
    return this.rescoreFloat64(
      query,
      best.map((c) => candidates[c]!),
      k,
      seen,
    );
  }

  /** Exact float64 scores of rows from the float32 block, best k first. */
  private rescoreFloat64(
    query: Float32Array,
    rows: Int32Array,
    k: number,
    seen?: WindowScores,
  ): IndexHit[] {
    const known = seen === undefined ? null : scoresByRow(seen.float64);
    const missing = known === null ? rows : rows.filter((row) => !known.has(row));
    const computed = new Float64Array(missing.length);
    exactScores(
      query,
      this.floats(),
      this.vectorsOffset() / 4,
      this.dims,
      this.slots,
      missing,
      computed,
    );
    seen?.float64.push({ rows: missing, scores: computed });
    let scores = computed;
    if (known !== null) {
      scores = new Float64Array(rows.length);
      for (let i = 0, m = 0; i < rows.length; i++)
        scores[i] = known.get(rows[i]!) ?? computed[m++]!;
    }
    // The best k by position (`ranked`'s order: ties to the later row),
    // then a hit for each of those only: no object per candidate and no
    // sort of them all.
    const best = bestPositions(scores, rows, k);
    const hits: IndexHit[] = new Array(best.length);
    for (let i = 0; i < best.length; i++) {
      const row = rows[best[i]!]!;
      hits[i] = {
        seq: this.seqs[row]!,
        chunk: this.chunks[row]!,
        createdAt: this.times[row]!,
        score: scores[best[i]!]!,
      };
    }
    return hits;
  }

  /** Candidates re-scored from the exact vectors in storage. */
  private rescoreFromStorage(query: Float32Array, candidates: Int32Array, k: number): IndexHit[] {
    const { rows, scores } = this.storedRowScores(query, candidates);
    const hits: ScoredRow[] = [];
    if (k * 8 < rows.length) {
      // Hits for the best k only: the same k, in the same order.
      for (const i of bestPositions(scores, rows, k)) hits.push(this.hitAt(rows[i]!, scores[i]!));
    } else {
      for (let i = 0; i < rows.length; i++) hits.push(this.hitAt(rows[i]!, scores[i]!));
    }
    return ranked(hits, k);
  }

  /**
   * Exact float64 scores of `candidates` from the vectors in storage: the
   * rows still stored, and each one's score at the same position.
   */
  private storedRowScores(
    query: Float32Array,
    candidates: Int32Array,
  ): { rows: Int32Array; scores: Float64Array } {
    const vectors = this.exact!([...new Set(Array.from(candidates, (row) => this.seqs[row]!))]);
    const found: Float32Array[] = [];
    const offsets = new Int32Array(candidates.length);
    const rows = new Int32Array(candidates.length);
    for (const row of candidates) {
      const vector = vectors.get(this.seqs[row]!);
      if (vector === undefined) continue; // gone since: the delete reaches the index next
      const offset = this.chunks[row]! * this.dims;
      if (vector.length < offset + this.dims) continue;
      offsets[found.length] = offset;
      rows[found.length] = row;
      found.push(vector);
    }
    const scores = new Float64Array(found.length);
    storedScores(query, this.dims, found, offsets, scores);
    return { rows: rows.subarray(0, found.length), scores };
  }

  private hitAt(row: number, score: number): ScoredRow {
    return {
      seq: this.seqs[row]!,
      chunk: this.chunks[row]!,
      createdAt: this.times[row]!,
      score,
      row,
    };
  }
}

/**
 * Scores already worked out, by row; null while there are none (a search's
 * first ranking of a window, nearly always), so that nothing is built then.
 */
function scoresByRow(
  known: readonly { rows: Int32Array; scores: ArrayLike<number> }[],
): Map<number, number> | null {
  if (known.length === 0) return null;
  const byRow = new Map<number, number>();
  for (const { rows, scores } of known)
    for (let i = 0; i < rows.length; i++) byRow.set(rows[i]!, scores[i]!);
  return byRow;
}
