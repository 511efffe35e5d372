/**
 * A spell checker's rule for a query word some memories hold: held by at
 * most this many, it may still be a typo (people misspell a word the same
 * way again, and chat stores every turn that did)…
 */
export const MAX_TYPO_HOLDERS = 2;
/** …of a near word held by at least this many times as many memories. */
export const NEAR_HOLDERS_RATIO = 3;

/**
 * Whether a near word held by `nearHolders` memories outnumbers a query word
 * held by `heldBy` enough to read the query word as its typo (any near word,
 * for a query word no memory holds).
 */
export function outnumbers(nearHolders: number, heldBy: number): boolean {
  return heldBy <= MAX_TYPO_HOLDERS && nearHolders >= Math.max(1, NEAR_HOLDERS_RATIO * heldBy);
}
