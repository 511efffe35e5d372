/**
 * Hybrid fusion by score, not rank: each side's scores are min-max normalised
 * over its own candidate pool (best → 1, the pool's weakest → 0), then
 * combined as a convex sum with weight `vectorWeight` on the vector side. A
 * memory outside one side's pool gets 0 from that side.
 *
 * Unlike reciprocal rank fusion, a weak list cannot outvote a strong one by
 * position alone: a side whose scores are close together spreads its pool
 * over [0, 1] only as far as its own best and worst differ, and the weight
 * says how much each side is trusted. With vectorWeight < 0.5, the best text
 * match scores at least 1 − vectorWeight and outranks every memory the text
 * side did not find, so vectors alone never push an exact rare-keyword match
 * out; only memories with text evidence of their own (such as the turns said
 * around it, which share its context) and stronger vector evidence can pass it.
 *
 * Edge cases: an empty side leaves the other side's normalised scores as they
 * are; a flat side (one candidate, or all equal) gives each of its candidates
 * 1, so it neither ranks nor penalises among them.
 */
export interface Scored<K> {
  key: K;
  score: number;
}

/** Min-max normalisation over a pool; a flat pool maps to 1. */
export function normalizeScores<K>(pool: readonly Scored<K>[]): Map<K, number> {
  const normalized = new Map<K, number>();
  if (pool.length === 0) return normalized;
  let best = -Infinity;
  let worst = Infinity;
  for (const { score } of pool) {
    best = Math.max(best, score);
    worst = Math.min(worst, score);
  }
  const span = best - worst;
  for (const { key, score } of pool) {
    normalized.set(key, span > 0 && Number.isFinite(span) ? (score - worst) / span : 1);
  }
  return normalized;
}

/** Fused score of every memory in either pool. */
export function fuseScores<K>(
  vector: readonly Scored<K>[],
  text: readonly Scored<K>[],
  vectorWeight: number,
): Map<K, number> {
  const byVector = normalizeScores(vector);
  const byText = normalizeScores(text);
  if (byVector.size === 0) return byText;
  if (byText.size === 0) return byVector;
  const fused = new Map<K, number>();
  for (const key of new Set([...byVector.keys(), ...byText.keys()])) {
    fused.set(
      key,
      vectorWeight * (byVector.get(key) ?? 0) + (1 - vectorWeight) * (byText.get(key) ?? 0),
    );
  }
  return fused;
}
