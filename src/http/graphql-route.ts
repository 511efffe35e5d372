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
