import { PassageContext } from './passage-context';
import { MAX_QUERY_IMPACT_BYTES, termImpacts, type TermImpacts } from './term-impacts';
import { addShares } from './share-sums';
import type { ScoredPassages, SharedStatistics } from './text-ranker';
import type { TermPostings } from './term-postings';
import type { TextRanking } from './text-ranking';
import type { TextTimeline } from './text-timeline';

/**
 * Contextual BM25 of a window's passages from the query terms' kept shares
 * (term-impacts.ts), returning only the passages that can reach the
 * window's top, with the same scores as the full ranking (text-ranker.ts)
 * for every passage returned.
 *
 * On a corpus where a query's words are in most memories (bench:api's: a
 * query reaches 85–90% of them), the full ranking spends most of a search
 * spreading every occurrence over its neighbourhood and dividing once per
 * term and passage. None of that depends on the query, so it is done once
 * per term until the next write; a window then adds its terms' shares
 * passage by passage (one load and one add per term and passage), finds its
 * pool's reach in one pass, and returns the passages at or above it:
 *
 * - The reach is the limit-th best score of passages that are whole memories
 *   (so distinct) and allowed, less what the name and date boosts can add
 *   (`lift`, relative to the window's best). Text search drops exactly such
 *   passages before boosting (text-search.ts, `reachable`), so its answer is
 *   the same, down to which memories it weighs for the name boost.
 *
 * The sums are the full ranking's to the last bit: each share is computed
 * by the same expression from the same weighted count, and a passage's
 * shares are added in query order starting from zero, as the full ranking
 * adds them. The weighted counts are summed in another order than the full
 * ranking's scatter; they are equal to the last bit while every weight is a
 * multiple of 2⁻²⁰ (0.5 per step is): the counts are whole numbers (at most
 * a passage's 300 words each), so every partial sum is a multiple of 2⁻²⁰
 * far below 2³³, held exactly by a double. Other weights keep the full
 * ranking (`prepareQuery` returns null), as do queries too sparse for this
 * to pay and queries whose shares would not fit the budget.
 */

/** Weights that are multiples of this add up exactly in any order (see above). */
const EXACT_WEIGHT_UNIT = 2 ** -20;
/** Relative slack on the reach, far above floating-point rounding (~1e-15). */
const SLACK = 1e-9;

/** Whether summed weighted counts equal the full ranking's to the last bit (see above). */
function exactSums(ranking: TextRanking): boolean {
  const weight = ranking.contextWeight;
  if (!(weight >= 0 && weight <= 1) || !Number.isInteger(ranking.contextDistance)) return false;
  for (let d = 0; d <= ranking.contextDistance; d++)
    if (!Number.isInteger(weight ** d / EXACT_WEIGHT_UNIT)) return false;
  return [ranking.askedWeight, ranking.askerWeight].every(
    (asked) => asked >= 0 && asked <= 1 && Number.isInteger(asked / EXACT_WEIGHT_UNIT),
  );
}

/**
 * Per-passage working arrays, shared by every vault of the isolate (ranking
 * is synchronous) and left zeroed after each use: a window's sums, and a
 * term's occurrences per passage while its shares are worked out.
 */
interface Scratch {
  sums: Float64Array;
  tally: Uint16Array;
  /** The passages a window returns and their scores, before they are copied out. */
  kept: Int32Array;
  keptScores: Float64Array;
  /**
   * The window whose sums `sums` still holds (every other entry is zero):
   * the same query's same window asked again (a window's fill asks for a
   * deeper pool) takes them as they are instead of adding the shares again.
   */
  summed: { scorer: QueryScorer; first: number; last: number } | null;
  /** Set while in use: a use that did not finish leaves the arrays dirty. */
  busy: boolean;
}

let shared: Scratch | null = null;

