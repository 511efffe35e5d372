import { PassageContext } from './passage-context';
import type { ScoredPassages, TermPostings } from './text-ranker';
import type { TextRanking } from './text-ranking';
import type { TextTimeline } from './text-timeline';

/**
 * Contextual BM25 of only the passages that can reach a window's top:
 * exact top-k pruning, with the same scores as the full ranking
 * (text-ranker.ts) for every passage it scores.
 *
 * On a corpus where a query's words are in most memories (bench:api's: a
 * query reaches 85–90% of them), scoring every reached passage for every
 * term is most of a search, while a window keeps a pool of 50. So each
 * passage first gets a cheap upper bound, and only passages whose bound can
 * reach the window's pool are scored exactly:
 *
 * - A passage's score is Σ_t idf_t · g(f_t), with f_t the term's count over
 *   the neighbourhood and g(f) = (k1 + 1) · f / (f + norm) concave and
 *   increasing. By Jensen's inequality (weights idf_t / I) it is at most
 *   I · g(F / I), where F = Σ_t idf_t · f_t, one combined count per passage
 *   summed over its neighbourhood once instead of once per term, and I the
 *   idf of the terms the neighbourhood holds (a bit per term and passage;
 *   the smaller I, the tighter: ~430 passages of bench:api's LONG_TERM
 *   window scored exactly, against ~1,240 with I over every query term).
 * - Passages are scored exactly from the highest bound down (a counting sort
 *   into buckets), until every bound left is below the limit-th best exact
 *   score (of passages that are whole memories, so distinct, and allowed)
 *   minus what the name and date boosts can add (`lift`, relative to the
 *   window's best). Text search drops exactly such passages before boosting
 *   (text-search.ts, `reachable`), so its answer is the same, down to which
 *   memories it weighs for the name boost.
 * - Where the query's words are in few passages, only the passages around
 *   them are bounded; otherwise the window is swept.
 *
 * Exact re-scoring sums each term's weighted counts passage by passage, in
 * another order than the full ranking's scatter. The sums are equal to the
 * last bit while every weight is a multiple of 2⁻²⁰ (0.5 per step is): the
 * counts are whole numbers (at most a passage's 300 words each), so every
 * partial sum is a multiple of 2⁻²⁰ far below 2³³, held exactly by a double.
 * Other weights keep the full ranking (`prepareQuery` returns null), as do
 * queries too sparse for pruning to pay and vaults too large for its arrays.
 */

/** Weights that are multiples of this add up exactly in any order (see above). */
const EXACT_WEIGHT_UNIT = 2 ** -20;
/**
 * The working arrays' bytes a passage (Scratch: 54, plus 2 a query term for
 * the count table), and the most they may take, with room to grow (×1.25),
 * beside the hot tier's budget: past it (a query of 8 terms over 150,000
 * passages), the full ranking, whose 32 bytes a passage do not grow with
 * the terms.
 */
const SCRATCH_BYTES_PER_PASSAGE = 54;
const MAX_SCRATCH_BYTES = 12 * 2 ** 20;
/** Relative slack on bounds and cuts, far above floating-point rounding (~1e-15). */
const SLACK = 1e-9;
/** Buckets of bounds, from 0 to the highest: fine enough that the last one scored holds few. */
const BUCKETS = 1024;

/** Whether re-scored sums equal the full ranking's to the last bit (see above). */
function exactSums(ranking: TextRanking): boolean {
  const weight = ranking.contextWeight;
  if (!(weight >= 0 && weight <= 1) || !Number.isInteger(ranking.contextDistance)) return false;
  for (let d = 0; d <= ranking.contextDistance; d++)
    if (!Number.isInteger(weight ** d / EXACT_WEIGHT_UNIT)) return false;
  return true;
}

/**
 * Per-passage working arrays, shared by every vault of the isolate (ranking
 * is synchronous) and lent to one query at a time: the next query zeroes
 * what the last one left (`QueryScorer.release`).
 */
