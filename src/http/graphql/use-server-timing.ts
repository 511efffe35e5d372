import type { Plugin } from 'graphql-yoga';
import type { PhaseTimings } from '../../resolvers/phase-timings';

/** What the HTTP layer put in Yoga's server context: the request's timings (none in plain Node). */
interface WithTimings {
  edge?: { timings?: PhaseTimings };
}

const timingsOf = (context: unknown): PhaseTimings | undefined =>
  (context as WithTimings | undefined)?.edge?.timings;

/**
 * Times GraphQL's own phases into the request's timings (the HTTP layer
 * sends them as Server-Timing): parse and validation, and serialization,
 * from the result's processing until the response exists.
 */
export function useServerTiming(): Plugin {
  const serializing = new WeakMap<Request, number>();
  return {
    onParse({ context }) {
      const start = performance.now();
      return () => timingsOf(context)?.since('parse', start);
    },
    onValidate({ context }) {
      const start = performance.now();
      return () => timingsOf(context)?.since('parse', start);
    },
    onResultProcess({ request }) {
      serializing.set(request, performance.now());
    },
    onResponse({ request, serverContext }) {
      const start = serializing.get(request);
      if (start !== undefined) timingsOf(serverContext)?.since('serialize', start);
    },
  };
}
