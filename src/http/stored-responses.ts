import { providerSettings, RESPONSES_WIRE, upstreamHeaders } from '../providers';
import { openUpstream, readBody } from '../providers/http';
import { requireProviderKey } from '../resolvers/chat/provider-keys';
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
 * which memory key created it: so the routes that reach one use only a key
 * the caller holds alone (X-Provider-Key, or one stored for its memory key),
 * never the account-wide key that every memory key of the account shares,
 * and MemoryRouter grants no access the caller did not already have.
 * Counting input tokens reads nothing stored and takes the account's key too.
 * OpenAI's answer comes back byte for byte; a retrieved stream passes through
 * with the same deadlines and error event as a created one.
 */
export async function storedResponsesRoute(edge: Edge<'activeMemoryKey'>): Promise<Response> {
  const { request, env } = edge;
  const context = edgeContext(edge);
  const url = new URL(request.url);
  const readsStored = url.pathname !== '/v1/responses/input_tokens';
  const apiKey = await edge.timings.time('key', () =>
    requireProviderKey(context, 'openai', readsStored ? 'own' : 'shared'),
  );
  const settings = providerSettings(env);
  const stream = url.searchParams.get('stream') === 'true';
  const method = request.method as 'GET' | 'POST' | 'DELETE';
  const opened = await openUpstream(
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
