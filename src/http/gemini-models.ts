import { notServedByGemini } from './cross-format-in';
import type { Edge } from './edge';
import { modelFor } from './native-chat';
import { passThrough } from './provider-pass-through';

/**
 * The query a client sent, for the provider: all of it (page sizes, page
 * tokens) but `key`, where a Gemini client may put its memory key.
 */
export function forwardedQuery(request: Request): string {
  const params = new URLSearchParams(new URL(request.url).search);
  params.delete('key');
  const query = params.toString();
  return query === '' ? '' : `?${query}`;
}

/** The API version a Gemini path names (`v1beta` or `v1`), kept for the provider. */
const versionOf = (request: Request) => new URL(request.url).pathname.split('/')[1] ?? 'v1beta';

/**
 * A Gemini model name as the route takes it (`gemini-2.5-flash`,
 * `google/gemini-2.5-flash`), for Google; another provider's model is refused.
 */
export function geminiModelName(name: string): string {
  const model = modelFor('google', name);
  if (model.provider !== 'google') throw notServedByGemini(model);
  return model.model;
}

/**
 * GET /v1beta/models and /v1beta/models/{model} (also /v1/…): @google/genai's
 * `models.list()` and `models.get()`, passed through to Google with the
 * caller's (or a stored) Google key, in Google's own shape. A GET of a
 * `{model}:{method}` path never reaches it: app.ts answers 405 (POST only).
 */
export function geminiModelsRoute(edge: Edge<'memoryKey'>): Promise<Response> {
  const { request } = edge;
  const target = edge.params.target ?? null;
  const model = target === null ? '' : `/${encodeURIComponent(geminiModelName(target))}`;
  return passThrough(edge, {
    provider: 'google',
    method: 'GET',
    path: `/${versionOf(request)}/models${model}${forwardedQuery(request)}`,
  });
}

/** POST /v1beta/models/{model}:countTokens: Gemini's token count, passed through. */
export async function geminiCountTokens(
  edge: Edge<'activeMemoryKey'>,
  modelName: string,
): Promise<Response> {
  const { request } = edge;
  return passThrough(edge, {
    provider: 'google',
    method: 'POST',
    path: `/${versionOf(request)}/models/${encodeURIComponent(geminiModelName(modelName))}:countTokens${forwardedQuery(request)}`,
    body: await request.text(),
  });
}
