import type { TextTimeline } from './text-timeline';

/**
 * Full-text ranking of a vault's passages: BM25 with tunable k1 and b, each
 * passage scored together with its neighbours' words at lower weight.
 *
 * A memory's meaning often lives in what was said just before and after it
 * ("yes, I went there last week"). Indexing every memory with its neighbours'
 * text would mean rewriting eight rows of the full-text index on each write;
 * instead the expansion happens here, at query time, from the index's own
 * postings: a passage's term frequency and length are the weighted sums of its
 * own and its neighbours' (weight `contextWeight` per step of distance, up to
 * `contextDistance` steps), which ranks exactly as if that text had been
 * indexed with it, and stays current as neighbours arrive or are backfilled.
 * Document frequencies count each passage's own words only; the mean
 * expanded length is estimated as the mean length times the sum of weights.
 */
export interface TextRanking {
  /** BM25 term-frequency saturation. */
  k1: number;
  /** BM25 length normalisation. */
  b: number;
  /** Weight of a neighbour one step away; two steps: its square, and so on. */
  contextWeight: number;
  /** Neighbours on each side that contribute. */
  contextDistance: number;
  /**
   * A pause longer than this between two memories ends the context: what was
   * said days apart is not one conversation.
   */
  contextGapMs: number;
  /**
   * Added to the relative score (best = 1) of memories said by a person the
   * query names: a boost, not a filter, so other memories still compete.
   */
  nameBoost: number;
  /**
   * Added to the relative score of memories stored on a day the query names
   * ("on 8 May, 2023"), or in a month it names ("in July 2023"): what was
   * said then is what such a question asks about.
   */
  dayBoost: number;
  monthBoost: number;
  /**
   * Inverse document frequency: `probabilistic` is ln(1 + (N − n + 0.5) / (n + 0.5))
   * (Lucene's), never negative, so a term held by most memories (a speaker's
   * name in a two-person conversation) still counts a little; `fts5` is
   * FTS5's ln((N − n + 0.5) / (n + 0.5)) floored at 1e-6, which ranks such
   * terms as if absent. Kept for the recall ablation.
   */
  idf: 'probabilistic' | 'fts5';
  /** Query stopwords: the full list, or the package's basic one (ablation only). */
  stopwords: 'full' | 'basic';
}

/**
 * Chosen on LoCoMo's dev split (BENCHMARKS.md, "Recall"): k1 0.6 and b 0.5
 * suit short memories (FTS5's fixed 1.2/0.75 saturate and normalise too
 * hard), and with context in, nearby values rank within ±0.01 of each other.
 * 0.5 per step over ±4 neighbours is the setting of the issue's study; a
 * 30-minute pause is the usual cut between sessions of activity. The name
 * boost is the middle of the range the study found useful (+0.2–0.3). The
 * date boosts sit on a plateau (day 0.25–1, month 0.1–0.5 within ±0.005);
 * a named day counts twice a named month, being twice as specific at least.
 */
export const DEFAULT_TEXT_RANKING: TextRanking = {
  k1: 0.6,
  b: 0.5,
  contextWeight: 0.5,
  contextDistance: 4,
  contextGapMs: 30 * 60_000,
  nameBoost: 0.25,
  dayBoost: 0.5,
  monthBoost: 0.25,
  idf: 'probabilistic',
  stopwords: 'full',
};

/** One query term's postings: (memory seq, word offset) per occurrence. */
export interface TermPostings {
  seqs: ArrayLike<number>;
  offsets: ArrayLike<number>;
}

/**
 * Passages that hold a query term or neighbour one, with their BM25 scores:
 * `passages[i]` scored `scores[i]`, in the order they were first reached.
 */
export interface ScoredPassages {
  passages: Int32Array;
  scores: Float64Array;
}

/**
 * What ranking derives from a timeline's order and lengths and would
 * otherwise derive again on every query: each passage's neighbourhood (the
 * passages around it in the same stretch of conversation) and its expanded
 * length, filled in as queries reach passages (16 bytes a passage). Valid
 * while the timeline's version and the context settings are the ones it was
 * made for.
 */
interface Neighbourhoods {
  version: number;
  distance: number;
  gap: number;
  contextWeight: number;
  /** First and last passage around each one; -1 until a query reaches it. */
  from: Int32Array;
  to: Int32Array;
  /** Expanded length of each passage; -1 until a query reaches it. */
  lengths: Float64Array;
}

const neighbourhoodsOf = new WeakMap<TextTimeline, Neighbourhoods>();

function neighbourhoods(timeline: TextTimeline, ranking: TextRanking): Neighbourhoods {
  const known = neighbourhoodsOf.get(timeline);
  if (
    known !== undefined &&
    known.version === timeline.version &&
    known.distance === ranking.contextDistance &&
    known.gap === ranking.contextGapMs &&
    known.contextWeight === ranking.contextWeight
  ) {
    return known;
  }
  const passages = timeline.size;
  const made: Neighbourhoods = {
    version: timeline.version,
    distance: ranking.contextDistance,
    gap: ranking.contextGapMs,
    contextWeight: ranking.contextWeight,
    from: new Int32Array(passages).fill(-1),
    to: new Int32Array(passages).fill(-1),
    lengths: new Float64Array(passages).fill(-1),
  };
  neighbourhoodsOf.set(timeline, made);
  return made;
}

