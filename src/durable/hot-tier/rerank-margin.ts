/**
 * How many candidates beyond k a code search re-scores exactly.
 *
 * The base: 256, and one per 480 rows past 122,880 (k + 521 at 250,000
 * rows). Where the exact top 10 of random vectors rank among 250,000 rows'
 * estimates (bench/hot-tier.bench.ts, 1,600 ids): within k + 256 98.3%,
 * k + 400 99.3%, k + 521 99.7–99.8%, k + 651 99.9%.
 *
 * A deeper top k reaches down to where the scores are dense and the codes'
 * noise moves ranks further, so re-scoring from storage scales the base with
 * k: × (k / 10)^(2/3). Measured 2026-11-26 at 250,000 rows (160 random
 * queries): 99.5% of the exact top 50 sit within k + 1,285, of the top 150
 * within k + 2,559; the rule gives k + 1,523 and k + 3,168 (99.7–99.8%),
 * and k + 521 for k ≤ 10 as before. A vault that still holds its float32
 * block keeps the base alone: its re-score is in memory and its answers
 * (the hybrid-search fingerprints) stay as they were.
 */
const BASE = 256;
const ROWS_EACH = 480;
/** The k the base was measured at; smaller k keep the base. */
const BASE_K = 10;
const K_EXPONENT = 2 / 3;

/** Candidates beyond the top `k` of `rows` estimates to re-score exactly. */
export function rerankMargin(rows: number, k: number, fromStorage: boolean): number {
  const base = Math.max(BASE, Math.ceil(rows / ROWS_EACH));
  if (!fromStorage || k <= BASE_K) return base;
  return Math.ceil(base * (k / BASE_K) ** K_EXPONENT);
}