interface Scratch {
  /** Occurrences of each term in each passage: `passage · stride + term`. */
  counts: Uint16Array;
  /** Σ_t idf_t · occurrences of each passage. */
  combined: Float64Array;
  /** The first 32 terms a passage holds, a bit each. */
  holds: Int32Array;
  /** Passages holding any term, in the order met. */
  holders: Int32Array;
  /** Exact scores of a window's scored passages, by passage; 0 when not scored. */
  exact: Float64Array;
  /** A window's reached passages and their bounds. */
  bounded: Int32Array;
  bounds: Float64Array;
  /** A window's bounds in falling order of bucket (indexes into `bounds`), and each bucket's start. */
  order: Int32Array;
  buckets: Int32Array;
  /** The best exact scores of whole memories a window met (a heap), and the passages scored. */
  kept: Float64Array;
  scored: Int32Array;
  /** Σ idf of the terms a byte of a passage's bits names, byte by byte (4 × 256). */
  idfsOf: Float64Array;
  /** Occurrences of one term per passage while its passages are listed (zero between). */
  tally: Uint16Array;
  owner: QueryScorer | null;
  /** Set while a query writes: one that did not finish leaves the arrays dirty. */
  busy: boolean;
}

let shared: Scratch | null = null;

function scratchFor(passages: number, entries: number): Scratch {
  if (shared !== null && !shared.busy && shared.owner !== null) shared.owner.release();
  if (
    shared === null ||
    shared.busy ||
    shared.combined.length < passages ||
    shared.counts.length < entries
  ) {
    const size = Math.ceil(passages * 1.25); // room for a growing vault
    shared = {
      counts: new Uint16Array(Math.max(Math.ceil(entries * 1.25), shared?.counts.length ?? 0)),
      combined: new Float64Array(size),
      holds: new Int32Array(size),
      holders: new Int32Array(size),
      exact: new Float64Array(size),
      bounded: new Int32Array(size),
      bounds: new Float64Array(size),
      order: new Int32Array(size),
      buckets: new Int32Array(BUCKETS),
      kept: new Float64Array(size),
      scored: new Int32Array(size),
      tally: new Uint16Array(size),
      idfsOf: new Float64Array(4 * 256),
      owner: null,
      busy: false,
    };
  }
  return shared;
}

/** A term's passages (in order) and its occurrences in each, for one version of a timeline. */
interface TermPassages {
  timeline: TextTimeline;
  version: number;
  passages: Int32Array;
  counts: Uint16Array;
}

/**
 * What a term's postings come to on the timeline, kept with the postings
 * (which the vault's postings cache holds and drops: a write forgets the
 * terms it touched) until the timeline changes: the same term comes back
 * query after query, and mapping each occurrence to its passage again is a
 * good part of a query's counting.
 */
const passagesOfTerm = new WeakMap<TermPostings, TermPassages>();

function termPassages(
  timeline: TextTimeline,
  term: TermPostings,
  tally: Uint16Array,
): TermPassages {
  const known = passagesOfTerm.get(term);
  if (known !== undefined && known.timeline === timeline && known.version === timeline.version)
    return known;
  const size = timeline.size;
  const listed: number[] = [];
  const holding: number[] = [];
  for (let i = 0; i < term.seqs.length; i++) {
    const seq = term.seqs[i]!;
    const first = timeline.firstPassageOf(seq);
    if (first < 0) continue;
    if (first + 1 >= size || timeline.seqAt(first + 1) !== seq) {
      // The common case: a memory indexed whole.
      if (tally[first] === 0) listed.push(first);
      tally[first]! += 1;
      continue;
    }
    holding.length = 0;
    timeline.passagesHolding(seq, term.offsets[i]!, holding);
    for (const passage of holding) {
      if (tally[passage] === 0) listed.push(passage);
      tally[passage]! += 1;
    }
  }
  const passages = Int32Array.from(listed).sort();
  const counts = new Uint16Array(passages.length);
  for (let h = 0; h < passages.length; h++) {
    counts[h] = tally[passages[h]!]!;
    tally[passages[h]!] = 0;
  }
  const made: TermPassages = { timeline, version: timeline.version, passages, counts };
  passagesOfTerm.set(term, made);
  return made;
}

