import { CodedError } from '../core/errors';
import type { ParsedModel } from '../providers/models';
import { wireFormatOf } from '../providers/types';
import type { Edge } from './edge';
import type { ChatSurface } from './surfaces';
import { modelFor } from './native-chat';
import { passThrough } from './provider-pass-through';

/**
 * Calls an SDK client makes beside chat, with a model named in the body:
 *   POST /v1/messages/count_tokens   Anthropic's token count
 *   POST /v1/embeddings              embeddings (OpenAI, OpenRouter, the compatible server)
 * Passed through without memory, unmetered (provider-pass-through.ts).
 * Gemini's countTokens and the model lists are in gemini-models.ts and
 * models-route.ts.
 */

/**
 * The body for the provider and the model it names, read as the chat route
 * reads it (`provider/model` or a bare name). The client's bytes go on
 * unchanged unless the model had a provider prefix to take off; a body
 * without a model (or not JSON) goes as it is, for the provider to refuse.
 */
function bodyFor(surface: ChatSurface, text: string): { body: string; model: ParsedModel | null } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { body: text, model: null };
  }
  const name = (parsed as { model?: unknown } | null)?.model;
  if (typeof name !== 'string' || name.trim() === '') return { body: text, model: null };
  const model = modelFor(surface, name);
  const body =
    model.model === name ? text : JSON.stringify({ ...(parsed as object), model: model.model });
  return { body, model };
}

/** Anthropic's count_tokens counts for Anthropic's models only. */
export async function anthropicCountTokensRoute(edge: Edge<'activeMemoryKey'>): Promise<Response> {
  const { body, model } = bodyFor('anthropic', await edge.request.text());
  if (model !== null && model.provider !== 'anthropic') {
    throw new CodedError(
      'BAD_USER_INPUT',
      `POST /v1/messages/count_tokens counts tokens for Anthropic models only, not ${model.provider}/${model.model}`,
      'MODEL_NOT_SERVED',
      { param: 'model' },
    );
  }
  return passThrough(edge, {
    provider: 'anthropic',
    method: 'POST',
    path: '/v1/messages/count_tokens',
    body,
  });
}

/**
 * OpenAI's embeddings, at the provider the model names: OpenAI (a bare
 * name, `openai/…`), OpenRouter (`openrouter/…`) or the compatible server
 * (`compatible/…`). Anthropic has no embeddings API, and Gemini's is its own
 * (embedContent), so their models are refused.
 */
export async function embeddingsRoute(edge: Edge<'activeMemoryKey'>): Promise<Response> {
  const { body, model } = bodyFor('openai', await edge.request.text());
  const provider = model?.provider ?? 'openai';
  if (wireFormatOf(provider) !== 'openai') {
    throw new CodedError(
      'BAD_USER_INPUT',
      `POST /v1/embeddings reaches OpenAI, OpenRouter and OpenAI-compatible models, not ${provider}/${model?.model}`,
      'UNSUPPORTED_MODEL',
      { param: 'model' },
    );
  }
  // OpenAI's base URL ends in /v1, as OpenRouter's and a compatible server's do.
  return passThrough(edge, { provider, method: 'POST', path: '/embeddings', body });
}
