import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { createYoga } from 'graphql-yoga';
import type { Principal } from '../../resolvers/principal';
import {
  createRequestContext,
  type EdgeFacts,
  type RequestContext,
} from '../../resolvers/request-context';
import { schema } from '../../schema';
import { toClientError } from './client-errors';
import { GRAPHIQL_OPTIONS, renderGraphiQLPage } from './graphiql-page';
import { yogaLogger } from './logger';
import { OPERATION_LIMIT_ERRORS as LIMIT, OPERATION_LIMITS } from './operation-limits';
import { useErrorCodes } from './use-error-codes';
import { useIntrospectionPolicy } from './use-introspection-policy';
import { useMemoryReceipt } from './use-memory-receipt';
import { useNestingLimit } from './use-nesting-limit';
import { useOperationNameCheck } from './use-operation-name-check';
import { useReadOnlyGet } from './use-read-only-get';
import { useRefusedOpening } from './use-refused-opening';
import { useServerTiming } from './use-server-timing';
import { useSseEventStream } from './use-sse-event-stream';
import { useVaultReadLimit } from './use-vault-read-limit';

/** What the HTTP layer hands Yoga: bindings and the caller it authenticated. */
interface ServerContext {
  env: Env;
  ctx: ExecutionContext;
  edge: EdgeFacts<Principal | null>;
}

export const yoga = createYoga<ServerContext, RequestContext>({
  schema,
  graphqlEndpoint: '/graphql',
  landingPage: false,
  // GraphiQL only where ENVIRONMENT says development (wrangler dev), served
  // from the Worker's own static assets so it works offline.
  graphiql: (_request, { env }) => env.ENVIRONMENT === 'development' && GRAPHIQL_OPTIONS,
  renderGraphiQL: renderGraphiQLPage,
  batching: false,
  // CORS is answered once, for every route, by the HTTP layer (src/http/app.ts).
  cors: false,
  // The HTTP layer has bounded the body already (MAX_REQUEST_BYTES) and
  // refuses multipart bodies (body-checks.ts): Yoga's own limit would copy
  // every request through a TransformStream, and its multipart parser would
  // never be reached.
  maxRequestBodySize: false,
  multipart: false,
  logging: yogaLogger,
  maskedErrors: {
    // Errors the client caused (GraphQLErrors all the way down: coded resolver
    // errors, validation and coercion errors) pass through; anything else is
    // masked and still gets a code, so clients can always switch on one.
    maskError: (error) => toClientError(error),
  },
  plugins: [
    useNestingLimit(),
    EnvelopArmorPlugin({
      maxDepth: {
        n: OPERATION_LIMITS.maxDepth,
        exposeLimits: false,
        errorMessage: LIMIT.DEPTH_LIMIT,
        ignoreIntrospection: true,
      },
      maxAliases: {
        n: OPERATION_LIMITS.maxAliases,
        exposeLimits: false,
        errorMessage: LIMIT.ALIAS_LIMIT,
      },
      maxDirectives: {
        n: OPERATION_LIMITS.maxDirectives,
        exposeLimits: false,
        errorMessage: LIMIT.DIRECTIVE_LIMIT,
      },
      maxTokens: {
        n: OPERATION_LIMITS.maxTokens,
        exposeLimits: false,
        errorMessage: LIMIT.TOKEN_LIMIT,
      },
      costLimit: {
        maxCost: OPERATION_LIMITS.maxCost,
        exposeLimits: false,
        errorMessage: LIMIT.COST_LIMIT,
        ignoreIntrospection: true,
      },
      // No mask: a marker only where a near name exists would tell that one does.
      blockFieldSuggestion: { enabled: true, mask: '' },
    }),
    useOperationNameCheck(),
    useReadOnlyGet(),
    useIntrospectionPolicy(),
    useVaultReadLimit(),
    useErrorCodes(),
    useMemoryReceipt(),
    useRefusedOpening(),
    useServerTiming(),
    // After Yoga's own result processors: replaces its SSE writer.
    useSseEventStream(),
  ],
  context: ({ env, ctx, edge }) => createRequestContext(env, ctx, edge),
});
