import { chunkSpans } from '../text/chunks';
import type { Embedder } from './embedder';

/** A memory's vectors: its own, and one per chunk when it is indexed in chunks. */
export interface PassageVectors {
  vector: Float32Array;
  chunkVectors: Float32Array[] | null;
}

/**
 * Embeds memories as the vault indexes them, in one embedder call: a long
 * memory chunk by chunk (src/text/chunks.ts), its own vector the direction of
 * its chunks' mean. The Worker embeds writes with it and a vault re-embeds its
 * rows with it, so both cut and average alike.
 */
export async function embedPassageVectors(
  embedder: Pick<Embedder, 'embedPassages'>,
  contents: readonly string[],
): Promise<PassageVectors[]> {
  const texts = contents.map((content) => {
    const spans = chunkSpans(content);
    return spans.length > 1 ? spans.map(({ start, end }) => content.slice(start, end)) : [content];
  });
  if (texts.length === 0) return [];
  const vectors = await embedder.embedPassages(texts.flat());
  let next = 0;
  return texts.map((own) => {
    const mine = vectors.slice(next, next + own.length);
    next += own.length;
    return mine.length > 1
      ? { vector: meanDirection(mine), chunkVectors: mine }
      : { vector: mine[0]!, chunkVectors: null };
  });
}

/**
 * The sum of unit vectors, which the vault normalises: the direction of their
 * mean (the first chunk's, should they cancel out).
 */
function meanDirection(vectors: readonly Float32Array[]): Float32Array {
  const sum = new Float32Array(vectors[0]!.length);
  for (const vector of vectors) for (let i = 0; i < sum.length; i++) sum[i]! += vector[i]!;
  return sum.some((value) => Math.abs(value) > 1e-6) ? sum : vectors[0]!;
}
