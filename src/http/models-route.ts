import { CodedError } from '../core/errors';
import { MODEL_CATALOG, type CatalogModel } from '../providers/model-catalog';
import type { Edge } from './edge';
import { modelsClientOf } from './not-served';
import { forwardedQuery, geminiModelsRoute } from './gemini-models';
import { passThrough } from './provider-pass-through';

/**
 * GET /v1/models and GET /v1/models/{id}, answered for the SDK that calls
 * them (error-shapes.ts, modelsClientOf):
 * - Anthropic's SDK gets Anthropic's own list and models, passed through
 *   with the caller's (or a stored) Anthropic key.
 * - Google's SDK with apiVersion v1 gets Gemini's (gemini-models.ts).
 * - Any other client gets MemoryRouter's catalog in OpenAI's shape, which
 *   OpenAI-compatible tools read to check a base URL and fill a model picker.
 */
export function modelsRoute(edge: Edge<'memoryKey'>): Promise<Response> | Response {
  const id = edge.params.target ?? null;
  switch (modelsClientOf(edge.request)) {
    case 'anthropic':
      return passThrough(edge, {
        provider: 'anthropic',
        method: 'GET',
        path: `/v1/models${id === null ? '' : `/${encodeURIComponent(id)}`}${forwardedQuery(edge.request)}`,
      });
    case 'google':
      return geminiModelsRoute(edge);
    default:
      return id === null ? catalogList() : catalogModel(id);
  }
}

const openAiModel = (model: CatalogModel) => ({
  id: model.id,
  object: 'model',
  created: model.releasedAt,
  owned_by: model.provider,
});

/**
 * The catalog in OpenAI's list shape (`{ object: "list", data: [{ id,
 * object: "model", created, owned_by }] }`). The ids are the names a chat
 * request takes (`openai/gpt-4o`), and `owned_by` the provider that answers
 * them. It lists without calling any provider, so it needs no provider key
 * and costs nothing.
 */
function catalogList(): Response {
  return Response.json({ object: 'list', data: MODEL_CATALOG.map(openAiModel) });
}

/** One catalog model (OpenAI's `models.retrieve`), or a 404 in OpenAI's shape. */
function catalogModel(id: string): Response {
  const model = MODEL_CATALOG.find((entry) => entry.id === id);
  if (model === undefined) {
    throw new CodedError(
      'NOT_FOUND',
      `the model catalog holds no ${id}; a chat still routes any provider/model name`,
      'MODEL_NOT_FOUND',
      { param: 'model' },
    );
  }
  return Response.json(openAiModel(model));
}
