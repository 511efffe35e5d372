import { GraphQLError } from 'graphql';
import {
  CodedError,
  ConfigurationError,
  HTTP_STATUS,
  INTERNAL_SERVER_ERROR,
} from '../../core/errors';
import { logError, requestIdExtension } from '../../core/request-log';
import { operationLimitHit } from './operation-limits';

/** The engine's own codes for bad requests, reported as BAD_USER_INPUT with this reason. */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  // Yoga: no operation matches `operationName`, or several with none named.
  'OPERATION_RESOLUTION_FAILURE',
]);

function isGraphQLError(value: unknown): value is GraphQLError {
  // By name as well as by class: a library may throw through another copy of
  // graphql-js (the dual-package hazard), and its errors are still GraphQL errors.
  return value instanceof GraphQLError || (value instanceof Error && value.name === 'GraphQLError');
}

/**
 * The client's doing, safe to show: a CodedError, or a GraphQLError whose
 * causes are GraphQLErrors or CodedErrors too.
 */
export function isClientError(error: unknown): boolean {
  if (error instanceof CodedError || error instanceof ConfigurationError) return true;
  return (
    isGraphQLError(error) && (error.originalError == null || isClientError(error.originalError))
  );
}

/**
 * A coded error as GraphQL reports it: code, reason and details in
 * `extensions`; a configuration error with the variables at fault, as the
 * configuration guard names them.
 */
export function codedGraphQLError(
  coded: CodedError | ConfigurationError,
  located?: Pick<GraphQLError, 'nodes' | 'source' | 'positions' | 'path'>,
): GraphQLError {
  return new GraphQLError(coded.message, {
    nodes: located?.nodes,
    source: located?.source,
    positions: located?.positions,
    path: located?.path,
    extensions: {
      code: coded.code,
      ...(coded.reason === undefined ? {} : { reason: coded.reason }),
      ...(coded instanceof ConfigurationError
        ? { variables: [...coded.variables] }
        : coded.details),
    },
  });
}

/**
 * A coded refusal of the whole request, answered with no `data`. GraphQL over
 * HTTP wants a 4xx for such an answer under `application/graphql-response+json`
 * and 200 under `application/json`: Yoga's `http` extension with `spec: true`
 * says exactly that (it marks its own parse and validation errors so), and
 * Yoga leaves it out of the body.
 */
export function codedRequestRefusal(coded: CodedError): GraphQLError {
  const error = codedGraphQLError(coded);
  return new GraphQLError(error.message, {
    extensions: { ...error.extensions, http: { spec: true, status: HTTP_STATUS[coded.code] } },
  });
}

/**
 * Gives a client-caused error one of the documented codes: errors the server
 * raised keep theirs; the engine's request errors (syntax, validation,
 * coercion, operation limits) become BAD_USER_INPUT with the engine's code as
 * `reason`.
 */
export function withDocumentedCode(error: GraphQLError): GraphQLError {
  const coercion = coercionReason(error);
  const code = coercion ?? error.extensions?.code;
  if (typeof code === 'string' && coercion === null && !REQUEST_ERROR_CODES.has(code))
    return withSpecStatus(error);
  // An operation over a shape limit says which limit, by name (see operation-limits.ts).
  const limit = operationLimitHit(error.message);
  // The engine's own details stay inside: `originalError` (a parser's
  // exception, "SyntaxError: …") is none of the client's business. A request
  // that is not a GraphQL request at all (invalid JSON, no `query`) is a 400
  // whatever the client accepts: `http.spec` would answer it 200 to `Accept:
  // application/json`, which GraphQL over HTTP keeps for well-formed requests
  // whose document fails (parse, validation, coercion). graphql-armor's
  // limits throw out of validation, past the step where Yoga marks
  // validation errors as such: marked here the same way, they answer 400
  // under `application/graphql-response+json` as other validation errors do.
  // The executor's own refusals (a variable it cannot coerce, an
  // `operationName` that matches nothing) carry a bare `http.status` 400,
  // which Yoga would answer under `application/json` too: they are request
  // errors of a well-formed request, so `spec` as well.
  const { http: engineHttp, ...extensions } = error.extensions ?? {};
  delete extensions.originalError;
  const http =
    engineHttp !== undefined && code === 'BAD_REQUEST'
      ? { ...engineHttp, spec: false }
      : limit !== null
        ? { spec: true, status: HTTP_STATUS.BAD_USER_INPUT }
        : engineHttp === undefined
          ? undefined
          : { ...engineHttp, spec: true };
  return new GraphQLError(limit?.message ?? withoutSuggestions(error.message), {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: {
      ...extensions,
      ...(http === undefined ? {} : { http }),
      code: 'BAD_USER_INPUT',
      ...(limit !== null
        ? { reason: limit.reason }
        : // Yoga's refusal of a mutation by GET (and ours of a subscription
          // with effects, use-read-only-get.ts): 405 with Allow, reason as
          // every other route's 405.
          (engineHttp as { status?: number } | undefined)?.status === 405
          ? { reason: 'METHOD_NOT_ALLOWED' }
          : typeof code === 'string'
            ? { reason: code }
            : {}),
    },
  });
}

