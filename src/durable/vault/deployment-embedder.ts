import { createEmbedder } from '../../embed';
import type { Embedder } from '../../embed/embedder';

/**
 * The deployment's embedder as a vault needs it (re-embedding into the
 * deployment's model): built on first use, once per object, and null when
 * it cannot be built.
 */
export function lazyDeploymentEmbedder(env: Env): () => Embedder | null {
  let embedder: Embedder | null | undefined;
  return () => {
    if (embedder === undefined) {
      try {
        embedder = createEmbedder(env);
      } catch {
        // A misconfigured embedder: the Worker refuses every request already (config guard).
        embedder = null;
      }
    }
    return embedder;
  };
}
