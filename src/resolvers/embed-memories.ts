import type { RequestContext } from './request-context';
import type { NewMemory } from '../durable/rpc/vault-types';
import { embedPassageVectors } from '../embed/memory-vectors';

/**
 * One embedder call for every input that brought no vector of its own (long
 * memories chunk by chunk, src/embed/memory-vectors.ts). Sets the vectors on
 * the memories themselves.
 */
export async function embedMemories(
  context: Pick<RequestContext, 'embedder'>,
  memories: readonly NewMemory[],
): Promise<void> {
  const toEmbed = memories.filter((memory) => !memory.callerVector);
  if (toEmbed.length === 0) return;
  const vectors = await embedPassageVectors(
    context.embedder,
    toEmbed.map((memory) => memory.content),
  );
  toEmbed.forEach((memory, at) => {
    const { vector, chunkVectors } = vectors[at]!;
    memory.vector = vector;
    if (chunkVectors !== null) memory.chunkVectors = chunkVectors;
  });
}
