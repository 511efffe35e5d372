import { termIdf } from './text-ranker';
import type { TermPostings } from './term-postings';
import type { TextRanking } from './text-ranking';

/**
 * How many distinct memories a term's postings name. fts5vocab lists a
 * term's instances by document, so they are the changes of seq; a list out
 * of order is counted with a set.
 */
export function holdersOf(seqs: ArrayLike<number>): number {
  let count = 0;
  for (let i = 0; i < seqs.length; i++) {
    if (i > 0 && seqs[i]! < seqs[i - 1]!) return new Set(Array.from(seqs)).size;
    if (i === 0 || seqs[i] !== seqs[i - 1]) count++;
  }
  return count;
}

/**
 * The BM25 of a memory of average length that holds each query term once,
 * among `passages` passages: the sum of the terms' idf (with saturation
 * k1 + 1, one occurrence at average length scores exactly its idf). A term
 * no memory holds counts at its idf for no holder, so a vault holding only
 * some of the query's words cannot reach it. The unit of TEXT scores and of
 * HYBRID's text side (score-fusion.ts's textEvidence): a score on it means
 * the same in every vault. Memories
 * are counted where the ranking counts passages, so for a vault of long
 * memories (indexed in overlapping chunks) the idf is a little higher.
 */
export function fullMatchScore(
  terms: readonly TermPostings[],
  passages: number,
  ranking: TextRanking,
): number {
  let sum = 0;
  for (const postings of terms)
    sum += termIdf(ranking, passages, postings.holders ?? holdersOf(postings.seqs));
  return sum;
}

/**
 * The full match of a query that names a date and no word to search for
 * ("what did I do on 2026-10-04"): the date counts as one word no memory
 * holds, as the month's name of "October 4th 2026" does in a vault that never
 * says "October". Without a unit the memories its date finds would score 0,
 * and HYBRID (and so chat) would drop them as matching nothing.
 */
export function dateOnlyFullMatch(passages: number, ranking: TextRanking): number {
  return termIdf(ranking, passages, 0);
}
