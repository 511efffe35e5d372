import { CodedError } from '../core/errors';
import { providerSettings, upstreamHeaders } from '../providers';
import { openUpstream, readBody } from '../providers/http';
import type { ProviderId } from '../providers/types';
import { requireProviderKey } from '../resolvers/chat/provider-keys';
import type { Edge } from './edge';
import { edgeContext } from './edge-context';
import { providerHeaders } from './provider-headers';

/** A call forwarded as it is: where it goes, under the provider's configured base. */
export interface PassThrough {
  provider: ProviderId;
  method: 'GET' | 'POST';
  /** The path (and query) after the provider's base URL. */
  path: string;
  /** The client's body, as sent; none for GET. */
  body?: string;
}

/** The provider's base URL without its trailing slash; a compatible server may be unset. */
export function providerRoot(env: Env, provider: ProviderId): string | null {
  return providerSettings(env).endpoints[provider]?.replace(/\/$/, '') ?? null;
}

/**
 * Sends a call the client's SDK makes beside chat (token counts, embeddings,
 * model lists) to the provider with the caller's key (X-Provider-Key) or a
 * stored one, and answers with the provider's status, headers and bytes. No
 * memory is added and nothing is stored or metered: these calls make no chat
 * turn. A provider's refusal comes back as a coded error, which the app
 * answers in the surface's (the provider's own) error shape, the key never quoted.
 */
export async function passThrough(
  edge: Edge<'memoryKey' | 'activeMemoryKey'>,
  call: PassThrough,
): Promise<Response> {
  const { request, env } = edge;
  const apiKey = await edge.timings.time('key', () =>
    requireProviderKey(edgeContext(edge), call.provider),
  );
  const root = providerRoot(env, call.provider);
  if (root === null) {
    // Only the compatible server has no default base.
    throw new CodedError(
      'BAD_USER_INPUT',
      'no OpenAI-compatible server is configured (COMPATIBLE_BASE_URL)',
      'COMPATIBLE_NOT_CONFIGURED',
    );
  }
  const { timeoutMs } = providerSettings(env);
  const started = performance.now();
  const opened = await openUpstream(
    call.provider,
    {
      method: call.method,
      url: `${root}${call.path}`,
      headers: upstreamHeaders(call.provider, apiKey, false, request.headers),
      body: call.body,
    },
    apiKey,
    timeoutMs,
    request.signal,
  );
  const bytes = await readBody(call.provider, opened, apiKey, timeoutMs);
  edge.timings.add('provider', performance.now() - started);
  return new Response(bytes, {
    status: opened.response.status,
    headers: providerHeaders(opened.response.headers),
  });
}
