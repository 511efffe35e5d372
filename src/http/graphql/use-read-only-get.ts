import { getOperationAST, GraphQLError, Kind } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Subscriptions a GET may run: they only read. `memoryEvents` streams a
 * vault's changes and writes, calls and bills nothing, and a browser's
 * EventSource can only send a GET.
 */
const READ_ONLY_SUBSCRIPTIONS: ReadonlySet<string> = new Set(['memoryEvents']);

/**
 * GraphQL over HTTP keeps GET for operations without side effects: a URL is
 * fetched by link previews, prefetchers and crawlers, and a `?key=mk_…` URL
 * carries its credential along. Yoga refuses a mutation sent by GET (405,
 * `Allow: POST`); a subscription with effects (`chat` calls the provider
 * with the account's stored key, stores the turn and bills) is refused the
 * same way here. Over WebSocket there is no request in the context: a socket
 * message is no GET.
 */
export function useReadOnlyGet(): Plugin {
  return {
    onParse() {
      return ({ result, context }) => {
        const { request, params } = context as {
          request?: Request;
          params?: { operationName?: string | null };
        };
        if (request?.method !== 'GET' || result == null || result instanceof Error) return;
        const operation = getOperationAST(result, params?.operationName ?? undefined);
        if (operation?.operation !== 'subscription') return;
        const readOnly = operation.selectionSet.selections.every(
          (selection) =>
            selection.kind === Kind.FIELD && READ_ONLY_SUBSCRIPTIONS.has(selection.name.value),
        );
        if (readOnly) return;
        // Yoga's own refusal of a mutation by GET, word for word in kind:
        // client-errors.ts gives both the reason METHOD_NOT_ALLOWED.
        throw new GraphQLError(
          'Can only perform this subscription from a POST request: it has side effects (a GET runs queries and the memoryEvents subscription only).',
          {
            extensions: { code: 'BAD_REQUEST', http: { status: 405, headers: { Allow: 'POST' } } },
          },
        );
      };
    },
  };
}
