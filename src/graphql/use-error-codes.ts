import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Every error a client sees carries `extensions.code`. Errors the server
 * raised already have one (coded resolver errors, masked internals); what is
 * left are the GraphQL engine's own request errors (syntax, validation,
 * variable coercion, armor limits), which are all the client's input.
 */
export function useErrorCodes(): Plugin {
  const withCode = (error: GraphQLError): GraphQLError =>
    error.extensions?.code
      ? error
      : new GraphQLError(error.message, {
          nodes: error.nodes,
          source: error.source,
          positions: error.positions,
          path: error.path,
          originalError: error.originalError,
          extensions: { ...error.extensions, code: 'BAD_USER_INPUT' },
        });
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
