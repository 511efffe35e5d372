import type { PhaseTimings } from '../resolvers/phase-timings';

/**
 * The response with a `Server-Timing` header of the request's phases. A
 * handler that timed phases of its own (the drop-in chat routes: memory,
 * provider) keeps them; the common phases it did not name come first.
 */
export function withServerTiming(response: Response, timings: PhaseTimings): Response {
  const value = serverTimingValue(response.headers.get('server-timing'), timings);
  try {
    response.headers.set('server-timing', value);
    return response;
  } catch {
    // Immutable headers (a response passed through from fetch): copy it.
    const copy = new Response(response.body, response);
    copy.headers.set('server-timing', value);
    return copy;
  }
}

function serverTimingValue(own: string | null, timings: PhaseTimings): string {
  // Most responses have no phases of their own: nothing to merge.
  if (own === null || own === '') return timings.toHeader();
  const ownNames = new Set(own.split(',').map((entry) => entry.split(';')[0]!.trim()));
  const common = timings
    .toHeader()
    .split(', ')
    .filter((entry) => !ownNames.has(entry.split(';')[0]!));
  return [...common, own].join(', ');
}
