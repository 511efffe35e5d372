import { affordable, registerCache } from '../hot-tier/hot-budget';
import type { PassageContext } from './passage-context';
import { termIdf } from './text-ranker';
import type { TermPostings } from './term-postings';
import type { TextRanking } from './text-ranking';
import type { TextTimeline } from './text-timeline';

/**
 * A term's share of contextual BM25 in every passage it reaches (holds, or
 * neighbours one that holds it): `idf · g(f)`, f the term's weighted count
 * over the passage's neighbourhood. Nothing in it depends on the query: the
 * idf counts the passages holding the term, the length term is the
 * passage's, both fixed while the timeline keeps its version. So a term's
 * shares are worked out once, kept until the next write, and a query's
 * score of a passage is the sum of its terms' shares, added in query order,
 * as the full ranking adds them (text-ranker.ts): the same double, bit for
 * bit (the weighted counts are exact in any order, text-pruning.ts).
 *
 * Shares are held densely over the stretch the term reaches, or, for a term
 * reaching under a quarter of that stretch, as a list of passages.
 */
export interface TermImpacts {
  /** First passage of `shares` (dense), or -1 when the passages are listed. */
  readonly lo: number;
  /** Listed passages in order (sparse), else empty. */
  readonly passages: Int32Array;
  /** Share of each passage lo… (dense; 0 where not reached), or of each listed passage. */
  readonly shares: Float64Array;
  /** Bytes held. */
  readonly bytes: number;
}

/** Below this share of its stretch reached, a term's shares are listed (12 bytes each) rather than dense (8). */
const DENSE_SHARE = 0.25;

/** Kept under the timeline's number and the term (`timelineIds`: kept shares do not keep a vault's timeline alive). */
interface Kept {
  version: number;
  /** The ranking settings the shares were computed with. */
  settings: string;
  impacts: TermImpacts;
}

/**
 * Shares of the isolate's recently searched terms, least recently used out
 * first past `MAX_IMPACT_BYTES`. Every vault of the isolate shares the
 * budget: a dense term of a 10,000-passage vault takes 80 KB, so bench:api's
 * whole 84-word vocabulary 6.7 MB, and its three searched vaults 20 MB
 * (below that, a search over all three would keep working out shares the
 * last one dropped). Keyed by the timeline's number and the term (not by
 * the postings object, which the vault's postings cache may replace or let
 * go); any write changes the timeline's version, which makes every kept
 * share of it stale. The bytes count in the isolate's hot budget
 * (hot-budget.ts) and are let go, oldest first, when a vector index needs
 * them: hot vectors come before a cache of text scores.
 */
export const MAX_IMPACT_BYTES = 24 * 2 ** 20;
/** The most one query's shares may take (8 bytes a passage and term at most): past it, the full ranking. */
export const MAX_QUERY_IMPACT_BYTES = 6 * 2 ** 20;
const kept = new Map<string, Kept>();
let keptBytes = 0;

/** Lets the least recently used shares go until `keptBytes` is at most `limit`. */
function keepAtMost(limit: number): void {
  for (const [key, entry] of kept) {
    if (keptBytes <= limit) break;
    kept.delete(key);
    keptBytes -= entry.impacts.bytes;
  }
}

registerCache({
  get memoryBytes() {
    return keptBytes;
  },
  release(bytes: number) {
    keepAtMost(Math.max(0, keptBytes - bytes));
  },
});
const timelineIds = new WeakMap<TextTimeline, number>();
let timelinesNumbered = 0;

function timelineId(timeline: TextTimeline): number {
  let id = timelineIds.get(timeline);
  if (id === undefined) {
    id = ++timelinesNumbered;
    timelineIds.set(timeline, id);
  }
  return id;
}

/**
 * The settings shares depend on, as one string, written once per ranking
 * object (a query's terms all ask with the same one; writing out its
 * numbers for each term was most of a kept term's look-up).
 */
const settingsWritten = new WeakMap<TextRanking, string>();

function settingsOf(ranking: TextRanking): string {
  let settings = settingsWritten.get(ranking);
  if (settings === undefined) {
    const { k1, b, contextWeight, contextDistance, askedWeight, askerWeight, contextGapMs, idf } =
      ranking;
    settings = `${k1}/${b}/${contextWeight}/${contextDistance}/${askedWeight}/${askerWeight}/${contextGapMs}/${idf}`;
    settingsWritten.set(ranking, settings);
  }
  return settings;
}

/**
 * The shares of `term` (`name`, its postings) on this version of the
 * timeline, worked out now if not kept. `idf`: the term's idf over every
 * vault of a search (corpus-statistics.ts; before its weight), kept apart
 * from the vault's own, as are shares of another mean length (`context`).
 */
