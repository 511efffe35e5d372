import type { Embedder } from './embedder';
import { LocalHashEmbedder } from './local-hash';
import { WorkersAiEmbedder, type AiBinding } from './workers-ai';

export interface EmbedderVars {
  EMBEDDING_PROVIDER?: string;
  EMBEDDING_MODEL?: string;
  AI?: AiBinding;
}

/**
 * Picks the deployment's embedder: Workers AI when `EMBEDDING_PROVIDER` is
 * `workers-ai` (which then requires the `AI` binding), else the local one.
 */
export function createEmbedder(vars: EmbedderVars): Embedder {
  const provider = vars.EMBEDDING_PROVIDER ?? 'local';
  if (provider === 'workers-ai') {
    if (vars.AI === undefined) {
      throw new Error(
        'configuration: EMBEDDING_PROVIDER=workers-ai needs an [ai] binding named AI',
      );
    }
    return new WorkersAiEmbedder(vars.AI, vars.EMBEDDING_MODEL || undefined);
  }
  if (provider === 'local') return new LocalHashEmbedder();
  throw new Error(`configuration: unknown EMBEDDING_PROVIDER "${provider}" (local, workers-ai)`);
}
