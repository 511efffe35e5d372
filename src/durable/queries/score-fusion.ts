import type { SimilarityStats } from '../hot-tier/vector-index';

/**
 * Hybrid fusion by score, not rank: each side's evidence is put on [0, 1] and
 * the two are combined as a convex sum with weight `vectorWeight` on the
 * vector side. A memory without evidence from one side gets 0 from it.
 *
 * Text: relative to the window's best match (best → 1). BM25 has a true zero
 * (no query word, no context), so the weakest match found keeps a share
 * above every memory the text side did not find; min-max would pull it down
 * to 0, level with those, and a small pool's last text match would lose its
 * place to vector noise.
 *
 * Vectors: only a memory that stands out from the window counts. Cosine
 * similarity says little on its own scale: the offline table scores unrelated
 * texts 0.6–0.7, bge others, and the best of a pool of noise is still "best".
 * So each row's similarity becomes a z-score over every row of the window
 * (its mean and spread, from the scan that scores them all anyway), and only
 * rows above √(2 ln n), what the best of n rows of pure noise reaches
 * (the classic bound on the largest of n Gaussian draws), count, scaled from
 * 0 at that level to 1 for the window's most outstanding row. The threshold
 * grows slowly with the window (2.0 at 8 rows, 3.6 at 700, 4.7 at 50,000), so
 * a small vault still lets an outstanding match in, and a large one is not
 * flooded by near misses.
 *
 * While words weigh more (vectorWeight < 0.5), text's order stands among the
 * memories the text side found: vector evidence lifts a word match at most
 * level with the word match text ranked above it (the caller breaks such
 * ties in text order, see keepsTextOrder). Vectors decide where
 * the memories words missed come in, and a word match's own vector evidence
 * counts against those. Why: text's relative scores are compressed (a
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
 * memories the text side did not, with real evidence; with vectorWeight < 0.5
 * the best text match (1 − w) still outranks every memory only the vectors
 * found (at most w), so vectors never push an exact rare-keyword match out.
 * Memories with no evidence from either side follow in vector order (the
 * caller breaks ties by similarity).
 *
 * Edge cases: an empty text side leaves the vector side min-max normalised
 * over its pool, so HYBRID ranks as VECTOR, and an empty vector side leaves
 * the text side as it is; a flat vector side (every row alike) carries no
 * evidence, so text decides.
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

/** Scores relative to the pool's best (best → 1, zero stays zero); a pool without a positive score maps to 1. */
export function relativeScores<K>(pool: readonly Scored<K>[]): Map<K, number> {
  const best = Math.max(0, ...pool.map(({ score }) => score));
  return new Map(pool.map(({ key, score }) => [key, best > 0 ? Math.max(0, score) / best : 1]));
}

/** The z-score the best of `rows` rows of noise reaches: √(2 ln n). */
export function standoutLevel(rows: number): number {
  return rows > 1 ? Math.sqrt(2 * Math.log(rows)) : 0;
}

/** Below this spread the rows of a window are taken as scoring alike (float32 noise). */
const FLAT = 1e-6;

/**
 * Vector evidence of the pool's memories that stand out from their window:
 * 0 at the noise level, 1 for the most outstanding; the others are absent.
 */
export function standoutScores<K>(
  pool: readonly Scored<K>[],
  window: SimilarityStats,
): Map<K, number> {
  const evidence = new Map<K, number>();
  if (pool.length === 0 || window.deviation < FLAT) return evidence;
  const level = standoutLevel(window.rows);
  const z = (score: number) => (score - window.mean) / window.deviation;
  const best = Math.max(...pool.map(({ score }) => z(score)));
  if (best <= level) return evidence;
  for (const { key, score } of pool) {
    const standout = z(score);
    if (standout > level) evidence.set(key, (standout - level) / (best - level));
  }
  return evidence;
}

/**
 * Fused score of every memory in either pool; `text` comes in text's order,
 * best first. With `window` (the similarity spread of the vector side's
 * window): text relative to its best, vectors by standout, and, while words
 * weigh more, no word match scoring above one text ranked higher. Without it,
 * both sides min-max over their pools, the fusion before standout (kept for
 * the ablation).
 */
export function fuseScores<K>(
  vector: readonly Scored<K>[],
  text: readonly Scored<K>[],
  vectorWeight: number,
  window?: SimilarityStats,
): Map<K, number> {
  const byText = window === undefined ? normalizeScores(text) : relativeScores(text);
  if (byText.size === 0) return normalizeScores(vector);
  if (vector.length === 0) return byText;
  const byVector = window === undefined ? normalizeScores(vector) : standoutScores(vector, window);
  const fused = new Map<K, number>();
  const keys = new Set([...byText.keys(), ...vector.map(({ key }) => key)]);
  for (const key of keys) {
    fused.set(
      key,
      vectorWeight * (byVector.get(key) ?? 0) + (1 - vectorWeight) * (byText.get(key) ?? 0),
    );
  }
  if (keepsTextOrder(vectorWeight, window)) keepTextOrder(fused, text);
  return fused;
}

/**
 * Whether a fusion keeps text's order among word matches: standout fusion
 * while words weigh more. A caller that asks vectors to weigh as much as words
 * or more gets the plain convex sum (at 1, HYBRID ranks by vectors alone).
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
