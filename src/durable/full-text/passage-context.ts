import type { TextRanking } from './text-ranking';
import type { TextTimeline } from './text-timeline';

/**
 * What contextual ranking derives from a timeline's order and lengths and
 * would otherwise derive again on every query: each passage's neighbourhood
 * (the passages around it in the same stretch of conversation: no long
 * pause between them, and turns of one conversation rather than notes), its expanded
 * length and BM25's length term, filled in as queries reach passages (28
 * bytes a passage). Valid while the timeline's version and the context
 * settings are the ones it was made for; the length term also needs the
 * same k1 and b. Shared by the full ranking (text-ranker.ts) and the pruned
 * one (text-pruning.ts), so both read the same length terms.
 */
interface Neighbourhoods {
  version: number;
  distance: number;
  gap: number;
  contextWeight: number;
  askedWeight: number;
  askerWeight: number;
  /** First and last passage around each one; -1 until a query reaches it. */
  from: Int32Array;
  to: Int32Array;
  /** Expanded length of each passage; -1 until a query reaches it. */
  lengths: Float64Array;
  /** k1, b and the mean expanded length of `norms`. */
  k1: number;
  b: number;
  averageLength: number;
  /** BM25's `k1 · (1 − b + b · length / average)` of each passage; NaN until reached. */
  norms: Float64Array;
}

const neighbourhoodsOf = new WeakMap<TextTimeline, Neighbourhoods>();

function neighbourhoods(
  timeline: TextTimeline,
  ranking: TextRanking,
  averageLength: number,
): Neighbourhoods {
  const known = neighbourhoodsOf.get(timeline);
  if (
    known !== undefined &&
    known.version === timeline.version &&
    known.distance === ranking.contextDistance &&
    known.gap === ranking.contextGapMs &&
    known.contextWeight === ranking.contextWeight &&
    known.askedWeight === ranking.askedWeight &&
    known.askerWeight === ranking.askerWeight
  ) {
    if (known.k1 !== ranking.k1 || known.b !== ranking.b || known.averageLength !== averageLength) {
      known.k1 = ranking.k1;
      known.b = ranking.b;
      known.averageLength = averageLength;
      known.norms.fill(NaN);
    }
    return known;
  }
  const passages = timeline.size;
  const made: Neighbourhoods = {
    version: timeline.version,
    distance: ranking.contextDistance,
    gap: ranking.contextGapMs,
    contextWeight: ranking.contextWeight,
    askedWeight: ranking.askedWeight,
    askerWeight: ranking.askerWeight,
    from: new Int32Array(passages).fill(-1),
    to: new Int32Array(passages).fill(-1),
    lengths: new Float64Array(passages).fill(-1),
    k1: ranking.k1,
    b: ranking.b,
    averageLength,
    norms: new Float64Array(passages).fill(NaN),
  };
  neighbourhoodsOf.set(timeline, made);
  return made;
}

/**
 * One query's view of the timeline's neighbourhoods: the passages around a
 * passage, the weight of a neighbour by distance, and BM25's length term.
 */
export class PassageContext {
  /** First and last passage around each one, once `firstAround`/`lastAround` reached it. */
  readonly from: Int32Array;
  readonly to: Int32Array;
  /** `contextWeight ** d` for d = 0…contextDistance. */
  readonly weights: Float64Array;
  /** BM25's `k1 + 1`. */
  readonly saturation: number;
  /** BM25's length term of each passage, once `normOf` or `fill` reached it (NaN before). */
  readonly norms: Float64Array;
  private readonly lengths: Float64Array;
  private readonly passages: number;
  private readonly distance: number;
  private readonly gap: number;
  private readonly k1: number;
  private readonly b: number;
  private readonly askedWeight: number;
  private readonly askerWeight: number;
  /** Mean expanded length: BM25's average document length, that `norms` were worked out with. */
  readonly averageLength: number;

