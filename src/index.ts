import { yoga } from './graphql/yoga';
import { DEFAULT_MAX_REQUEST_BYTES, limitBody } from './http/body-limit';
import { errorResponse } from './http/errors';

export { AccountObject } from './durable/account-object';
export { VaultObject } from './durable/vault-object';

/**
 * The Worker: GraphQL at /graphql (queries, mutations; GraphiQL in
 * development). Durable Object classes are exported for their bindings.
 */
export default {
  async fetch(request, env, ctx): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === '/graphql') {
      const limited = await limitBody(
        request,
        Number(env.MAX_REQUEST_BYTES) || DEFAULT_MAX_REQUEST_BYTES,
      );
      if (limited instanceof Response) return limited;
      return yoga.fetch(limited, { env, ctx });
    }
    if (pathname === '/' || pathname === '/health') {
      return Response.json({ service: 'memoryrouter', graphql: '/graphql' });
    }
    return errorResponse(404, 'NOT_FOUND', `no route for ${request.method} ${pathname}`);
  },
} satisfies ExportedHandler<Env>;
