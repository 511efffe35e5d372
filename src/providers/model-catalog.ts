import type { ProviderId } from './types';

/** A model MemoryRouter lists at GET /v1/models, named the way a chat request names it. */
export interface CatalogModel {
  /** `provider/model`, as `parseModel` reads it. */
  id: string;
  provider: Exclude<ProviderId, 'compatible'>;
  /** When the provider released it (Unix seconds): OpenAI's list carries a `created` time. */
  releasedAt: number;
}

const released = (isoDate: string) => Date.parse(`${isoDate}T00:00:00Z`) / 1000;

/**
 * The models the project documents and tests, one line per model, so a tool
 * that fills a model picker from /v1/models offers names that route. It is
 * not a limit: any `provider/model` (and a bare gpt-…, claude-…, gemini-…
 * name) routes, because the provider, not MemoryRouter, knows its models;
 * `compatible/…` models depend on the server behind COMPATIBLE_BASE_URL, so
 * none is listed.
 */
export const MODEL_CATALOG: readonly CatalogModel[] = [
  { id: 'openai/gpt-4o', provider: 'openai', releasedAt: released('2024-05-13') },
  { id: 'openai/gpt-4o-mini', provider: 'openai', releasedAt: released('2024-07-18') },
  { id: 'anthropic/claude-sonnet-4', provider: 'anthropic', releasedAt: released('2025-05-22') },
  { id: 'anthropic/claude-sonnet-4-5', provider: 'anthropic', releasedAt: released('2025-09-29') },
  // The model docs/drop-in.md's examples name: the bundled SDK warns that 4-5 is deprecated.
  { id: 'anthropic/claude-sonnet-5-5', provider: 'anthropic', releasedAt: released('2026-10-08') },
  { id: 'google/gemini-2.5-flash', provider: 'google', releasedAt: released('2025-06-17') },
  { id: 'google/gemma-3-27b-it', provider: 'google', releasedAt: released('2025-03-12') },
  {
    id: 'openrouter/meta-llama/llama-3.3-70b',
    provider: 'openrouter',
    releasedAt: released('2024-12-06'),
  },
];
