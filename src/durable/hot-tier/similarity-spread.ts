import type { SimilarityStats } from './vector-index-types';

/**
 * Mean and standard deviation of the scores, summed in float64: cosines lie
 * in [-1, 1], so plain sums lose nothing that matters even at 250,000 rows.
 */
export function spread(scores: Float32Array, stats: SimilarityStats): void {
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i]!;
    sum += score;
    squares += score * score;
  }
  const rows = scores.length;
  const mean = rows > 0 ? sum / rows : 0;
  stats.rows = rows;
  stats.mean = mean;
  stats.deviation = rows > 0 ? Math.sqrt(Math.max(0, squares / rows - mean * mean)) : 0;
}
