import { CodedError } from '../core/errors';
import type { Edge, Handler } from './edge';
import type { ChatSurface } from './surfaces';
import { geminiCountTokens } from './gemini-models';
import { handleNativeChat } from './native-chat';

/**
 * The drop-in chat routes:
 *   POST /v1/chat/completions                          OpenAI's format (OpenAI, OpenRouter, compatible servers)
 *   POST /v1/responses                                 OpenAI's Responses API (the same providers)
 *   POST /v1/messages                                  Anthropic's format
 *   POST /v1beta/models/{model}:generateContent        Gemini's format (also /v1/models/…, sent to Google's /v1/…)
 *   POST /v1beta/models/{model}:streamGenerateContent
 * The model is named in the body, except on Gemini's paths. Gemini's
 * countTokens, on the same path, is passed through (gemini-models.ts).
 */
export function nativeChatRoute(
  surface: Exclude<ChatSurface, 'google'>,
): Handler<'activeMemoryKey'> {
  return (edge) => handleNativeChat(edge, { surface, model: null, stream: null, api: 'chat' });
}

/** OpenAI's Responses API, for OpenAI, OpenRouter and compatible models (responses-api.ts). */
export function responsesRoute(edge: Edge<'activeMemoryKey'>): Promise<Response> {
  return handleNativeChat(edge, { surface: 'openai', model: null, stream: null, api: 'responses' });
}

const GEMINI_METHODS: Record<string, boolean> = {
  generateContent: false,
  streamGenerateContent: true,
};

/** Gemini's `{model}:{method}` path segment; another method is a 404 in Google's shape. */
export function geminiRoute(edge: Edge<'activeMemoryKey'>): Promise<Response> {
  const target = edge.params.target ?? '';
  const colon = target.lastIndexOf(':');
  const model = target.slice(0, colon);
  const method = target.slice(colon + 1);
  if (colon > 0 && method === 'countTokens') return geminiCountTokens(edge, model);
  // Own keys only: `toString` and the like are no Gemini method.
  const stream = Object.hasOwn(GEMINI_METHODS, method) ? GEMINI_METHODS[method] : undefined;
  if (colon <= 0 || stream === undefined) {
    throw new CodedError(
      'NOT_FOUND',
      `MemoryRouter serves no POST ${new URL(edge.request.url).pathname}`,
      'ROUTE_NOT_FOUND',
    );
  }
  // The API version the client called is the one Google gets, as for countTokens.
  const geminiVersion = new URL(edge.request.url).pathname.split('/')[1] === 'v1' ? 'v1' : 'v1beta';
  return handleNativeChat(edge, { surface: 'google', model, stream, api: 'chat', geminiVersion });
}
