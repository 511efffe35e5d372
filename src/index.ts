import { handleStripeWebhook } from './billing/webhook';
import { handleGraphQLWebSocket } from './graphql/websocket';
import { yoga } from './graphql/yoga';
import { DEFAULT_MAX_REQUEST_BYTES, limitBody } from './http/body-limit';
import { handleChatRoute, matchChatRoute } from './http/chat-routes';
import { errorResponse } from './http/errors';
import { guarded } from './http/guard';
import { handleVaultRoute, matchVaultRoute } from './http/vault-routes';
import { discardBody } from './request-body';

export { AccountObject } from './durable/account-object';
export { VaultObject } from './durable/vault-object';

/**
 * The Worker: GraphQL at /graphql (queries, mutations, subscriptions over SSE
 * and WebSocket;
 * GraphiQL in development), the drop-in chat routes in OpenAI's
 * (/v1/chat/completions), Anthropic's (/v1/messages) and Gemini's
 * (/v1beta/models/{model}:generateContent) formats, and the
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
    const chatRoute = matchChatRoute(pathname);
    if (chatRoute !== null) return handleChatRoute(request, env, ctx, chatRoute);
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
