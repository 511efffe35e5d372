import { checkWindowList, type WindowQuery } from '../core/window-list';
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

/**
 * The KRONOS plan of one search: which time ranges to scan and how many hits
 * each returns, all measured back from the same reference time. Windows come
 * back in band order (HOT first) whatever order they were asked in. `ahead`
 * stretches HOT past `now` (windows.ts's `windowRange`). The list is checked
 * as every window list is (core/window-list.ts): an empty list, a window
 * twice or hits out of range are refused with the same reasons as on the
 * drop-in routes and in KRONOS_DEFAULT_HITS.
 */
export function planWindows(
  queries: readonly WindowQuery[],
  now: number,
  bands: Bands,
  ahead = 0,
): WindowSearch[] {
  checkWindowList(queries, 'windows');
  return MEMORY_WINDOWS.flatMap((window) => {
    const query = queries.find((candidate) => candidate.window === window);
    return query === undefined
      ? []
      : [{ window, ...windowRange(window, now, bands, ahead), limit: query.limit }];
  });
}
