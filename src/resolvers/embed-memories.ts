import type { RequestContext } from './request-context';
import type { NewMemory } from '../durable/vault-types';
import { chunkSpans } from '../text/chunks';

/**
 * One embedder call for every input that brought no vector of its own; a
 * long memory is embedded chunk by chunk (src/text/chunks.ts), and its
 * memory-level vector is the direction of its chunks' mean. Sets the vectors
 * on the memories themselves.
 */
export async function embedMemories(
  context: Pick<RequestContext, 'embedder'>,
  memories: readonly NewMemory[],
): Promise<void> {
  const toEmbed = memories
    .filter((memory) => !memory.callerVector)
    .map((memory) => {
      const spans = chunkSpans(memory.content);
      const texts =
        spans.length > 1
          ? spans.map(({ start, end }) => memory.content.slice(start, end))
          : [memory.content];
      return { memory, texts };
    });
  if (toEmbed.length === 0) return;
  const vectors = await context.embedder.embedPassages(toEmbed.flatMap(({ texts }) => texts));
  let next = 0;
  for (const { memory, texts } of toEmbed) {
    const own = vectors.slice(next, next + texts.length);
    next += texts.length;
    if (own.length > 1) {
      memory.chunkVectors = own;
      memory.vector = meanDirection(own);
    } else {
      memory.vector = own[0]!;
    }
  }
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
