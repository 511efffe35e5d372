import type { SimilarityStats } from '../hot-tier/vector-index';

/**
 * Hybrid fusion by score, not rank: each side's evidence is put on [0, 1] on
 * a scale of its own that does not depend on the vault, the window or the
 * other memories found, and the two are combined as a convex sum with weight
 * `vectorWeight` on the vector side. A memory without evidence from one side
 * gets 0 from it. So a HYBRID score means the same in every vault and window,
 * and the hits of several vaults (a search over CORE and a session, chat's
 * memory read) can be merged on it: a vault whose best is weak scores low.
 *
 * Text: the memory's BM25 s against `fullMatch` F, what a memory of average
 * length holding each query word once scores in its vault (the sum of the
 * query words' idf there; a word the vault lacks counts at its idf for no
 * holder, so a vault that holds only some of the query's words cannot reach
 * it): s / (s + F), ½ for such a memory, towards 1 for more, and 0 for none.
 * Not relative to the window's best: that gave a vault's weakest lone match
 * (one common word of four) the same 1 as another vault's exact answer.
 *
 * Vectors: only a memory that stands out from the window counts. Cosine
 * similarity says little on its own scale: the offline table scores unrelated
 * texts 0.6–0.7, bge others, and the best of a pool of noise is still "best".
 * So each row's similarity becomes a z-score over every row of the window
 * (its mean and spread, from the scan that scores them all anyway), and only
 * rows above L = √(2 ln n), what the best of n rows of pure noise reaches
 * (the classic bound on the largest of n Gaussian draws), count, by the share
 * of their standout that noise does not explain: 1 − L / z (0 at the level,
 * ½ at twice it). The threshold grows slowly with the window (2.0 at 8 rows,
 * 3.6 at 700, 4.7 at 50,000), so a small vault still lets an outstanding
 * match in, and a large one is not flooded by near misses. Not min-max, nor
 * relative to the window's most outstanding row: both stretch the best of
 * whatever the window holds to full weight, and a vault with no word of the
 * query then offered its best unrelated memory as a perfect match (1.0), above
 * another vault's answer.
 *
 * While words weigh more (vectorWeight < 0.5), text's order stands among the
 * memories the text side found: vector evidence lifts a word match at most
 * level with the word match text ranked above it (the caller breaks such
 * ties in text order, see keepsTextOrder). Vectors decide where
 * the memories words missed come in, and a word match's own vector evidence
 * counts against those. Why: text's scores of one query are compressed (a
 * conversation's top ten often lie within a tenth of the best), while vector
 * evidence spans [0, w]; so a few rows just above the noise level, mostly
 * found by the same words (the offline table is close to lexical), re-decided
 * text's order. On LoCoMo's dev split vector evidence appeared in 39 of 760
 * questions, changed the top ten of 21, and moved an evidence turn down 12
 * times and up twice (conv-41: "What shelters does Maria volunteer at?", four
 * shelter turns 0.15–0.81 standard deviations above the noise level pushed a
 * fourth-placed evidence turn to seventh). A fused ranking must not lose what
 * its better part found: meaning adds what words missed instead of
 * re-judging the order of what they found.
 *
 * By construction HYBRID then differs from TEXT only where the vectors find
 * memories the text side did not, with real evidence; a memory only the
 * vectors found scores below w, so it never passes a word match scoring
 * s ≥ w / (1 − w) · F (three quarters of a full match at 0.3), as a rare
 * exact keyword usually does. Memories with no
 * evidence from either side score 0: a search leaves them out (the caller
 * asked for what matches; vault-queries.ts), fact reconciliation keeps them
 * in vector order (the caller breaks ties by similarity). When no word of
 * the query is in the window, HYBRID thus returns only what stands out. A
 * window whose rows all score alike gives no vector evidence.
 *
 * Without a scale (the MIN_MAX fusion, kept for the ablation) both sides are
 * min-max normalised over their pools, an empty side leaving the other as it
 * is: the fusion before standout.
 */
export interface Scored<K> {
  key: K;
  score: number;
}

/** Min-max normalisation over a pool; a flat pool maps to 1. */
export function normalizeScores<K>(pool: readonly Scored<K>[]): Map<K, number> {
  const normalized = new Map<K, number>();
  if (pool.length === 0) return normalized;
  const scale = minMax(pool);
  for (const { key, score } of pool) normalized.set(key, scale(score));
  return normalized;
}

/** The min-max scale of a pool's scores; a flat pool maps every score to 1. */
export function minMax(pool: readonly { score: number }[]): (score: number) => number {
  let best = -Infinity;
  let worst = Infinity;
  for (const { score } of pool) {
    best = Math.max(best, score);
    worst = Math.min(worst, score);
  }
  const span = best - worst;
  const flat = !(span > 0 && Number.isFinite(span));
  return (score) => (flat ? 1 : (score - worst) / span);
}

