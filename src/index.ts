import { app } from './http/app';

export { AccountObject } from './durable/account/account-object';
export { CreatedResponsesObject } from './durable/account/created-responses-object';
export { UsageShardObject } from './durable/account/usage-shard-object';
export { VaultObject } from './durable/vault/vault-object';

/**
 * The Worker: every route (GraphQL at /graphql over HTTP, SSE and WebSocket,
 * the drop-in chat routes in OpenAI's, Anthropic's and Gemini's formats, vault
 * export and import, the Stripe webhook, /health) lives in the HTTP layer,
 * src/http/app.ts. The Durable Object classes are exported for their bindings.
 */
export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