/**
 * Pruning pays where a query's words are in most passages: bounding every
 * passage a window reaches then costs far less than scoring each for every
 * term. Below one occurrence per passage the full ranking, which touches
 * only what the postings reach, is as fast or faster (LoCoMo's questions,
 * ~0.3 occurrences a passage, were 1.35× slower in text pools pruned,
 * bench/hybrid-search.bench.ts).
 */
const PRUNE_FROM_OCCURRENCES_PER_PASSAGE = 1;

/**
 * A query prepared for pruned ranking, or null where the full ranking is
 * the better way (few occurrences, see above), or where pruning would not
 * give its scores bit for bit (weights that are not dyadic) or would need
 * too large a count table.
 */
export function prepareQuery(
  timeline: TextTimeline,
  terms: readonly TermPostings[],
  ranking: TextRanking,
): QueryScorer | null {
  if (timeline.size === 0 || !exactSums(ranking)) return null;
  const bytes = timeline.size * (SCRATCH_BYTES_PER_PASSAGE + 2 * terms.length) * 1.25;
  if (bytes > MAX_SCRATCH_BYTES) return null;
  let occurrences = 0;
  for (const term of terms) occurrences += term.seqs.length;
  if (occurrences < timeline.size * PRUNE_FROM_OCCURRENCES_PER_PASSAGE) return null;
  return new QueryScorer(timeline, terms, ranking);
}

/**
 * One query's term counts per passage and combined counts, from which each
 * window is scored (`scoresIn`). Holds the shared scratch until the next
 * query takes it: `current` says whether it still may be used.
 */
export class QueryScorer {
  private readonly context: PassageContext;
  private readonly version: number;
  private readonly stride: number;
  /** Terms held by some passage, in query order, and their idf. */
  private readonly columns: number;
  private readonly idfs: Float64Array;
  /** Σ idf of the terms past the 32nd (those by byte of a passage's bits: `scratch.idfsOf`). */
  private readonly idfsBeyond: number;
  /** How many passages hold any term (`scratch.holders`). */
  private readonly holderCount: number;
  /** Passages holding any term: [lo, hi]. */
  private readonly lo: number;
  private readonly hi: number;
  private readonly scratch: Scratch;
  /** Per-term sums of one passage being scored. */
  private readonly frequencies: Float64Array;

  constructor(
    private readonly timeline: TextTimeline,
    terms: readonly TermPostings[],
    ranking: TextRanking,
  ) {
    const passages = timeline.size;
    this.context = new PassageContext(timeline, ranking);
    this.version = timeline.version;
    this.stride = terms.length;
    const scratch = scratchFor(passages, passages * this.stride);
    scratch.owner = this;
    scratch.busy = true;
    this.scratch = scratch;
    this.idfs = new Float64Array(terms.length);
    this.frequencies = new Float64Array(terms.length);
    const { counts, combined, holds, holders: holding } = scratch;
    const stride = this.stride;
    let holderCount = 0;
    let columns = 0;
    let lo = passages;
    let hi = -1;
    for (const term of terms) {
      const held = termPassages(timeline, term, scratch.tally);
      const holders = held.passages.length;
      if (holders === 0) continue;
      // As the full ranking computes it (text-ranker.ts), to the last bit.
      const idf =
        ranking.idf === 'probabilistic'
          ? Math.log(1 + (passages - holders + 0.5) / (holders + 0.5))
          : Math.max(Math.log((passages - holders + 0.5) / (holders + 0.5)), 1e-6);
      const bit = columns < 32 ? 1 << columns : 0;
      for (let h = 0; h < holders; h++) {
        const passage = held.passages[h]!;
        const occurrences = held.counts[h]!;
        counts[passage * stride + columns] = occurrences;
        if (combined[passage] === 0) holding[holderCount++] = passage;
        combined[passage]! += idf * occurrences;
        holds[passage]! |= bit;
      }
      if (held.passages[0]! < lo) lo = held.passages[0]!;
      if (held.passages[holders - 1]! > hi) hi = held.passages[holders - 1]!;
      this.idfs[columns++] = idf;
    }
    this.columns = columns;
    this.holderCount = holderCount;
    // Σ idf of the terms a byte of `holds` names, byte by byte; the terms past
    // the 32nd count as held everywhere (a looser bound, still a bound).
    const idfsOf = scratch.idfsOf;
    for (let byte = 0; byte < 4; byte++) {
      for (let bits = 1; bits < 256; bits++) {
        const lowest = 31 - Math.clz32(bits & -bits);
        const column = byte * 8 + lowest;
        idfsOf[byte * 256 + bits] =
          idfsOf[byte * 256 + (bits & (bits - 1))]! + (column < columns ? this.idfs[column]! : 0);
      }
    }
    let beyond = 0;
    for (let column = 32; column < columns; column++) beyond += this.idfs[column]!;
    this.idfsBeyond = beyond;
    this.lo = lo;
    this.hi = hi;
    scratch.busy = false;
  }

