// The calls the providers' SDKs make beside chat, as the providers answer
// them: Anthropic's count_tokens and model list, Gemini's countTokens, model
// list and model, OpenAI's (and OpenRouter's) embeddings. Each checks the
// key as its provider does and answers in the provider's own shape, errors
// included. `besideChat` answers null for any other call.

import { anthropicError } from './anthropic.mjs';
import { tokensOf } from './answers.mjs';
import { googleError } from './google.mjs';
import { openAiError } from './openai.mjs';

const ANTHROPIC_MODELS = [
  { id: 'claude-sonnet-4-5-20250929', display_name: 'Claude Sonnet 4.5', created: '2025-09-29' },
  { id: 'claude-sonnet-4-20250514', display_name: 'Claude Sonnet 4', created: '2025-05-22' },
].map(({ id, display_name, created }) => ({
  type: 'model',
  id,
  display_name,
  created_at: `${created}T00:00:00Z`,
}));

const GEMINI_MODELS = ['gemini-2.5-flash', 'gemini-2.5-pro'].map((id) => ({
  name: `models/${id}`,
  version: '001',
  displayName: id.replace('gemini', 'Gemini').replace('-flash', ' Flash').replace('-pro', ' Pro'),
  inputTokenLimit: 1_048_576,
  outputTokenLimit: 65_536,
  supportedGenerationMethods: ['generateContent', 'countTokens'],
}));

/** Float32 values as OpenAI's base64 encoding_format sends them (little-endian bytes). */
function base64Floats(values) {
  const bytes = new Uint8Array(new Float32Array(values).buffer);
  return btoa(String.fromCharCode(...bytes));
}

const json = (body, status = 200) => Response.json(body, { status });

function anthropic(request, url, body) {
  if (!request.headers.get('anthropic-version'))
    return json(anthropicError(400, 'anthropic-version: header is required'), 400);
  if (!(request.headers.get('x-api-key') ?? '').startsWith('sk-ant-'))
    return json(anthropicError(401, 'invalid x-api-key'), 401);
  if (request.method === 'GET' && url.pathname === '/v1/models') {
    const limit = Number(url.searchParams.get('limit') ?? 20);
    const data = ANTHROPIC_MODELS.slice(0, limit);
    return json({
      data,
      has_more: data.length < ANTHROPIC_MODELS.length,
      first_id: data[0]?.id ?? null,
      last_id: data.at(-1)?.id ?? null,
    });
  }
  const one = /^\/v1\/models\/([^/]+)$/.exec(url.pathname);
  if (request.method === 'GET' && one) {
    const model = ANTHROPIC_MODELS.find((m) => m.id === decodeURIComponent(one[1]));
    return model ? json(model) : json(anthropicError(404, `model: ${one[1]}`), 404);
  }
  if (request.method === 'POST' && url.pathname === '/v1/messages/count_tokens') {
    if (typeof body?.model !== 'string')
      return json(anthropicError(400, 'model: Field required'), 400);
    if (!Array.isArray(body.messages))
      return json(anthropicError(400, 'messages: Field required'), 400);
    return json({ input_tokens: tokensOf(body.messages) + tokensOf(body.system ?? '') });
  }
  return null;
}

function google(request, url, body) {
  const list = /^\/(v1beta|v1)\/models$/.exec(url.pathname);
  const one = /^\/(v1beta|v1)\/models\/([^/:]+)$/.exec(url.pathname);
  const count = /^\/(v1beta|v1)\/models\/([^/:]+):countTokens$/.exec(url.pathname);
  if (!(list || one || count)) return null;
  const key = request.headers.get('x-goog-api-key') ?? url.searchParams.get('key') ?? '';
  if (!key.startsWith('AIza'))
    return json(googleError(400, 'API key not valid. Please pass a valid API key.'), 400);
  if (request.method === 'GET' && list) {
    const size = Number(url.searchParams.get('pageSize') ?? 50);
    const start = Number(url.searchParams.get('pageToken') ?? 0);
    const models = GEMINI_MODELS.slice(start, start + size);
    const next = start + size < GEMINI_MODELS.length ? String(start + size) : null;
    return json({ models, ...(next ? { nextPageToken: next } : {}) });
  }
  if (request.method === 'GET' && one) {
    const model = GEMINI_MODELS.find((m) => m.name === `models/${one[2]}`);
    return model
      ? json(model)
      : json(googleError(404, `models/${one[2]} is not found for API version ${one[1]}`), 404);
  }
  if (request.method === 'POST' && count) {
    const given = body?.contents ?? body?.generateContentRequest?.contents;
    // One content object stands for a one-element list, as Google reads it.
    const contents = given && typeof given === 'object' && !Array.isArray(given) ? [given] : given;
    if (!Array.isArray(contents))
      return json(
        googleError(400, '* CountTokensRequest.contents: contents is not specified'),
        400,
      );
    return json({ totalTokens: tokensOf(contents) });
  }
  return null;
}

function openAi(request, url, body, host) {
  if (request.method !== 'POST' || !url.pathname.endsWith('/embeddings')) return null;
  const auth = request.headers.get('authorization') ?? '';
  const prefix = host === 'openrouter.ai' ? 'Bearer sk-or-' : 'Bearer sk-';
  if (!auth.startsWith(prefix)) return json(openAiError(401, 'Incorrect API key provided'), 401);
  if (typeof body?.model !== 'string' || body.input === undefined)
    return json(openAiError(400, "'input' and 'model' are required"), 400);
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  const data = inputs.map((input, index) => {
    const values = [tokensOf(input) / 10, 0.5, -0.25];
    return {
      object: 'embedding',
      index,
      embedding: body.encoding_format === 'base64' ? base64Floats(values) : values,
    };
  });
  const tokens = inputs.reduce((sum, input) => sum + tokensOf(input), 0);
  return json({
    object: 'list',
    data,
    model: body.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}

/** The provider's answer to a call beside chat, or null when the call is not one. */
export function besideChat(request, url, call) {
  const body = call.body;
  if (url.host === 'api.anthropic.com') return anthropic(request, url, body);
  if (url.host === 'generativelanguage.googleapis.com') return google(request, url, body);
  return openAi(request, url, body, url.host);
}
