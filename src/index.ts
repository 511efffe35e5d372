import { handleStripeWebhook } from './billing/webhook';
import { handleGraphQLWebSocket } from './graphql/websocket';
import { yoga } from './graphql/yoga';
import { DEFAULT_MAX_REQUEST_BYTES, limitBody } from './http/body-limit';
import { handleMessages } from './http/anthropic-route';
import { errorResponse } from './http/errors';
import { guarded } from './http/guard';
import { handleChatCompletions } from './http/openai-route';
import { handleVaultRoute, matchVaultRoute } from './http/vault-routes';
import { discardBody } from './request-body';

export { AccountObject } from './durable/account-object';
export { VaultObject } from './durable/vault-object';

/**
 * The Worker: GraphQL at /graphql (queries, mutations, subscriptions over SSE
 * and WebSocket;
 * GraphiQL in development), and the drop-in chat routes in OpenAI's
 * (/v1/chat/completions) and Anthropic's (/v1/messages) formats, and the
 * Stripe webhook (/stripe/webhook). Durable
 * Object classes are exported for their bindings.
 */
export default {
  fetch: guarded(async (request, env, ctx): Promise<Response> => {
    const { pathname } = new URL(request.url);
    if (pathname === '/graphql') {
      if (request.headers.get('upgrade')?.toLowerCase() === 'websocket') {
        return handleGraphQLWebSocket(request, env, ctx);
      }
      const limited = await limitBody(
        request,
        Number(env.MAX_REQUEST_BYTES) || DEFAULT_MAX_REQUEST_BYTES,
      );
      if (limited instanceof Response) return limited;
      return yoga.fetch(limited, { env, ctx });
    }
    if (pathname === '/v1/chat/completions' || pathname === '/v1/messages') {
      if (request.method !== 'POST') {
        await discardBody(request);
        return errorResponse(405, 'BAD_USER_INPUT', `use POST for ${pathname}`);
      }
      const limited = await limitBody(
        request,
        Number(env.MAX_REQUEST_BYTES) || DEFAULT_MAX_REQUEST_BYTES,
      );
      if (limited instanceof Response) return limited;
      return pathname === '/v1/messages'
        ? handleMessages(limited, env, ctx)
        : handleChatCompletions(limited, env, ctx);
    }
    const vaultRoute = matchVaultRoute(pathname);
    if (vaultRoute !== null) return handleVaultRoute(request, env, ctx, vaultRoute);
    if (pathname === '/stripe/webhook' && request.method === 'POST') {
      return handleStripeWebhook(
        request,
        env,
        Number(env.MAX_REQUEST_BYTES) || DEFAULT_MAX_REQUEST_BYTES,
      );
    }
    if (pathname === '/' || pathname === '/health') {
      return Response.json({ service: 'memoryrouter', graphql: '/graphql' });
    }
    await discardBody(request);
    return errorResponse(404, 'NOT_FOUND', `no route for ${request.method} ${pathname}`);
  }),
} satisfies ExportedHandler<Env>;