  /** Whether this query's counts are still in the scratch and true to the timeline. */
  get current(): boolean {
    return (
      this.scratch === shared &&
      this.scratch.owner === this &&
      !this.scratch.busy &&
      this.timeline.version === this.version
    );
  }

  /** Zeroes what this query wrote into the shared scratch and gives it up. */
  release(): void {
    const { counts, combined, holds } = this.scratch;
    if (this.hi >= this.lo) {
      counts.fill(0, this.lo * this.stride, (this.hi + 1) * this.stride);
      combined.fill(0, this.lo, this.hi + 1);
      holds.fill(0, this.lo, this.hi + 1);
    }
    this.scratch.owner = null;
  }

  /**
   * The passages of [start, end) that can be among the window's best
   * `limit` memories once boosts of at most `lift` (relative to the best)
   * are added, with their exact scores, in passage order; others of the
   * window may be among them. `allowed`: the memories the window may answer.
   */
  scoresIn(
    start: number,
    end: number,
    limit: number,
    lift: number,
    allowed?: { has(seq: number): boolean },
  ): ScoredPassages {
    const { context, timeline, scratch, idfsBeyond } = this;
    const { from, to, norms, weights, saturation } = context;
    const { combined, holds, idfsOf, exact, bounded, bounds, order, buckets, scored } = scratch;
    const distance = weights.length - 1;
    const first = Math.max(start, this.lo - distance);
    const last = Math.min(end, this.hi + distance + 1);
    if (first >= last) return { passages: new Int32Array(0), scores: new Float64Array(0) };
    scratch.busy = true;
    // The passages to bound: the window's whole stretch, swept, or where the
    // query's words are in few passages (most real queries), only those
    // around them.
    const sparse = this.holderCount * (2 * distance + 1) < last - first;
    const candidates = sparse ? this.reachedIn(first, last) : last - first;
    if (!sparse) context.fill(first, last);

    // Every reached passage's bound: with F its combined count and I the idf
    // of the terms its neighbourhood holds, I · g(F / I) = (k1 + 1) · F · I / (F + I · norm).
    let count = 0;
    let highest = 0;
    const [, w1 = 0, w2 = 0, w3 = 0, w4 = 0] = weights;
    for (let k = 0; k < candidates; k++) {
      const passage = sparse ? order[k]! : first + k;
      const around = from[passage]!;
      const until = to[passage]!;
      let combinedCount: number;
      let held: number;
      if (distance === 4 && until - around === 8) {
        // The default context (±4) with every neighbour in the same stretch:
        // the common case, written out.
        combinedCount =
          combined[passage]! +
          w1 * (combined[passage - 1]! + combined[passage + 1]!) +
          w2 * (combined[passage - 2]! + combined[passage + 2]!) +
          w3 * (combined[passage - 3]! + combined[passage + 3]!) +
          w4 * (combined[passage - 4]! + combined[passage + 4]!);
        held =
          holds[passage - 4]! |
          holds[passage - 3]! |
          holds[passage - 2]! |
          holds[passage - 1]! |
          holds[passage]! |
          holds[passage + 1]! |
          holds[passage + 2]! |
          holds[passage + 3]! |
          holds[passage + 4]!;
      } else {
        combinedCount = 0;
        held = 0;
        for (let near = around; near <= until; near++) {
          combinedCount +=
            weights[near > passage ? near - passage : passage - near]! * combined[near]!;
          held |= holds[near]!;
        }
      }
      if (combinedCount === 0) continue;
      const idfHeld =
        idfsOf[held & 255]! +
        idfsOf[256 + ((held >>> 8) & 255)]! +
        idfsOf[512 + ((held >>> 16) & 255)]! +
        idfsOf[768 + (held >>> 24)]! +
        idfsBeyond;
      const bound =
        (saturation * combinedCount * idfHeld) / (combinedCount + idfHeld * norms[passage]!);
      bounded[count] = passage;
      const padded = bound * (1 + SLACK);
      bounds[count++] = padded;
      if (padded > highest) highest = padded;
    }

    // Exact scores from the highest bound down, until no bound left can
    // reach the window's pool (the limit-th best exact score so far, less
    // what boosts can add). Falling order by bucket (a counting sort: no
    // comparisons), any order within one.
    const pool = new WindowPool(scratch.kept, limit, lift);
    let scoredCount = 0;
    const score = (passage: number): void => {
      const value = this.exactScore(passage, from[passage]!, to[passage]!);
      exact[passage] = value;
      scored[scoredCount++] = passage;
      if (allowed !== undefined && !allowed.has(timeline.seqAt(passage))) return;
      // Whole memories are distinct ones: their limit-th best bounds the window's.
      pool.add(value, !timeline.chunked(passage));
    };
    if (count === 0) {
      scratch.busy = false;
      return { passages: new Int32Array(0), scores: new Float64Array(0) };
    }
    const perBucket = BUCKETS / highest;
    const starts = buckets.fill(0);
    for (let i = 0; i < count; i++)
      starts[Math.min(BUCKETS - 1, Math.floor(bounds[i]! * perBucket))]!++;
    // Highest bucket first: each bucket's start in `order`.
    for (let bucket = BUCKETS - 1, at = 0; bucket >= 0; bucket--) {
      const size = starts[bucket]!;
      starts[bucket] = at;
      at += size;
    }
    for (let i = 0; i < count; i++)
      order[starts[Math.min(BUCKETS - 1, Math.floor(bounds[i]! * perBucket))]!++] = i;
    // Now `starts[bucket]` is where the bucket ends; bucket by bucket down
    // until the reach is above everything left (bounds below a bucket's
    // lower edge, with slack for the division).
    for (let bucket = BUCKETS - 1, at = 0; bucket >= 0; bucket--) {
      if (((bucket + 1) / perBucket) * (1 + SLACK) < pool.reach) break;
      for (const end = starts[bucket]!; at < end; at++) {
        const i = order[at]!;
        if (bounds[i]! >= pool.reach) score(bounded[i]!);
      }
    }
    // A better best lowers the reach (boosts lift by a share of it): what a
    // lower reach lets in that was passed over is scored now. (While the
    // reach only rose, every passage passed over was below it for good.)
    for (let reach = Infinity; pool.lowered && pool.reach < reach;) {
      reach = pool.reach;
      for (let i = 0; i < count; i++)
        if (bounds[i]! >= reach && exact[bounded[i]!] === 0) score(bounded[i]!);
    }

    scored.subarray(0, scoredCount).sort();
    const out: ScoredPassages = {
      passages: scored.slice(0, scoredCount),
      scores: new Float64Array(scoredCount),
    };
    for (let i = 0; i < scoredCount; i++) {
      const passage = out.passages[i]!;
      out.scores[i] = exact[passage]!;
      exact[passage] = 0;
    }
    scratch.busy = false;
    return out;
  }