  /**
   * `averageWords`: the mean words per passage to normalise lengths by,
   * when a search over several vaults shares one (corpus-statistics.ts);
   * absent, this timeline's own. The timeline's kept length terms are made
   * again when it differs from the last query's, so a query must not keep
   * a context past another's of a different mean (each search ranks its
   * windows before the next search starts).
   */
  constructor(
    private readonly timeline: TextTimeline,
    ranking: TextRanking,
    averageWords = timeline.averageWords,
  ) {
    this.weights = Float64Array.from(
      { length: ranking.contextDistance + 1 },
      (_, d) => ranking.contextWeight ** d,
    );
    const spread = this.weights.reduce(
      (sum, weight, d) => sum + (d === 0 ? weight : 2 * weight),
      0,
    );
    // Mean expanded length; the few passages near either end have fewer neighbours.
    this.averageLength = Math.max(averageWords * spread, 1e-9);
    const hoods = neighbourhoods(timeline, ranking, this.averageLength);
    this.from = hoods.from;
    this.to = hoods.to;
    this.lengths = hoods.lengths;
    this.norms = hoods.norms;
    this.passages = timeline.size;
    this.distance = ranking.contextDistance;
    this.gap = ranking.contextGapMs;
    this.k1 = ranking.k1;
    this.b = ranking.b;
    this.askedWeight = ranking.askedWeight;
    this.askerWeight = ranking.askerWeight;
    this.saturation = ranking.k1 + 1;
  }

  /**
   * The weight at which `passage` borrows the words of `near`, a passage
   * within its neighbourhood: `weights` by distance, except between a
   * question and the turn just after it (`askedWeight`, `askerWeight`): a
   * reply is about the question it answers more than about what follows it.
   * Length terms and weighted counts both read it, so the ranking stays that
   * of each passage indexed with its neighbours' words at these weights.
   */
  weightOf(passage: number, near: number): number {
    if (near === passage - 1 && this.timeline.asksAt(near)) return this.askedWeight;
    if (near === passage + 1 && this.timeline.asksAt(passage)) return this.askerWeight;
    return this.weights[near > passage ? near - passage : passage - near]!;
  }

  /**
   * The first passage around `passage` in the same stretch of conversation:
   * a pause longer than the gap ends it, and so does a neighbour that is not
   * a turn of the same conversation (a note stored beside it, turn-voices.ts).
   */
  firstAround(passage: number): number {
    const known = this.from[passage]!;
    if (known >= 0) return known;
    const timeline = this.timeline;
    let first = passage;
    // Small talk alone borrows nothing: its neighbourhood is itself.
    while (
      !timeline.smallTalkAt(passage) &&
      first > 0 &&
      passage - first < this.distance &&
      timeline.timeAt(first) - timeline.timeAt(first - 1) <= this.gap &&
      timeline.continuesPrevious(first)
    )
      first--;
    this.from[passage] = first;
    return first;
  }

  /** The last passage around `passage` in the same stretch of conversation (as `firstAround`). */
  lastAround(passage: number): number {
    const known = this.to[passage]!;
    if (known >= 0) return known;
    const timeline = this.timeline;
    let last = passage;
    while (
      !timeline.smallTalkAt(passage) &&
      last < this.passages - 1 &&
      last - passage < this.distance &&
      timeline.timeAt(last + 1) - timeline.timeAt(last) <= this.gap &&
      timeline.continuesPrevious(last + 1)
    )
      last++;
    this.to[passage] = last;
    return last;
  }

  /** Makes `from`, `to` and `norms` known for the passages [first, last). */
  fill(first: number, last: number): void {
    const norms = this.norms;
    for (let passage = first; passage < last; passage++) {
      const known = norms[passage]!;
      if (known !== known) this.normOf(passage); // NaN: not yet
    }
  }

  /** BM25's length term of a passage, `k1 · (1 − b + b · length / average)`. */
  normOf(passage: number): number {
    const known = this.norms[passage]!;
    if (known === known) return known; // not NaN: known
    let length = this.lengths[passage]!;
    if (length < 0) {
      length = 0;
      const last = this.lastAround(passage);
      for (let near = this.firstAround(passage); near <= last; near++)
        if (near === passage || !this.timeline.smallTalkAt(near))
          length += this.weightOf(passage, near) * this.timeline.wordsAt(near);
      this.lengths[passage] = length;
    }
    const norm = this.k1 * (1 - this.b + (this.b * length) / this.averageLength);
    this.norms[passage] = norm;
    return norm;
  }
}
