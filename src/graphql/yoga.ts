import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { createYoga, maskError as defaultMaskError } from 'graphql-yoga';
import { GraphQLError } from 'graphql';
import { createRequestContext, type GraphQLContext } from '../context';
import { schema } from '../schema';
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

/**
 * A GraphQLError whose causes are GraphQLErrors too. Checked by name as well as
 * by class: a library may throw through another copy of graphql-js (the
 * dual-package hazard), and its errors are still the client's, not ours.
 */
function isClientError(error: unknown): boolean {
  const isGraphQLError = (value: unknown): value is GraphQLError =>
    value instanceof GraphQLError || (value instanceof Error && value.name === 'GraphQLError');
  return (
    isGraphQLError(error) && (error.originalError == null || isClientError(error.originalError))
  );
}

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
  maskedErrors: {
    // Errors the client caused (GraphQLErrors all the way down: coded
    // resolver errors, validation and coercion errors) pass through; anything
    // else is masked and still gets a code, so clients can always switch on one.
    maskError(error, message, isDev) {
      if (isClientError(error)) return error as GraphQLError;
      const masked = defaultMaskError(error, message, isDev);
      if (masked instanceof GraphQLError && !masked.extensions.code) {
        return new GraphQLError(masked.message, {
          nodes: masked.nodes,
          path: masked.path,
          extensions: { ...masked.extensions, code: 'INTERNAL_SERVER_ERROR' },
        });
      }
      return masked;
    },
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