  /**
   * The passages of [first, last) around one holding a query term, listed in
   * `scratch.order` (in no particular order), their context made known;
   * returns how many.
   */
  private reachedIn(first: number, last: number): number {
    const { context, holderCount } = this;
    const { holders, tally: listed, order } = this.scratch;
    const distance = context.weights.length - 1;
    let count = 0;
    for (let k = 0; k < holderCount; k++) {
      const holder = holders[k]!;
      if (holder < first - distance || holder >= last + distance) continue;
      const until = Math.min(last - 1, context.lastAround(holder));
      for (let near = Math.max(first, context.firstAround(holder)); near <= until; near++) {
        if (listed[near] !== 0) continue;
        listed[near] = 1;
        order[count++] = near;
      }
    }
    for (let k = 0; k < count; k++) {
      const passage = order[k]!;
      listed[passage] = 0;
      context.normOf(passage);
      context.firstAround(passage);
      context.lastAround(passage);
    }
    return count;
  }

  /**
   * A passage's contextual BM25, as the full ranking adds it up: terms in
   * query order, each term's weighted count over the neighbourhood (exact in
   * any order, see above).
   */
  private exactScore(passage: number, around: number, until: number): number {
    const { counts, holds } = this.scratch;
    const { weights, saturation, norms } = this.context;
    const { stride, columns, frequencies, idfs } = this;
    frequencies.fill(0, 0, columns);
    for (let near = around; near <= until; near++) {
      const weight = weights[near > passage ? near - passage : passage - near]!;
      const row = near * stride;
      // The first 32 terms by the passage's bits; the rest one by one.
      for (let held = holds[near]!; held !== 0; held &= held - 1) {
        const column = 31 - Math.clz32(held & -held);
        frequencies[column]! += weight * counts[row + column]!;
      }
      for (let column = 32; column < columns; column++) {
        const occurrences = counts[row + column]!;
        if (occurrences !== 0) frequencies[column]! += weight * occurrences;
      }
    }
    const norm = norms[passage]!;
    let score = 0;
    for (let column = 0; column < columns; column++) {
      const frequency = frequencies[column]!;
      if (frequency === 0) continue;
      score += (idfs[column]! * frequency * saturation) / (frequency + norm);
    }
    return score;
  }
}

