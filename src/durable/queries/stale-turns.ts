/**
 * What a stale turn's score is multiplied by. A turn is stale once a fact
 * drawn from it was superseded or declared no longer true: "I live in
 * Paris" after "The user lives in Berlin" replaced its fact. It is demoted,
 * not dropped, since a turn may say more than the fact that went stale ("I
 * live in Paris and have a dog" is still the turn about the dog). A quarter
 * puts it well below the fact that replaced it, which wins on the same
 * words, and below a current memory that matches half as well.
 */
export const STALE_TURN_WEIGHT = 0.25;

/**
 * Candidates to rank beyond a window's limit when some turns are stale, so
 * that the memories a demotion lets in are there to take the places: one
 * per stale turn, up to the limit again.
 */
export function staleHeadroom(stale: ReadonlySet<number> | null, limit: number): number {
  return stale === null ? 0 : Math.min(stale.size, limit);
}

/**
 * A ranking (best first) with stale turns' scores scaled down and re-sorted,
 * cut to `limit`. The sort is stable, so ties keep the ranking's own order.
 */
export function demoteStaleTurns<Hit extends { seq: number; score: number }>(
  ranked: readonly Hit[],
  stale: ReadonlySet<number> | null,
  limit: number,
): Hit[] {
  if (stale === null || !ranked.some((hit) => stale.has(hit.seq))) return ranked.slice(0, limit);
  return ranked
    .map((hit) => (stale.has(hit.seq) ? { ...hit, score: hit.score * STALE_TURN_WEIGHT } : hit))
    .sort((a, b) => b.score - a.score)
    .slice(0, limit);
}