/**
 * Per-passage working arrays of one query, left zeroed after it. Ranking is
 * synchronous, so every vault of the isolate shares one set, sized to the
 * largest timeline ranked (25 bytes a passage).
 */
interface Scratch {
  own: Float64Array;
  expanded: Float64Array;
  score: Float64Array;
  candidate: Uint8Array;
  /** Set during a query: one that did not finish leaves the arrays dirty. */
  busy: boolean;
}

let shared: Scratch | null = null;

function scratchFor(passages: number): Scratch {
  if (shared === null || shared.busy || shared.own.length < passages) {
    const size = Math.ceil(passages * 1.25); // room for a growing vault
    shared = {
      own: new Float64Array(size),
      expanded: new Float64Array(size),
      score: new Float64Array(size),
      candidate: new Uint8Array(size),
      busy: false,
    };
  }
  return shared;
}

/** BM25 scores of every passage that holds a query term or neighbours one. */
export function rankPassages(
  timeline: TextTimeline,
  terms: readonly TermPostings[],
  ranking: TextRanking,
): ScoredPassages {
  const passages = timeline.size;
  if (passages === 0) return { passages: new Int32Array(0), scores: new Float64Array(0) };
  const { k1, b, contextDistance: distance, contextGapMs: gap } = ranking;
  const { from, to, lengths: expandedLength } = neighbourhoods(timeline, ranking);
  const scratch = scratchFor(passages);
  scratch.busy = true;
  const { own, expanded, score, candidate } = scratch;
  // The passages around one in the same stretch of conversation: [first, last].
  const firstAround = (passage: number): number => {
    const known = from[passage]!;
    if (known >= 0) return known;
    let first = passage;
    while (
      first > 0 &&
      passage - first < distance &&
      timeline.timeAt(first) - timeline.timeAt(first - 1) <= gap
    )
      first--;
    from[passage] = first;
    return first;
  };
  const lastAround = (passage: number): number => {
    const known = to[passage]!;
    if (known >= 0) return known;
    let last = passage;
    while (
      last < passages - 1 &&
      last - passage < distance &&
      timeline.timeAt(last + 1) - timeline.timeAt(last) <= gap
    )
      last++;
    to[passage] = last;
    return last;
  };
  const weights = Array.from({ length: distance + 1 }, (_, d) => ranking.contextWeight ** d);
  const spread = weights.reduce((sum, weight, d) => sum + (d === 0 ? weight : 2 * weight), 0);
  // Mean expanded length; the few passages near either end have fewer neighbours.
  const averageLength = Math.max(timeline.averageWords * spread, 1e-9);

  const candidates: number[] = [];
  const holding: number[] = [];
  const hit: number[] = [];
  const reached: number[] = [];

  for (const term of terms) {
    hit.length = 0;
    for (let i = 0; i < term.seqs.length; i++) {
      const seq = term.seqs[i]!;
      const first = timeline.firstPassageOf(seq);
      if (first < 0) continue;
      if (first + 1 >= passages || timeline.seqAt(first + 1) !== seq) {
        // The common case: a memory indexed whole.
        if (own[first] === 0) hit.push(first);
        own[first]! += 1;
        continue;
      }
      holding.length = 0;
      timeline.passagesHolding(seq, term.offsets[i]!, holding);
      for (const passage of holding) {
        if (own[passage] === 0) hit.push(passage);
        own[passage]! += 1;
      }
    }
    if (hit.length === 0) continue;
    const idf =
      ranking.idf === 'probabilistic'
        ? Math.log(1 + (passages - hit.length + 0.5) / (hit.length + 0.5))
        : Math.max(Math.log((passages - hit.length + 0.5) / (hit.length + 0.5)), 1e-6);

    reached.length = 0;
    for (const passage of hit) {
      const frequency = own[passage]!;
      own[passage] = 0;
      const last = lastAround(passage);
      for (let near = firstAround(passage); near <= last; near++) {
        if (expanded[near] === 0) reached.push(near);
        expanded[near]! += weights[Math.abs(near - passage)]! * frequency;
      }
    }
    for (const passage of reached) {
      let length = expandedLength[passage]!;
      if (length < 0) {
        length = 0;
        const last = lastAround(passage);
        for (let near = firstAround(passage); near <= last; near++)
          length += weights[Math.abs(near - passage)]! * timeline.wordsAt(near);
        expandedLength[passage] = length;
      }
      const frequency = expanded[passage]!;
      expanded[passage] = 0;
      score[passage]! +=
        (idf * frequency * (k1 + 1)) / (frequency + k1 * (1 - b + (b * length) / averageLength));
      if (candidate[passage] === 0) {
        candidate[passage] = 1;
        candidates.push(passage);
      }
    }
  }
  const out: ScoredPassages = {
    passages: Int32Array.from(candidates),
    scores: new Float64Array(candidates.length),
  };
  candidates.forEach((passage, i) => {
    out.scores[i] = score[passage]!;
    score[passage] = 0;
    candidate[passage] = 0;
  });
  scratch.busy = false;
  return out;
}
