import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * An `operationName` that is not a string (an object, a number) makes the
 * request malformed, not merely unrunnable: a 400 (BAD_REQUEST) whatever the
 * client accepts, as GraphQL over HTTP allows. Yoga lets it through to
 * operation resolution, whose refusal (OPERATION_RESOLUTION_FAILURE) is a
 * well-formed request's and answers 200 under `application/json`.
 */
export function useOperationNameCheck(): Plugin {
  return {
    onParams({ params }) {
      const { operationName } = params as { operationName?: unknown };
      if (operationName == null || typeof operationName === 'string') return;
      throw new GraphQLError(
        `Expected "operationName" param to be a string, but given ${Array.isArray(operationName) ? 'array' : typeof operationName}.`,
        { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } },
      );
    },
  };
}
