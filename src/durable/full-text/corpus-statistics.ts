import type { TextTimeline } from './text-timeline';
import type { TermPostings } from './term-postings';
import { holdersOf } from './full-match';

/**
 * BM25's word statistics over every vault of a search: passages, words,
 * and per query word how many passages hold it. A vault ranks with its
 * own statistics when searched alone; searched with others, a word's idf
 * and the mean length come from all of them (`SearchRequest.corpus`).
 * Otherwise a name in every other turn of a person's own session is
 * "common" there and rare in another vault, so a passing mention of the
 * person elsewhere outranks what they said themselves; with shared
 * statistics the same memory scores the same in whichever vault it is.
 *
 * `holding` is keyed by query term (`termKey`): the passages holding the
 * term as written or spelt otherwise, those holding its near misses (a
 * typo's stand-ins, `nearKey`), and the memories holding either, which the
 * full-match unit counts (`fullKey`). Plain data: it crosses RPC.
 */
export interface CorpusStatistics {
  passages: number;
  words: number;
  holding: Record<string, number>;
}

/** The statistics key of a query term's own occurrences. */
export function termKey(term: string): string {
  return term;
}

/** The statistics key of a query term's near misses (never part of a term). */
export function nearKey(term: string): string {
  return `${term}\n~`;
}

/** The statistics key of the memories the full-match unit counts for a term. */
export function fullKey(term: string): string {
  return `${term}\n+`;
}

/** Several vaults' statistics as one corpus. */
export function addStatistics(parts: readonly CorpusStatistics[]): CorpusStatistics {
  const sum: CorpusStatistics = { passages: 0, words: 0, holding: {} };
  for (const part of parts) {
    sum.passages += part.passages;
    sum.words += part.words;
    for (const [key, count] of Object.entries(part.holding))
      sum.holding[key] = (sum.holding[key] ?? 0) + count;
  }
  return sum;
}

/**
 * `kept` raised wherever one vault's own counts exceed it: a corpus can
 * never hold fewer passages, words or holders of a word than one of its
 * vaults. Each figure stays consistent (no word held by more passages than
 * the corpus has), since both sides are.
 */
export function atLeastOwn(kept: CorpusStatistics, own: CorpusStatistics): CorpusStatistics {
  const holding = { ...kept.holding };
  for (const [key, count] of Object.entries(own.holding))
    holding[key] = Math.max(holding[key] ?? 0, count);
  return {
    passages: Math.max(kept.passages, own.passages),
    words: Math.max(kept.words, own.words),
    holding,
  };
}

/**
 * How many passages of `timeline` hold an occurrence of `term`, counted
 * as the ranking counts a term's holders (text-ranker.ts): a memory
 * indexed whole is one passage, one in chunks each chunk holding it.
 */
export function passagesHolding(timeline: TextTimeline, term: TermPostings): number {
  // No memory in chunks: a passage per memory, and the postings count those.
  if (timeline.size === timeline.memoryCount) return term.holders ?? holdersOf(term.seqs);
  const held = new Set<number>();
  const chunks: number[] = [];
  for (let i = 0; i < term.seqs.length; i++) {
    const seq = term.seqs[i]!;
    const first = timeline.firstPassageOf(seq);
    if (first < 0) continue;
    if (first + 1 >= timeline.size || timeline.seqAt(first + 1) !== seq) {
      held.add(first);
      continue;
    }
    chunks.length = 0;
    timeline.passagesHolding(seq, term.offsets[i]!, chunks);
    for (const passage of chunks) held.add(passage);
  }
  return held.size;
}
