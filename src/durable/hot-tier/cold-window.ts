import type { IndexHit, StoredVectors } from './vector-index-types';

/**
 * The older part of a window once the index holds only the newest rows:
 * memories read from storage, each scored exactly by its best chunk, merged
 * with the hits of the rows held. Slower than the codes, never wrong.
 * `accept` narrows the memories as it does for the rows held.
 */
export function withColdRows(
  hot: readonly IndexHit[],
  cold: Iterable<StoredVectors>,
  query: Float32Array,
  dims: number,
  k: number,
  accept?: (seq: number) => boolean,
): IndexHit[] {
  const best = new Map<number, IndexHit>(hot.map((hit) => [hit.seq, hit]));
  for (const row of cold) {
    if (accept !== undefined && !accept(row.seq)) continue;
    const chunks = Math.floor(row.vectors.length / dims);
    for (let chunk = 0; chunk < chunks; chunk++) {
      let score = 0;
      const offset = chunk * dims;
      for (let j = 0; j < dims; j++) score += query[j]! * row.vectors[offset + j]!;
      const held = best.get(row.seq);
      if (held === undefined || score > held.score) {
        best.set(row.seq, { seq: row.seq, chunk, createdAt: row.createdAt, score });
      }
    }
  }
  // Ties go to the newer memory, as among the rows held.
  return [...best.values()]
    .sort((a, b) => b.score - a.score || b.createdAt - a.createdAt || b.seq - a.seq)
    .slice(0, k);
}
