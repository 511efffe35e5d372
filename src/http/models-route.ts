import { MODEL_CATALOG } from '../providers/model-catalog';

/**
 * GET /v1/models in OpenAI's list shape (`{ object: "list", data: [{ id,
 * object: "model", created, owned_by }] }`): OpenAI-compatible tools call it
 * to check a base URL and fill their model picker. The ids are the names a
 * chat request takes (`openai/gpt-4o`), and `owned_by` the provider that
 * answers them. It lists without calling any provider, so it needs no
 * provider key and costs nothing.
 */
export function modelsRoute(): Response {
  return Response.json({
    object: 'list',
    data: MODEL_CATALOG.map((model) => ({
      id: model.id,
      object: 'model',
      created: model.releasedAt,
      owned_by: model.provider,
    })),
  });
}
