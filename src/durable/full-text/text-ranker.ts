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
import { PassageContext } from './passage-context';
import type { TextRanking } from './text-ranking';
import type { TextTimeline } from './text-timeline';
import type { TermPostings } from './term-postings';

/**
 * Passages that hold a query term or neighbour one, with their BM25 scores:
 * `passages[i]` scored `scores[i]`, in passage (time) order, so a window's
 * passages are one run of them (`passagesIn`).
 */
export interface ScoredPassages {
  passages: Int32Array;
  scores: Float64Array;
}

/** The run of `scored` whose passages lie in [start, end): indexes [from, to). */
export function passagesIn(
  scored: ScoredPassages,
  start: number,
  end: number,
): { from: number; to: number } {
  return { from: lowerBound(scored.passages, start), to: lowerBound(scored.passages, end) };
}

/** The first index of `sorted` whose value is not below `value`. */
export function lowerBound(sorted: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Per-passage working arrays of one query, left zeroed after it. Ranking is
 * synchronous, so every vault of the isolate shares one set, sized to the
 * largest timeline ranked (32 bytes a passage).
 */
interface Scratch {
  own: Float64Array;
  expanded: Float64Array;
  score: Float64Array;
  /** A term's passages holding it, then the passages it reached (sparse terms). */
  hits: Int32Array;
  reached: Int32Array;
  /** Passages scored, while every term so far was sparse. */
  candidates: Int32Array;
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
      hits: new Int32Array(size),
      reached: new Int32Array(size),
      candidates: new Int32Array(size),
      busy: false,
    };
  }
  return shared;
}

/**
 * A search over several vaults' statistics, for one query's terms
 * (corpus-statistics.ts): the mean words per passage over all of them, and
 * each term's idf among all their passages (`terms` order; before the
 * term's weight). Absent, a vault ranks with its own.
 */
export interface SharedStatistics {
  averageWords: number;
  idfs: readonly (number | undefined)[];
}

/**
 * A term whose neighbourhoods cover more than this share of the passages
 * between its first and last is scored by sweeping that stretch rather than
 * by listing the passages it reached: on a corpus where a query's words are
 * in most memories (bench:api's), the list costs a test and a store per
 * neighbour of every hit and finds nearly every passage anyway.
 */
const DENSE_SHARE = 0.25;

/**
 * A term's idf among `passages` passages of which `holding` hold it: the
 * probabilistic ln(1 + (N − n + 0.5)/(n + 0.5)), or FTS5's own (floored just
 * above 0).
 */
export function termIdf(ranking: TextRanking, passages: number, holding: number): number {
  return ranking.idf === 'probabilistic'
    ? Math.log(1 + (passages - holding + 0.5) / (holding + 0.5))
    : Math.max(Math.log((passages - holding + 0.5) / (holding + 0.5)), 1e-6);
}

/**
 * BM25 scores of every passage that holds a query term or neighbours one.
 *
 * Per term: the postings are counted per passage, each holding passage
 * spreads its count over its neighbourhood (`expanded`), and every passage
 * reached adds the term's BM25 to its score. The additions per passage
 * happen in the same order whichever way a term is swept (terms in query
 * order; a passage's expanded count in the order of the term's postings), so
 * the sparse and the dense sweep give the same floating-point scores.
 */
