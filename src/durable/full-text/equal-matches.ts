import type { TermPostings } from './term-postings';
import { lowerBound } from './text-ranker';

/** What the ties need of the vault's text: who names their speaker, and who lies beside whom. */
export interface Neighbourhood {
  /** Whether a memory names its speaker, so that its first word is the label. */
  labelled(seq: number): boolean;
  /** The memories within context reach of a passage (the ranking's context distance), itself left out. */
  around(passage: number): Iterable<number>;
}

/** A window's boosted hits, in parallel arrays: seq, best passage (time order), score. */
export interface RankedHits {
  seqs: readonly number[];
  passages: readonly number[];
  scores: number[];
}

/**
 * The window's top hits (`top`: indices into `hits`, best first), with
 * memories found by their speaker's name alone taken as tied and listed
 * newest first. Such a memory's own text holds one word of the query, its
 * speaker's name, as the label it opens with ("Maya: …" for "maya"), and
 * nothing else; every turn of that speaker holds it the same way, so what
 * still set them apart was BM25's length normalisation and the context
 * their neighbours lend, a few hundredths that ranked her turns by how
 * short they were, the oldest often first. A label says who spoke, not how
 * much of the turn is about the name, so length is no evidence there. Two
 * such hits tie when the label is of the same name, nothing else raised
 * one above the other (the same name and date boosts) and no neighbour
 * lends them a word of the query besides labels (what else their context
 * holds still orders them), and only when they are next to each other in
 * the ranking (a run): each takes the run's best score, and since no
 * memory of another match comes between them, nothing else moves. Among
 * the top only: which memories make the window's top stays BM25's (its
 * pruned ranking finds exactly those, text-pruning.ts); their order and
 * scores change. Matches of content words keep BM25's order: there length
 * normalisation is evidence (tying every equal match newest first cost
 * LoCoMo recall @5 .711 → .702, and tying label matches whatever their
 * neighbours held .711 → .707). `lists` are the ranked postings lists.
 * Scores are changed in `hits`; the order is returned.
 */
export function tiedNewestFirst(
  hits: RankedHits,
  top: readonly number[],
  boosts: readonly number[],
  lists: readonly TermPostings[],
  text: Neighbourhood,
): number[] {
  const order = [...top];
  const keys = labelKeys(hits, order, boosts, lists, text);
  for (let start = 0; start < order.length;) {
    let end = start + 1;
    const key = keys.get(order[start]!);
    if (key !== undefined) while (end < order.length && keys.get(order[end]!) === key) end++;
    if (end - start > 1) {
      const best = hits.scores[order[start]!]!;
      const run = order.slice(start, end).sort((a, b) => hits.passages[b]! - hits.passages[a]!);
      for (let i = start; i < end; i++) {
        order[i] = run[i - start]!;
        hits.scores[order[i]!] = best;
      }
    }
    start = end;
  }
  return order;
}

/**
 * Each hit's key when its memory's only occurrence of any list is its
 * speaker label (the first word of a memory that names its speaker) and no
 * memory within context reach holds a word of the query but as a label:
 * that list and the hit's boost, by the hit's index; none for every other
 * hit, which ties with none. Looked up per top hit and neighbour in the
 * lists (in memory order, as the index gives them) rather than by walking
 * every posting: a query's lists hold tens of thousands of occurrences,
 * its top a few dozen hits (walking them cost a 10,000-memory search
 * 3.5 ms, three times the rest of its ranking).
 */
function labelKeys(
  hits: RankedHits,
  top: readonly number[],
  boosts: readonly number[],
  lists: readonly TermPostings[],
  text: Neighbourhood,
): Map<number, string> {
  const keys = new Map<number, string>();
  for (const i of top) {
    const seq = hits.seqs[i]!;
    if (!text.labelled(seq)) continue;
    const label = onlyLabel(seq, lists);
    if (label === null) continue;
    let lent = false;
    for (const near of text.around(hits.passages[i]!))
      if (holdsAsContent(near, lists, text)) {
        lent = true;
        break;
      }
    if (!lent) keys.set(i, `${label}|${boosts[i]!}`);
  }
  return keys;
}

/** The list whose one occurrence in a labelled memory is its label, when that is its only occurrence of any list. */
function onlyLabel(seq: number, lists: readonly TermPostings[]): number | null {
  let label: number | null = null;
  let occurrences = 0;
  for (const [list, postings] of lists.entries()) {
    for (let p = lowerBound(postings.seqs, seq); p < postings.seqs.length; p++) {
      if (postings.seqs[p] !== seq) break;
      if (++occurrences > 1) return null;
      if (postings.offsets[p] === 0) label = list;
    }
  }
  return occurrences === 1 ? label : null;
}

/** Whether a memory holds a word of the query other than as its label: context it lends. */
function holdsAsContent(seq: number, lists: readonly TermPostings[], text: Neighbourhood): boolean {
  for (const postings of lists)
    for (let p = lowerBound(postings.seqs, seq); p < postings.seqs.length; p++) {
      if (postings.seqs[p] !== seq) break;
      if (postings.offsets[p] !== 0 || !text.labelled(seq)) return true;
    }
  return false;
}
