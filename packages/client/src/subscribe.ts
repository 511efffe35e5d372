import { createClient as createSseClient, NetworkError } from 'graphql-sse';
import { fromFailedResponse, fromGraphQLErrors, networkError } from './errors.js';
import type { GraphQLErrorEntry } from './errors.js';
import type { Operation, Transport } from './transport.js';

/**
 * A GraphQL subscription over Server-Sent Events (graphql-sse, "distinct
 * connections" mode: one POST per subscription), as an async iterator of
 * each event's data. Errors in the stream are thrown as MemoryRouterError.
 * Leaving the loop early (break, return, or `signal`) closes the stream, and
 * the server stops what it was doing for it. Nothing is retried: a chat that
 * was cut off must not be sent to the model twice. A `signal` aborted before
 * the first event is asked for ends the loop the same way, before anything
 * is sent (an abort during the stream throws nothing either).
 */
export async function* subscribe<TResult, TVariables>(
  transport: Transport,
  operation: Operation<TResult, TVariables>,
  variables: TVariables,
  options: { headers?: Record<string, string>; signal?: AbortSignal } = {},
): AsyncGenerator<TResult, void, undefined> {
  // Its 'abort' event has fired already: the listener below would never run.
  if (options.signal?.aborted) return;
  const sse = createSseClient({
    url: transport.graphqlUrl,
    headers: transport.headers(options.headers),
    fetchFn: transport.fetch,
    retryAttempts: 0,
  });
  const events = sse.iterate<TResult>({
    query: operation.toString(),
    variables: variables as Record<string, unknown>,
  });
  const stop = () => void events.return?.();
  options.signal?.addEventListener('abort', stop, { once: true });
  try {
    while (true) {
      let next: IteratorResult<{ data?: TResult | null; errors?: readonly unknown[] }>;
      try {
        next = await events.next();
      } catch (error) {
        throw await asCoded(transport.graphqlUrl, error);
      }
      if (next.done || options.signal?.aborted) return;
      const { data, errors } = next.value;
      if (errors !== undefined && errors.length > 0)
        throw fromGraphQLErrors(errors as GraphQLErrorEntry[], undefined);
      if (data !== undefined && data !== null) yield data;
    }
  } finally {
    options.signal?.removeEventListener('abort', stop);
    await events.return?.();
    sse.dispose();
  }
}

/** graphql-sse reports a refused request as NetworkError carrying the response. */
async function asCoded(url: string, error: unknown): Promise<unknown> {
  if (error instanceof NetworkError) {
    const response = error.response;
    if (response instanceof Response) return fromFailedResponse(response);
    return networkError(url, error.message);
  }
  return error;
}
