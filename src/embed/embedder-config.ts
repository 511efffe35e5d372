import type { ConfigProblem } from '../core/config-check';
import { WORKERS_AI_MODELS } from './workers-ai-models';

/**
 * The embedder's part of the configuration check (core/config-check.ts
 * cannot see the model catalog, which lives here): with Workers AI, an
 * `EMBEDDING_MODEL` outside the catalog would otherwise pass the check and
 * fail every request at its first embedding as "Unexpected error.". Names
 * the models accepted, never the value given.
 */
export function embedderProblems(vars: Record<string, unknown>): ConfigProblem[] {
  if (vars.EMBEDDING_PROVIDER !== 'workers-ai') return [];
  const model = vars.EMBEDDING_MODEL;
  if (typeof model !== 'string' || model === '') return [];
  if (WORKERS_AI_MODELS.some((known) => known.name === model)) return [];
  return [
    {
      variable: 'EMBEDDING_MODEL',
      problem: `must be one of ${WORKERS_AI_MODELS.map((known) => known.name).join(', ')}`,
      reason: 'EMBEDDING_MODEL_INVALID',
    },
  ];
}