/** The z-score the best of `rows` rows of noise reaches: √(2 ln n). */
export function standoutLevel(rows: number): number {
  return rows > 1 ? Math.sqrt(2 * Math.log(rows)) : 0;
}

/** Below this spread the rows of a window are taken as scoring alike (float32 noise). */
const FLAT = 1e-6;

/**
 * Vector evidence of the pool's memories that stand out from their window:
 * 1 − level / z above the noise level, towards 1 the further; the others
 * are absent.
 */
export function standoutScores<K>(
  pool: readonly Scored<K>[],
  window: SimilarityStats,
): Map<K, number> {
  const evidence = new Map<K, number>();
  const standout = standoutEvidence(window);
  for (const { key, score } of pool) {
    const found = standout(score);
    if (found !== undefined) evidence.set(key, found);
  }
  return evidence;
}

/**
 * A window's vector evidence of a similarity (standoutScores), undefined
 * where it does not stand out; one function for both rankings, so their
 * scores agree to the bit.
 */
export function standoutEvidence(
  window: SimilarityStats,
): (similarity: number) => number | undefined {
  if (!(window.deviation >= FLAT)) return () => undefined;
  const level = standoutLevel(window.rows);
  return (similarity) => {
    const z = (similarity - window.mean) / window.deviation;
    return z > level ? 1 - level / z : undefined;
  };
}

/**
 * Text evidence of a BM25 score against the query's full-match score in its
 * vault: s / (s + F), ½ for a memory of average length holding each query
 * word once, 0 for none. A vault without a positive F (no query word at
 * all) gives none. HYBRID's text side, and TEXT's score (vault-queries.ts).
 */
export function textEvidence(fullMatch: number): (score: number) => number {
  if (!(fullMatch > 0)) return () => 0;
  return (score) => (score > 0 ? score / (score + fullMatch) : 0);
}

/**
 * The scale of standout fusion: the similarity spread of the vector side's
 * window, and the query's full-match text score in the vault (TextSearch's
 * `fullMatchScore`).
 */
export interface FusionScale extends SimilarityStats {
  fullMatch: number;
}

/**
 * Fused score of every memory in either pool; `text` comes in text's order,
 * best first. With `scale`: text by its full-match score, vectors by
 * standout, and, while words weigh more, no word match scoring above one
 * text ranked higher. Without it, both sides min-max over their pools, the
 * fusion before standout (kept for the ablation).
 */
export function fuseScores<K>(
  vector: readonly Scored<K>[],
  text: readonly Scored<K>[],
  vectorWeight: number,
  scale?: FusionScale,
): Map<K, number> {
  if (scale === undefined) return fuseMinMax(vector, text, vectorWeight);
  const byText = textEvidence(scale.fullMatch);
  const byVector = standoutScores(vector, scale);
  const fused = new Map<K, number>();
  for (const { key, score } of text) fused.set(key, (1 - vectorWeight) * byText(score));
  for (const { key } of vector) {
    const textShare = fused.get(key) ?? 0;
    fused.set(key, vectorWeight * (byVector.get(key) ?? 0) + textShare);
  }
  if (keepsTextOrder(vectorWeight, scale)) keepTextOrder(fused, text);
  return fused;
}

/** The fusion before standout: both sides min-max over their pools, an empty side leaving the other. */
function fuseMinMax<K>(
  vector: readonly Scored<K>[],
  text: readonly Scored<K>[],
  vectorWeight: number,
): Map<K, number> {
  const byText = normalizeScores(text);
  if (byText.size === 0) return normalizeScores(vector);
  if (vector.length === 0) return byText;
  const byVector = normalizeScores(vector);
  const fused = new Map<K, number>();
  const keys = new Set([...byText.keys(), ...vector.map(({ key }) => key)]);
  for (const key of keys) {
    fused.set(
      key,
      vectorWeight * (byVector.get(key) ?? 0) + (1 - vectorWeight) * (byText.get(key) ?? 0),
    );
  }
  return fused;
}

/**
 * Whether a fusion keeps text's order among word matches: standout fusion
 * while words weigh more. A caller that asks vectors to weigh as much as words
 * or more gets the plain convex sum (at 1 the caller searches as VECTOR
 * instead, vault-queries.ts: standout alone keeps too little to rank).
 * Callers break ties of fused scores in text's order when this holds.
 */
export function keepsTextOrder(vectorWeight: number, window?: SimilarityStats): boolean {
  return window !== undefined && vectorWeight < 0.5;
}

/**
 * Caps each word match's fused score at that of the word match text ranked
 * above it, walking text's order: vectors may bring a word match level with
 * the one before it, never past it.
 */
function keepTextOrder<K>(fused: Map<K, number>, text: readonly Scored<K>[]): void {
  let ceiling = Infinity;
  for (const { key } of text) {
    const score = Math.min(fused.get(key)!, ceiling);
    fused.set(key, score);
    ceiling = score;
  }
}
