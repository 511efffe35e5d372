import type { NamedDate } from './query-dates';

/**
 * How well a memory's time fits a period a query names, from 0 (outside) to
 * 1: a time on the period's own days (the asker's calendar) fits best at
 * their middle (1) and a little less towards their edges (3/4), so that
 * among memories otherwise equal "on Friday" puts Friday noon before Friday
 * 00:05 and never orders them newest first; a time in its fringe (the same
 * days as other time zones run them, up to 14 hours before and 12 after)
 * fits at most half as well, falling to 0 at the fringe's far end, so that
 * "the day before yesterday" puts that day's lunch before the lunch of the
 * day before it.
 */
export function periodFit(date: NamedDate, time: number): number {
  if (time < date.from || time >= date.until) return 0;
  if (time >= date.start && time < date.end) {
    const half = (date.end - date.start) / 2;
    return 1 - (0.25 * Math.abs(time - (date.start + half))) / half;
  }
  const outside =
    time < date.start
      ? (date.start - time) / (date.start - date.from)
      : (time - date.end + 1) / (date.until - date.end);
  return 0.5 * (1 - outside);
}
