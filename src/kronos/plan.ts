import { CodedError } from '../core/errors';
import { MAX_HITS_PER_WINDOW } from '../core/limits';
import { MEMORY_WINDOWS, windowRange, type Bands, type MemoryWindow } from './windows';

/** One window of a search as the vault runs it: its time range and how many hits it returns. */
export interface WindowSearch {
  window: MemoryWindow;
  /** Exclusive lower bound in ms; null for no bound (ARCHIVE). */
  after: number | null;
  /** Inclusive upper bound in ms. */
  until: number;
  limit: number;
}

export interface WindowQuery {
  window: MemoryWindow;
  limit: number;
}

/**
 * The KRONOS plan of one search: which time ranges to scan and how many hits
 * each returns, all measured back from the same reference time. Windows come
 * back in band order (HOT first) whatever order they were asked in. `ahead`
 * stretches HOT past `now` (windows.ts's `windowRange`). An empty list is
 * refused: it would search nothing and answer as if nothing matched.
 */
export function planWindows(
  queries: readonly WindowQuery[],
  now: number,
  bands: Bands,
  ahead = 0,
): WindowSearch[] {
  if (queries.length === 0)
    throw new CodedError(
      'BAD_USER_INPUT',
      'windows must name at least one window (leave it out for the defaults)',
      'INVALID_WINDOWS',
    );
  const seen = new Set<MemoryWindow>();
  for (const { window, limit } of queries) {
    if (seen.has(window))
      throw new CodedError('BAD_USER_INPUT', `window ${window} is listed twice`, 'INVALID_WINDOWS');
    seen.add(window);
    if (!Number.isInteger(limit) || limit < 0 || limit > MAX_HITS_PER_WINDOW) {
      throw new CodedError(
        'BAD_USER_INPUT',
        `window ${window}: limit must be between 0 and ${MAX_HITS_PER_WINDOW}`,
        'OUT_OF_RANGE',
      );
    }
  }
  return MEMORY_WINDOWS.flatMap((window) => {
    const query = queries.find((candidate) => candidate.window === window);
    return query === undefined
      ? []
      : [{ window, ...windowRange(window, now, bands, ahead), limit: query.limit }];
  });
}