function scratchFor(passages: number): Scratch {
  if (shared === null || shared.busy || shared.sums.length < passages) {
    const size = Math.ceil(passages * 1.25); // room for a growing vault
    shared = {
      sums: new Float64Array(size),
      tally: new Uint16Array(size),
      kept: new Int32Array(size),
      keptScores: new Float64Array(size),
      summed: null,
      busy: false,
    };
  }
  return shared;
}

/**
 * Adding kept shares pays where a query's words are in most passages: a
 * window's sums then cost far less than the full ranking's spreading. Below
 * one occurrence per passage the full ranking, which touches only what the
 * postings reach, is as fast or faster (LoCoMo's questions, ~0.3
 * occurrences a passage, were 1.35× slower pruned, bench/hybrid-search.bench.ts).
 */
const PRUNE_FROM_OCCURRENCES_PER_PASSAGE = 1;

/**
 * The timeline's version at the last query each timeline was ranked for.
 * Working out a term's shares costs a little more than one full ranking of
 * it, and pays back from the next search at the same version on: so the
 * first query after a write (a vault written between every search) is
 * ranked in full, and shares are worked out only once a version was
 * searched before (a vault being read).
 */
const versionSearched = new WeakMap<TextTimeline, number>();

/**
 * A query prepared for ranking by kept shares, or null where the full
 * ranking is the better way (few occurrences, see above; the first query
 * at a version), or where this would not give its scores bit for bit
 * (weights that are not dyadic) or its shares might not fit the budget (8
 * bytes a passage and term at most).
 */
export function prepareQuery(
  timeline: TextTimeline,
  names: readonly string[],
  terms: readonly TermPostings[],
  ranking: TextRanking,
  shared?: SharedStatistics,
): QueryScorer | null {
  if (timeline.size === 0 || !exactSums(ranking)) return null;
  if (8 * timeline.size * terms.length > MAX_QUERY_IMPACT_BYTES) return null;
  let occurrences = 0;
  for (const term of terms) occurrences += term.seqs.length;
  if (occurrences < timeline.size * PRUNE_FROM_OCCURRENCES_PER_PASSAGE) return null;
  const searched = versionSearched.get(timeline);
  versionSearched.set(timeline, timeline.version);
  if (searched !== timeline.version) return null;
  return new QueryScorer(timeline, names, terms, ranking, shared);
}

/**
 * One query's terms' shares, from which each window is scored (`scoresIn`);
 * `current` while the timeline keeps the version they were made for.
 */
export class QueryScorer {
  private readonly version: number;
  /** The shares of the terms some passage holds, in query order. */
  private readonly impacts: TermImpacts[];

  /** `names[i]` is the term whose postings are `terms[i]`. */
  constructor(
    private readonly timeline: TextTimeline,
    names: readonly string[],
    terms: readonly TermPostings[],
    ranking: TextRanking,
    shared?: SharedStatistics,
  ) {
    const context = new PassageContext(timeline, ranking, shared?.averageWords);
    this.version = timeline.version;
    const scratch = scratchFor(timeline.size);
    scratch.busy = true;
    this.impacts = terms
      .map((term, at) =>
        termImpacts(timeline, context, names[at]!, term, ranking, scratch.tally, shared?.idfs[at]),
      )
      .filter((impacts) => impacts.shares.length > 0);
    scratch.busy = false;
  }

  /** Whether the shares are still true to the timeline. */
  get current(): boolean {
    return this.timeline.version === this.version;
  }

