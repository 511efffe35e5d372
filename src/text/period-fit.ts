import type { NamedDate } from './query-dates';

/**
 * How well a memory's time fits a period a query names, from 0 (outside) to
 * 1: a time on the period's own days (the asker's calendar) fits best at
 * their middle (1) and a little less towards their edges (0.9), so that
 * among memories otherwise equal "on Friday" puts Friday noon before Friday
 * 00:05 and never orders them newest first; a time in its fringe (the same
 * days as other time zones run them, up to 14 hours before and 12 after)
 * fits half as well at its near end, a quarter at its far end, so that "the
 * day before yesterday" puts that day's lunch before the lunch of the day
 * before it. The fringe keeps some weight: a question's date is often the
 * day before the memory saying it ("last night I watched…", stored the next
 * morning). The day's edges lose little: at 3/4 LoCoMo lost answers stored
 * on the named day far from its middle (BENCHMARKS.md).
 */
/** What a time at the edge of the period's own days loses against its middle. */
const CORE_FALL = 0.1;
/** The fit of the fringe's nearest time, and what its farthest loses against it. */
const FRINGE_FIT = 0.5;
const FRINGE_FALL = 0.25;

/**
 * A span asked for its newest ("recently": NamedDate.newestFirst): the age
 * at which a time fits half as well as one at its end. Two days, so that
 * this morning's breakfast stands above yesterday's, and yesterday's
 * above last week's.
 */
const NEWEST_HALF_FIT = 2 * 86_400_000;

export function periodFit(date: NamedDate, time: number): number {
  if (time < date.from || time >= date.until) return 0;
  if (date.newestFirst === true && time >= date.start)
    return NEWEST_HALF_FIT / (NEWEST_HALF_FIT + Math.max(0, date.end - time));
  if (time >= date.start && time < date.end) {
    const half = (date.end - date.start) / 2;
    return 1 - (CORE_FALL * Math.abs(time - (date.start + half))) / half;
  }
  const outside =
    time < date.start
      ? (date.start - time) / (date.start - date.from)
      : (time - date.end + 1) / (date.until - date.end);
  return FRINGE_FIT - FRINGE_FALL * outside;
}
