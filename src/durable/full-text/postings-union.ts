import { holdersOf } from './full-match';
import type { TermPostings } from './term-postings';

/**
 * The occurrences of several terms as one term's ("sœur" and "soeur"; "1450"
 * and "1 450"), in (memory, word offset) order as the index lists a term's,
 * each occurrence once.
 */
export function unitePostings(lists: readonly TermPostings[]): TermPostings {
  const filled = lists.filter((list) => list.seqs.length > 0);
  if (filled.length === 1) return filled[0]!;
  const pairs: [number, number][] = [];
  for (const list of filled)
    for (let i = 0; i < list.seqs.length; i++) pairs.push([list.seqs[i]!, list.offsets[i]!]);
  pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const seqs: number[] = [];
  const offsets: number[] = [];
  for (const [seq, offset] of pairs) {
    if (seq === seqs.at(-1) && offset === offsets.at(-1)) continue;
    seqs.push(seq);
    offsets.push(offset);
  }
  return { seqs, offsets, holders: holdersOf(seqs) };
}

/**
 * Where the terms occur one right after the other, as a phrase: the memory
 * and the offset of the first word. A null after the first stands for any
 * one word ("28th of November" as "28th", any, "novemb"): no postings of
 * "of", which most memories hold, are read.
 */
export function phrasePostings(terms: readonly (TermPostings | null)[]): TermPostings {
  let seqs = Array.from(terms[0]?.seqs ?? []);
  let offsets = Array.from(terms[0]?.offsets ?? []);
  for (let step = 1; step < terms.length && seqs.length > 0; step++) {
    const next = terms[step];
    if (next === null || next === undefined) continue;
    const at = new Set<string>();
    for (let i = 0; i < next.seqs.length; i++) at.add(`${next.seqs[i]} ${next.offsets[i]! - step}`);
    const kept = seqs.map((seq, i) => at.has(`${seq} ${offsets[i]}`));
    seqs = seqs.filter((_, i) => kept[i]);
    offsets = offsets.filter((_, i) => kept[i]);
  }
  return { seqs, offsets, holders: holdersOf(seqs) };
}
