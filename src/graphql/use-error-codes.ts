import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** The engine's own codes for bad requests, reported as BAD_USER_INPUT with this reason. */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
]);

/**
 * Every error a client sees carries one of the documented codes. Errors the
 * server raised already have one (coded resolver errors, masked internals);
 * what is left are the GraphQL engine's request errors (syntax, validation,
 * variable coercion, operation limits): all of them the client's input.
 */
export function useErrorCodes(): Plugin {
  const withCode = (error: GraphQLError): GraphQLError => {
    const code = error.extensions?.code;
    if (typeof code === 'string' && !REQUEST_ERROR_CODES.has(code)) return error;
    return new GraphQLError(error.message, {
      nodes: error.nodes,
      source: error.source,
      positions: error.positions,
      path: error.path,
      originalError: error.originalError,
      extensions: {
        ...error.extensions,
        code: 'BAD_USER_INPUT',
        ...(typeof code === 'string' ? { reason: code } : {}),
      },
    });
  };
  return {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || !('errors' in result) || !result.errors?.length) return;
      setResult({
        ...result,
        errors: result.errors.map((error) => withCode(error as GraphQLError)),
      });
    },
  };
}
