import type { ConfigProblem, ConfigWarning } from '../core/config-check';
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

/**
 * The embedder's warnings (core/config-check.ts `ConfigWarning`): an
 * `EMBEDDING_MODEL` set while `EMBEDDING_PROVIDER` is `local` (or unset)
 * chooses nothing, since the local embedder has one model of its own; the
 * operator who set it most likely meant Workers AI (review271 F4: before,
 * nothing said so). Not fatal: the deployment works, with the local model.
 */
export function embedderWarnings(vars: Record<string, unknown>): ConfigWarning[] {
  const provider = vars.EMBEDDING_PROVIDER ?? 'local';
  const model = vars.EMBEDDING_MODEL;
  if (provider !== 'local' || typeof model !== 'string' || model.trim() === '') return [];
  return [
    {
      variable: 'EMBEDDING_MODEL',
      problem:
        'is set but EMBEDDING_PROVIDER is local (or unset), whose embedder has one model of its own: it is ignored. Set EMBEDDING_PROVIDER = "workers-ai" to embed with it, or remove it',
      reason: 'EMBEDDING_MODEL_IGNORED',
    },
  ];
}