  /**
   * The passages of [start, end) that can be among the window's best
   * `limit` memories once boosts of at most `lift` (relative to the best)
   * are added, with their exact scores, in passage order. `allowed`: the
   * memories the window may answer.
   */
  scoresIn(
    start: number,
    end: number,
    limit: number,
    lift: number,
    allowed?: { has(seq: number): boolean },
  ): ScoredPassages {
    const { timeline } = this;
    const first = Math.max(0, start);
    const last = Math.min(end, timeline.size);
    if (first >= last || this.impacts.length === 0)
      return { passages: new Int32Array(0), scores: new Float64Array(0) };
    const scratch = scratchFor(timeline.size);
    scratch.busy = true;
    const sums = scratch.sums;
    const summed = scratch.summed;
    scratch.summed = null;
    if (
      summed === null ||
      summed.scorer !== this ||
      summed.first !== first ||
      summed.last !== last
    ) {
      // Another window's sums zeroed, then each term's shares added in query
      // order, as the full ranking adds them.
      if (summed !== null) sums.fill(0, summed.first, summed.last);
      addShares(sums, first, last, this.impacts);
    }
    // The window's best and the limit-th best whole memory (allowed), in one
    // pass. The passages that could change the pool when met are noted in
    // order (a few hundred of thousands); of the others only the best score.
    const pool = new WindowPool(limit);
    const { kept, keptScores } = scratch;
    let noted = 0;
    let passedOver = -Infinity;
    // The pool's bar, held in locals while the loop runs (it moves only when a passage joins).
    let bar = Math.min(pool.lowest, pool.best);
    for (let passage = first; passage < last; passage++) {
      const score = sums[passage]!;
      if (score === 0) continue; // not reached
      if (score <= bar) {
        if (score > passedOver) passedOver = score;
        continue;
      }
      kept[noted] = passage;
      keptScores[noted++] = score;
      if (allowed !== undefined && !allowed.has(timeline.seqAt(passage))) continue;
      pool.add(score, !timeline.chunked(passage));
      bar = Math.min(pool.lowest, pool.best);
    }
    const reach = pool.reach(lift);
    // The passages at or above it, in order: the noted ones, unless a passage
    // passed over reaches it too (the pool was not full yet, or boosts widen
    // the reach), then all of them again. Nothing passed over: the noted ones.
    let count = 0;
    if (passedOver < reach || passedOver === -Infinity) {
      for (let at = 0; at < noted; at++) {
        if (keptScores[at]! < reach) continue;
        kept[count] = kept[at]!;
        keptScores[count++] = keptScores[at]!;
      }
    } else {
      for (let passage = first; passage < last; passage++) {
        const score = sums[passage]!;
        if (score === 0 || score < reach) continue;
        kept[count] = passage;
        keptScores[count++] = score;
      }
    }
    // The sums are kept for this window asked again; the next other window zeroes them.
    scratch.summed = { scorer: this, first, last };
    const out: ScoredPassages = {
      passages: kept.slice(0, count),
      scores: keptScores.slice(0, count),
    };
    scratch.busy = false;
    return out;
  }
}

/**
 * What a window's pool needs of its scores: the best, and the limit-th best
 * of whole memories (a min-heap of the best `limit`).
 */
class WindowPool {
  private readonly heap: Float64Array;
  private size = 0;
  best = 0;
  /** The heap's least while full: a whole memory at or below it changes nothing. */
  lowest = -Infinity;

  constructor(private readonly limit: number) {
    this.heap = new Float64Array(limit);
  }

  add(score: number, whole: boolean): void {
    if (score > this.best) this.best = score;
    if (!whole || this.limit === 0) return;
    const heap = this.heap;
    if (this.size < this.limit) {
      let at = this.size++;
      while (at > 0) {
        const parent = (at - 1) >> 1;
        if (heap[parent]! <= score) break;
        heap[at] = heap[parent]!;
        at = parent;
      }
      heap[at] = score;
      if (this.size === this.limit) this.lowest = heap[0]!;
    } else if (score > heap[0]!) {
      this.replaceLowest(score);
      this.lowest = heap[0]!;
    }
  }

  /**
   * The lowest score that can still reach the pool once boosts of at most
   * `lift` (relative to the best) are added; -Infinity while fewer than
   * `limit` whole memories were met.
   */
  reach(lift: number): number {
    if (this.size < this.limit || this.limit === 0) return -Infinity;
    return this.heap[0]! * (1 - SLACK) - (lift + SLACK) * this.best * (1 + SLACK);
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
