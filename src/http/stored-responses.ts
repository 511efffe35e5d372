import { CodedError } from '../core/errors';
import { providerSettings, RESPONSES_WIRE, upstreamHeaders } from '../providers';
import { openUpstream, readBody } from '../providers/http';
import { requireCreatedResponse, takeCreatedResponse } from '../resolvers/chat/created-responses';
import { requireScopedProviderKey } from '../resolvers/chat/provider-keys';
import type { KeyContext } from '../resolvers/request-context';
import type { Edge } from './edge';
import { edgeContext } from './edge-context';
import { providerHeaders } from './provider-headers';
import { responsesErrorFrame } from './responses-api';
import { passThroughSse } from './sse-pass-through';

/**
 * OpenAI's endpoints around stored responses, beside POST /v1/responses:
 *   GET, DELETE /v1/responses/{id}        retrieve (also as a stream: ?stream=true), delete
 *   POST /v1/responses/{id}/cancel        cancel a background response
 *   GET  /v1/responses/{id}/input_items   the input items it was given
 *   POST /v1/responses/input_tokens       count a request's input tokens
 * They make no chat turn: no memory is added, nothing is stored or metered.
 * Each goes to OpenAI (where `store` kept the response; OpenRouter keeps
 * none) with the caller's OpenAI key. A stored response holds the memory its
 * create put in `instructions`, and OpenAI knows only the provider key, not
 * which memory key created it: with the account-wide key, which every memory
 * key of the account shares, the routes that reach one serve only the memory
 * key that created it through MemoryRouter (created-responses.ts), checked
 * before OpenAI is called; a key the caller holds alone (X-Provider-Key, or
 * one stored for its memory key) needs no check, since MemoryRouter then
 * grants no access the caller did not already have. A DELETE removes the
 * record in the same call. Counting input tokens reads nothing stored.
 * OpenAI's answer comes back byte for byte; a retrieved stream passes through
 * with the same deadlines and error event as a created one.
 */
export async function storedResponsesRoute(edge: Edge<'activeMemoryKey'>): Promise<Response> {
  const { request, env } = edge;
  const context = edgeContext(edge);
  const url = new URL(request.url);
  const method = request.method as 'GET' | 'POST' | 'DELETE';
  const responseId = edge.params.id ?? null;
  const { apiKey, deleted } = await edge.timings.time('key', () =>
    keyForStoredResponse(context, responseId, method),
  );
  const settings = providerSettings(env);
  const stream = url.searchParams.get('stream') === 'true';
  let opened;
  try {
    opened = await openUpstream(
      'openai',
      {
        method,
        // The path after /v1, under OpenAI's base (which ends in /v1), query included.
        url: `${settings.endpoints.openai.replace(/\/$/, '')}${url.pathname.slice('/v1'.length)}${url.search}`,
        headers: upstreamHeaders('openai', apiKey, stream, request.headers),
        body: method === 'POST' ? await request.text() : undefined,
      },
      apiKey,
      settings.timeoutMs,
      request.signal,
    );
  } catch (error) {
    // OpenAI did not delete it (a 404 says it is gone anyway): its creator keeps access.
    if (deleted !== null && !isNotFound(error)) await deleted.restore();
    throw error;
  }
  const headers = providerHeaders(opened.response.headers);
  if (!opened.response.headers.get('content-type')?.includes('text/event-stream')) {
    const bytes = await readBody('openai', opened, apiKey, settings.timeoutMs);
    return new Response(bytes, { status: opened.response.status, headers });
  }
  const decoder = RESPONSES_WIRE.decoding.streamDecoder('openai', apiKey);
  const events = passThroughSse(opened, {
    provider: 'openai',
    apiKey,
    decoder,
    idleMs: settings.timeoutMs,
    errorFrame: (error) => responsesErrorFrame(error, decoder.nextSequence ?? 0),
    // A retrieved answer was the created call's turn: nothing to store here.
    onComplete: () => undefined,
  });
  return new Response(events, { status: opened.response.status, headers });
}

/**
 * The OpenAI key for a call about stored response `responseId` (null: the
 * token count, which reads nothing stored). With the account's shared key the
 * caller must have created the response through MemoryRouter; a DELETE takes
 * its record at once, with what puts it back should OpenAI not delete it.
 */
async function keyForStoredResponse(
  context: KeyContext,
  responseId: string | null,
  method: string,
): Promise<{ apiKey: string | null; deleted: { restore(): Promise<void> } | null }> {
  const { key, shared } = await requireScopedProviderKey(context, 'openai');
  if (!shared || responseId === null) return { apiKey: key, deleted: null };
  if (method === 'DELETE')
    return { apiKey: key, deleted: await takeCreatedResponse(context, responseId) };
  await requireCreatedResponse(context, responseId);
  return { apiKey: key, deleted: null };
}

const isNotFound = (error: unknown) => error instanceof CodedError && error.details.status === 404;
