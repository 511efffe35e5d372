import type { Embedder } from './embedder';
import { UseLiteEmbedder } from './use-lite';
import { WorkersAiEmbedder, type AiBinding } from './workers-ai';

export interface EmbedderVars {
  EMBEDDING_PROVIDER?: string;
  EMBEDDING_MODEL?: string;
  EMBEDDING_TIMEOUT_MS?: string;
  AI?: AiBinding;
}

/**
 * Picks the deployment's embedder: Workers AI when `EMBEDDING_PROVIDER` is
 * `workers-ai` (which then requires the `AI` binding), else the offline
 * USE-lite table.
 */
export function createEmbedder(vars: EmbedderVars): Embedder {
  const provider = vars.EMBEDDING_PROVIDER || 'local';
  if (provider === 'workers-ai') {
    if (vars.AI === undefined) {
      throw new Error(
        'configuration: EMBEDDING_PROVIDER=workers-ai needs an [ai] binding named AI',
      );
    }
    const timeoutMs = Number(vars.EMBEDDING_TIMEOUT_MS || 10_000);
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new Error(`configuration: EMBEDDING_TIMEOUT_MS must be a positive number`);
    }
    return new WorkersAiEmbedder(vars.AI, { model: vars.EMBEDDING_MODEL, timeoutMs });
  }
  if (provider === 'local') return new UseLiteEmbedder();
  throw new Error(`configuration: unknown EMBEDDING_PROVIDER "${provider}" (local, workers-ai)`);
}