/**
 * What a window's pool needs of the exact scores met so far: the best, and
 * the limit-th best of whole memories (a min-heap of the best `limit`), from
 * which `reach`, the lowest bound that can still matter.
 */
class WindowPool {
  private size = 0;
  private best = 0;
  /** Lowest bound that can still reach the pool; -Infinity until `limit` whole memories were met. */
  reach = -Infinity;
  /** Whether the reach ever went down (a better best, with boosts). */
  lowered = false;

  constructor(
    private readonly heap: Float64Array,
    private readonly limit: number,
    private readonly lift: number,
  ) {}

  add(score: number, whole: boolean): void {
    const { heap, limit } = this;
    let changed = false;
    if (score > this.best) {
      this.best = score;
      changed = true;
    }
    if (whole) {
      if (this.size < limit) {
        let at = this.size++;
        while (at > 0) {
          const parent = (at - 1) >> 1;
          if (heap[parent]! <= score) break;
          heap[at] = heap[parent]!;
          at = parent;
        }
        heap[at] = score;
        changed = true;
      } else if (score > heap[0]!) {
        this.replaceLowest(score);
        changed = true;
      }
    }
    if (changed && this.size === limit) {
      const reach = heap[0]! * (1 - SLACK) - (this.lift + SLACK) * this.best * (1 + SLACK);
      if (reach < this.reach) this.lowered = true;
      this.reach = reach;
    }
  }

  private replaceLowest(score: number): void {
    const { heap, size } = this;
    let at = 0;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= size) break;
      if (child + 1 < size && heap[child + 1]! < heap[child]!) child++;
      if (heap[child]! >= score) break;
      heap[at] = heap[child]!;
      at = child;
    }
    heap[at] = score;
  }
}