export function rankPassages(
  timeline: TextTimeline,
  terms: readonly TermPostings[],
  ranking: TextRanking,
  shared?: SharedStatistics,
): ScoredPassages {
  const passages = timeline.size;
  if (passages === 0) return { passages: new Int32Array(0), scores: new Float64Array(0) };
  const context = new PassageContext(timeline, ranking, shared?.averageWords);
  const { from, to, saturation } = context;
  const scratch = scratchFor(passages);
  scratch.busy = true;
  const { own, expanded, score, hits, reached, candidates } = scratch;

  let candidateCount = 0;
  // Once a term is swept densely, candidates are found by sweeping too.
  let dense = false;
  let lo = passages;
  let hi = -1;
  const holding: number[] = [];

  for (let t = 0; t < terms.length; t++) {
    const term = terms[t]!;
    let hitCount = 0;
    for (let i = 0; i < term.seqs.length; i++) {
      const seq = term.seqs[i]!;
      const first = timeline.firstPassageOf(seq);
      if (first < 0 || !timeline.counts(seq, term.offsets[i]!)) continue;
      if (first + 1 >= passages || timeline.seqAt(first + 1) !== seq) {
        // The common case: a memory indexed whole.
        if (own[first] === 0) hits[hitCount++] = first;
        own[first]! += 1;
        continue;
      }
      holding.length = 0;
      timeline.passagesHolding(seq, term.offsets[i]!, holding);
      for (const passage of holding) {
        if (own[passage] === 0) hits[hitCount++] = passage;
        own[passage]! += 1;
      }
    }
    if (hitCount === 0) continue;
    const idf = (shared?.idfs[t] ?? termIdf(ranking, passages, hitCount)) * (term.weight ?? 1);

    // Spread each holding passage's count over its neighbourhood.
    let termLo = passages;
    let termHi = -1;
    let spreadTo = 0;
    for (let h = 0; h < hitCount; h++) {
      const passage = hits[h]!;
      const first = context.firstAround(passage);
      const last = context.lastAround(passage);
      if (first < termLo) termLo = first;
      if (last > termHi) termHi = last;
      spreadTo += last - first + 1;
    }
    const sweep = spreadTo >= DENSE_SHARE * (termHi - termLo + 1);
    let reachedCount = 0;
    for (let h = 0; h < hitCount; h++) {
      const passage = hits[h]!;
      const frequency = own[passage]!;
      own[passage] = 0;
      const last = to[passage]!;
      for (let near = from[passage]!; near <= last; near++) {
        if (near !== passage && timeline.smallTalkAt(near)) continue; // borrows nothing
        if (!sweep && expanded[near] === 0) reached[reachedCount++] = near;
        expanded[near]! += context.weightOf(near, passage) * frequency;
      }
    }

    if (sweep) {
      if (!dense) {
        dense = true;
        for (let c = 0; c < candidateCount; c++) {
          const passage = candidates[c]!;
          if (passage < lo) lo = passage;
          if (passage > hi) hi = passage;
        }
      }
      if (termLo < lo) lo = termLo;
      if (termHi > hi) hi = termHi;
      for (let passage = termLo; passage <= termHi; passage++) {
        const frequency = expanded[passage]!;
        if (frequency === 0) continue;
        expanded[passage] = 0;
        score[passage]! += (idf * frequency * saturation) / (frequency + context.normOf(passage));
      }
      continue;
    }
    for (let r = 0; r < reachedCount; r++) {
      const passage = reached[r]!;
      const frequency = expanded[passage]!;
      expanded[passage] = 0;
      // Every term's share is positive, so a zero score is a passage not yet scored.
      if (score[passage] === 0) {
        if (dense) {
          if (passage < lo) lo = passage;
          if (passage > hi) hi = passage;
        } else candidates[candidateCount++] = passage;
      }
      score[passage]! += (idf * frequency * saturation) / (frequency + context.normOf(passage));
    }
  }

  let out: ScoredPassages;
  if (dense) {
    let count = 0;
    for (let passage = lo; passage <= hi; passage++) if (score[passage] !== 0) count++;
    out = { passages: new Int32Array(count), scores: new Float64Array(count) };
    let at = 0;
    for (let passage = lo; passage <= hi; passage++) {
      const value = score[passage]!;
      if (value === 0) continue;
      out.passages[at] = passage;
      out.scores[at++] = value;
      score[passage] = 0;
    }
  } else {
    const scoredPassages = candidates.slice(0, candidateCount).sort();
    out = { passages: scoredPassages, scores: new Float64Array(candidateCount) };
    for (let c = 0; c < candidateCount; c++) {
      const passage = scoredPassages[c]!;
      out.scores[c] = score[passage]!;
      score[passage] = 0;
    }
  }
  scratch.busy = false;
  return out;
}
