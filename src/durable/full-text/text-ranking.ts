/**
 * The settings of a vault's full-text ranking (text-ranker.ts explains the
 * model): a module of their own so that the ranking, its neighbourhoods
 * (passage-context.ts), its pruning and the vault's RPC shapes all read them
 * without importing one another.
 */
/** How a vault ranks text: BM25's k1 and b, the neighbour context, boosts, idf and stopwords. */
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
   * Weight at which a turn borrows from the turn just before it when that
   * one ends in a question (instead of `contextWeight`): a short reply
   * ("we just did it yesterday!") answers the question it follows, whose
   * words a search for it holds.
   */
  askedWeight: number;
  /**
   * Weight at which a turn ending in a question borrows from the turn just
   * after it (its answer), instead of `contextWeight`: the question is not
   * what a search for the answer's words looks for.
   */
  askerWeight: number;
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
   * ("on 8 May, 2023", "yesterday"), or in a longer period it names ("in
   * July 2023", "last week", "spring 2026"; monthBoost): what was said then
   * is what such a question asks about.
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
 * 30-minute pause is the usual cut between sessions of activity. A reply
 * borrows 0.75 of the question just before it, and the question 0.125 of
 * its reply (chosen on conv-26/30/41 from the grid in BENCHMARKS.md,
 * "Replies borrow from the question they answer"; multiples of 2⁻²⁰, so
 * pruning stays exact). The name
 * boost is the middle of the range the study found useful (+0.2–0.3). The
 * date boosts sit on a plateau (day 0.25–1, month 0.1–0.5 within ±0.005);
 * a named day counts twice a named month, being twice as specific at least.
 */
export const DEFAULT_TEXT_RANKING: TextRanking = {
  k1: 0.6,
  b: 0.5,
  contextWeight: 0.5,
  contextDistance: 4,
  askedWeight: 0.75,
  askerWeight: 0.125,
  contextGapMs: 30 * 60_000,
  nameBoost: 0.25,
  dayBoost: 0.5,
  monthBoost: 0.25,
  idf: 'probabilistic',
  stopwords: 'full',
};
