import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { nestsDeeperThan } from '../../core/nesting';
import { OPERATION_LIMIT_ERRORS, OPERATION_LIMITS } from './operation-limits';

/**
 * Refuses a document whose brackets nest deeper than the nesting limit,
 * before the parser sees it. graphql-js's parser recurses once per `[`, `{`
 * or `(` and counts tokens only as it lexes them: `[` × 2,000 in a
 * variable's default reaches the token limit at the edge of the stack, so it
 * overflowed into an unexpected error (review214 W2). Over HTTP and over
 * WebSocket alike, as both parse through Yoga's envelop.
 */
export function useNestingLimit(): Plugin {
  return {
    onParse({ params }) {
      const source = params.source;
      const text = typeof source === 'string' ? source : source.body;
      if (nestsDeeperThan(text, OPERATION_LIMITS.maxNesting)) {
        throw new GraphQLError(OPERATION_LIMIT_ERRORS.NESTING_LIMIT);
      }
    },
  };
}
