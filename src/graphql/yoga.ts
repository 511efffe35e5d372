import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { createYoga } from 'graphql-yoga';
import { createRequestContext, type GraphQLContext } from '../context';
import { schema } from '../schema';
import { toClientError } from './client-errors';
import { yogaLogger } from './logger';
import { useErrorCodes } from './use-error-codes';
import { useIntrospectionPolicy } from './use-introspection-policy';
import { useMemoryReceipt } from './use-memory-receipt';

/** Limits on the shape of operations (graphql-armor); the numbers are never echoed to clients. */
export const OPERATION_LIMITS = {
  maxDepth: 12,
  maxAliases: 15,
  maxDirectives: 10,
  maxTokens: 2_000,
  maxCost: 5_000,
} as const;

interface ServerContext {
  env: Env;
  ctx: ExecutionContext;
}

export const yoga = createYoga<ServerContext, GraphQLContext>({
  schema,
  graphqlEndpoint: '/graphql',
  landingPage: false,
  // GraphiQL only where ENVIRONMENT says development (wrangler dev).
  graphiql: (_request, { env }) => env.ENVIRONMENT === 'development',
  batching: false,
  logging: yogaLogger,
  maskedErrors: {
    // Errors the client caused (GraphQLErrors all the way down: coded resolver
    // errors, validation and coercion errors) pass through; anything else is
    // masked and still gets a code, so clients can always switch on one.
    maskError: (error) => toClientError(error),
  },
  plugins: [
    EnvelopArmorPlugin({
      maxDepth: { n: OPERATION_LIMITS.maxDepth, exposeLimits: false, ignoreIntrospection: true },
      maxAliases: { n: OPERATION_LIMITS.maxAliases, exposeLimits: false },
      maxDirectives: { n: OPERATION_LIMITS.maxDirectives, exposeLimits: false },
      maxTokens: { n: OPERATION_LIMITS.maxTokens, exposeLimits: false },
      costLimit: {
        maxCost: OPERATION_LIMITS.maxCost,
        exposeLimits: false,
        ignoreIntrospection: true,
      },
      blockFieldSuggestion: { enabled: true },
    }),
    useIntrospectionPolicy(),
    useErrorCodes(),
    useMemoryReceipt(),
  ],
  context: ({ request, env, ctx }) => createRequestContext(request, env, ctx),
});
