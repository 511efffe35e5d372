import { CodedError } from '../core/errors';
import { errorResponse } from './error-shapes';
import { yoga } from './graphql/yoga';
import type { Edge } from './edge';
import { handleGraphQLWebSocket } from './graphql-websocket';

/**
 * /graphql: GraphQL over HTTP and SSE through Yoga, with the caller the edge
 * authenticated (credentials are optional here: each field declares what it
 * needs, see src/schema/builder.ts); GET with `Upgrade: websocket` is GraphQL
 * over WebSocket, whose operations authenticate as they start.
 */
export function graphqlRoute(edge: Edge<'optional'>): Response | Promise<Response> {
  const { request, env, ctx } = edge;
  if (request.headers.get('upgrade')?.toLowerCase() === 'websocket') {
    return handleGraphQLWebSocket(request, env, ctx);
  }
  if (asksForGraphiQL(request) && env.ENVIRONMENT !== 'development') {
    // Yoga would answer 406 with an empty body: say what is off and what to do.
    return errorResponse(
      'graphql',
      new CodedError(
        'NOT_FOUND',
        'GraphiQL is off on this deployment (ENVIRONMENT is not development): send GraphQL as POST /graphql with a JSON body { "query": … }',
        'GRAPHIQL_DISABLED',
      ),
    );
  }
  return yoga.fetch(request, {
    env,
    ctx,
    edge: {
      principal: edge.principal,
      authError: edge.authError,
      providerKey: edge.providerKey,
      signal: request.signal,
      timings: edge.timings,
    },
  });
}

/** A browser opening /graphql: a GET without a query that takes HTML. */
function asksForGraphiQL(request: Request): boolean {
  return (
    request.method === 'GET' &&
    !new URL(request.url).searchParams.has('query') &&
    (request.headers.get('accept') ?? '').includes('text/html')
  );
}