/**
 * A coded error the executor refused the request with (a scalar's own
 * refusal of a variable, INVALID_DATE_TIME) keeps its code, but its bare
 * `http.status` 400 becomes a request error's (`spec`): 200 under
 * `application/json`, as for the engine's own coercion errors above.
 * Errors without the engine's `http` are returned as they are.
 */
function withSpecStatus(error: GraphQLError): GraphQLError {
  const http = error.extensions?.http as { spec?: boolean } | undefined;
  if (http === undefined || http.spec !== undefined) return error;
  return withExtensions(error, { http: { ...http, spec: true } });
}

/** The same error (message, location, path, cause) with these extensions added or replaced. */
export function withExtensions(
  error: GraphQLError,
  extensions: Record<string, unknown>,
): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, ...extensions },
  });
}

/**
 * The reason of a variable the engine could not coerce to its type, which it
 * reports as BAD_USER_INPUT without one (a scalar's own refusal, such as
 * INVALID_DATE_TIME, arrives as a CodedError and keeps its reason): null for
 * any other error.
 */
function coercionReason(error: GraphQLError): string | null {
  if (error.extensions?.code !== 'BAD_USER_INPUT' || error.extensions.reason !== undefined)
    return null;
  const { message } = error;
  if (!message.startsWith('Variable "$')) return null;
  if (/does not exist in "[^"]+" enum/.test(message)) return 'INVALID_ENUM_VALUE';
  if (/of required type "[^"]+" was not provided|must not be null/.test(message))
    return 'MISSING_VALUE';
  if (/is not defined by type/.test(message)) return 'UNKNOWN_FIELD';
  return 'INVALID_VARIABLE';
}

/**
 * The engine's "Did you mean …?" names schema members close to a wrong one
 * (fields, enum values, types, arguments), which would show a caller who may
 * not introspect (production, no credentials) what the schema holds.
 * graphql-armor's blockFieldSuggestion covers field suggestions in validation
 * only; this covers every request error, variable coercion included.
 */
function withoutSuggestions(message: string): string {
  return message.replace(/\s*Did you mean [^?]*\?/g, '');
}

/** Anything not caused by the client: logged (message only) and replaced by a masked, coded error. */
export function maskUnexpected(error: unknown, path?: readonly (string | number)[]): GraphQLError {
  logError(
    'unexpected error',
    error instanceof Error ? `${error.name}: ${error.message}` : 'unknown',
  );
  return new GraphQLError('Unexpected error.', {
    ...(path ? { path } : {}),
    extensions: { code: INTERNAL_SERVER_ERROR },
  });
}

/** The CodedError (or ConfigurationError) a GraphQLError wraps, however deep; null when there is none. */
function codedCause(error: GraphQLError): CodedError | ConfigurationError | null {
  let cause: unknown = error.originalError;
  while (isGraphQLError(cause)) cause = cause.originalError;
  return cause instanceof CodedError || cause instanceof ConfigurationError ? cause : null;
}

/** What a client may see of any error, with the request's id in its extensions. */
export function toClientError(error: unknown): GraphQLError {
  return withRequestId(shownError(error));
}

function shownError(error: unknown): GraphQLError {
  if (error instanceof CodedError || error instanceof ConfigurationError)
    return codedGraphQLError(error);
  // A resolver's CodedError arrives wrapped in the engine's located error.
  const coded = isGraphQLError(error) ? codedCause(error) : null;
  if (coded !== null) return codedGraphQLError(coded, error as GraphQLError);
  if (isGraphQLError(error) && isClientError(error)) return withDocumentedCode(error);
  return maskUnexpected(error, isGraphQLError(error) ? error.path : undefined);
}

/**
 * The error with `extensions.requestId`, the id its answer carries as
 * X-Memory-Request-Id (core/request-log.ts), for a client that keeps only the
 * body; as it is outside a request or when it has one already.
 */
export function withRequestId(error: GraphQLError): GraphQLError {
  const extension = requestIdExtension();
  if (extension.requestId === undefined || error.extensions?.requestId !== undefined) return error;
  return withExtensions(error, extension);
}
