/**
 * KRONOS time windows: disjoint bands measured back from a reference time.
 *
 *   HOT        (now − hot,      now]
 *   WORKING    (now − working,  now − hot]
 *   LONG_TERM  (now − longTerm, now − working]
 *   ARCHIVE    (−∞,             now − longTerm]
 *
 * Each band is open at its older edge and closed at its newer one, so a memory
 * exactly on an edge belongs to one window only (the older one).
 *
 * HOT may reach `ahead` ms past `now`: a search at server time stretches it
 * by the clock skew a `createdAt` is allowed (CREATED_AT_FUTURE_SLACK_MS), so
 * a memory from a client whose clock runs a little fast is found at once. A
 * search with its own `now` (a replay) gets none: as of that time, a memory
 * stamped later was not yet said.
 */
import { MEMORY_WINDOWS, type MemoryWindow } from '../core/window-list';

export { MEMORY_WINDOWS, type MemoryWindow };

export interface Bands {
  hot: number;
  working: number;
  longTerm: number;
}

/** A time range in milliseconds: `after` exclusive (null: unbounded), `until` inclusive. */
export interface TimeRange {
  after: number | null;
  until: number;
}

export function windowRange(window: MemoryWindow, now: number, bands: Bands, ahead = 0): TimeRange {
  switch (window) {
    case 'HOT':
      return { after: now - bands.hot, until: now + ahead };
    case 'WORKING':
      return { after: now - bands.working, until: now - bands.hot };
    case 'LONG_TERM':
      return { after: now - bands.longTerm, until: now - bands.working };
    case 'ARCHIVE':
      return { after: null, until: now - bands.longTerm };
  }
}