export function termImpacts(
  timeline: TextTimeline,
  context: PassageContext,
  name: string,
  term: TermPostings,
  ranking: TextRanking,
  tally: Uint16Array,
  idf?: number,
): TermImpacts {
  const settings = settingsOf(ranking);
  const id = timelineId(timeline);
  // Shares with a search's shared statistics (corpus-statistics.ts) are kept
  // apart from the vault's own, so that a vault searched both alone and with
  // others does not work its shares out again at every switch.
  const key =
    idf === undefined ? `${id}\n${name}` : `${id}\n${name}\n${idf}/${context.averageLength}`;
  const known = kept.get(key);
  if (known !== undefined) {
    kept.delete(key);
    if (known.version === timeline.version && known.settings === settings) {
      kept.set(key, known);
      return known.impacts;
    }
    keptBytes -= known.impacts.bytes;
  }
  const impacts = computeImpacts(timeline, context, term, ranking, tally, idf);
  if (impacts.bytes <= MAX_QUERY_IMPACT_BYTES) {
    keepAtMost(MAX_IMPACT_BYTES - impacts.bytes);
    // Within the cache's own cap, and within what the isolate's indexes leave.
    if (affordable(impacts.bytes)) {
      kept.set(key, { version: timeline.version, settings, impacts });
      keptBytes += impacts.bytes;
    }
  }
  return impacts;
}

const NONE: TermImpacts = {
  lo: -1,
  passages: new Int32Array(0),
  shares: new Float64Array(0),
  bytes: 0,
};

function computeImpacts(
  timeline: TextTimeline,
  context: PassageContext,
  term: TermPostings,
  ranking: TextRanking,
  tally: Uint16Array,
  sharedIdf: number | undefined,
): TermImpacts {
  const passages = timeline.size;
  // Occurrences per holding passage, as the full ranking counts them.
  const holders: number[] = [];
  const scratch: number[] = [];
  for (let i = 0; i < term.seqs.length; i++) {
    const seq = term.seqs[i]!;
    const first = timeline.firstPassageOf(seq);
    if (first < 0 || !timeline.counts(seq, term.offsets[i]!)) continue;
    if (first + 1 >= passages || timeline.seqAt(first + 1) !== seq) {
      // The common case: a memory indexed whole.
      if (tally[first] === 0) holders.push(first);
      tally[first]! += 1;
      continue;
    }
    scratch.length = 0;
    timeline.passagesHolding(seq, term.offsets[i]!, scratch);
    for (const passage of scratch) {
      if (tally[passage] === 0) holders.push(passage);
      tally[passage]! += 1;
    }
  }
  if (holders.length === 0) return NONE;
  const held = holders.length;
  // As the full ranking computes it, to the last bit.
  const idf = (sharedIdf ?? termIdf(ranking, passages, held)) * (term.weight ?? 1);
  let lo = passages;
  let hi = -1;
  let reachedAtMost = 0;
  for (const passage of holders) {
    const first = context.firstAround(passage);
    const last = context.lastAround(passage);
    if (first < lo) lo = first;
    if (last > hi) hi = last;
    reachedAtMost += last - first + 1;
  }
  // Each holder's count spread over its neighbourhood (the weighted counts).
  const { from, to, saturation } = context;
  const counts = new Float64Array(hi - lo + 1);
  for (const passage of holders) {
    const occurrences = tally[passage]!;
    tally[passage] = 0;
    const last = to[passage]!;
    for (let near = from[passage]!; near <= last; near++)
      if (near === passage || !timeline.smallTalkAt(near))
        counts[near - lo]! += context.weightOf(near, passage) * occurrences;
  }
  const share = (passage: number, frequency: number) =>
    (idf * frequency * saturation) / (frequency + context.normOf(passage));
  if (reachedAtMost >= DENSE_SHARE * counts.length) {
    for (let at = 0; at < counts.length; at++) {
      const frequency = counts[at]!;
      if (frequency !== 0) counts[at] = share(lo + at, frequency);
    }
    return { lo, passages: NONE.passages, shares: counts, bytes: counts.byteLength };
  }
  let reached = 0;
  for (let at = 0; at < counts.length; at++) if (counts[at] !== 0) reached++;
  const listed = new Int32Array(reached);
  const shares = new Float64Array(reached);
  for (let at = 0, k = 0; at < counts.length; at++) {
    const frequency = counts[at]!;
    if (frequency === 0) continue;
    listed[k] = lo + at;
    shares[k++] = share(lo + at, frequency);
  }
  return { lo: -1, passages: listed, shares, bytes: listed.byteLength + shares.byteLength };
}
