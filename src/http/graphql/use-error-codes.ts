import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { withDocumentedCode, withRequestId } from './client-errors';

/**
 * Every error a client sees over HTTP carries one of the documented codes
 * (see client-errors.ts) and the request's id; masking has already replaced
 * unexpected errors.
 */
export function useErrorCodes(): Plugin {
  return {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || !('errors' in result) || !result.errors?.length) return;
      setResult({
        ...result,
        errors: result.errors.map((error) =>
          withRequestId(withDocumentedCode(error as GraphQLError)),
        ),
      });
    },
  };
}
