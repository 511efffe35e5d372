/**
 * Reciprocal rank fusion: each list contributes 1 / (k + rank) for every item
 * it ranks (rank from 1). k = 60 is the value from Cormack et al. (2009) and
 * damps the influence of any single list's top positions.
 */
export const RRF_K = 60;

export function reciprocalRankFusion(lists: readonly (readonly string[])[]): Map<string, number> {
  const scores = new Map<string, number>();
  for (const list of lists) {
    list.forEach((id, index) => scores.set(id, (scores.get(id) ?? 0) + 1 / (RRF_K + index + 1)));
  }
  return scores;
}
