import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
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

/**
 * Whether `[ { (` nest deeper than `limit` in a GraphQL document, strings
 * (`"…"` and `"""…"""`) and comments skipped. One pass; it jumps over
 * strings and comments with indexOf.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (char === OPEN_BRACKET || char === OPEN_BRACE || char === OPEN_PAREN) {
      if (++depth > limit) return true;
    } else if (char === CLOSE_BRACKET || char === CLOSE_BRACE || char === CLOSE_PAREN) {
      depth--;
    } else if (char === HASH) {
      const end = text.indexOf('\n', i);
      if (end === -1) return false;
      i = end;
    } else if (char === QUOTE) {
      i = stringEnd(text, i);
      if (i === -1) return false;
    }
  }
  return false;
}

/** The index of a string's closing quote (the last of `"""`); -1 when it never closes. */
function stringEnd(text: string, start: number): number {
  if (text.startsWith('"""', start)) {
    let at = start + 3;
    for (;;) {
      const end = text.indexOf('"""', at);
      if (end === -1) return -1;
      // An escaped triple quote (\""") is part of the block string.
      if (text[end - 1] !== '\\') return end + 2;
      at = end + 3;
    }
  }
  let at = start + 1;
  for (;;) {
    const end = text.indexOf('"', at);
    if (end === -1) return -1;
    let backslashes = 0;
    while (text[end - 1 - backslashes] === '\\') backslashes++;
    if (backslashes % 2 === 0) return end;
    at = end + 1;
  }
}

const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_PAREN = 0x28;
const CLOSE_PAREN = 0x29;
const HASH = 0x23;
const QUOTE = 0x22;
