/**
 * Calendar periods in UTC, counted from a day: the arithmetic behind dates
 * said relative to "now" ("yesterday", "last March", "two weeks ago").
 * Periods are [start, end) in ms since the epoch; days are whole UTC days
 * since the epoch (day 0, 1 January 1970, was a Thursday).
 */
export type PeriodKind = 'day' | 'week' | 'month' | 'season' | 'year';

export interface Period {
  kind: PeriodKind;
  start: number;
  end: number;
}

export const DAY = 86_400_000;

export type Season = 'spring' | 'summer' | 'autumn' | 'winter';

/**
 * Meteorological seasons of the northern hemisphere, by their first month:
 * spring March–May, summer June–August, autumn September–November, winter
 * December–February. Winter of a year is the one its January falls in, so it
 * starts in December of the year before.
 */
const SEASON_START: Record<Season, number> = { spring: 2, summer: 5, autumn: 8, winter: -1 };

/** The UTC day (since the epoch) that holds `ms`. */
export const dayOf = (ms: number) => Math.floor(ms / DAY);

/** Monday 0 … Sunday 6. */
export const weekdayOf = (day: number) => (day + 3) % 7;

export function dayPeriod(day: number): Period {
  return { kind: 'day', start: day * DAY, end: (day + 1) * DAY };
}

/** The Monday-to-Sunday week (ISO 8601) that holds `day`. */
export function weekPeriod(day: number): Period {
  const monday = day - weekdayOf(day);
  return { kind: 'week', start: monday * DAY, end: (monday + 7) * DAY };
}

/** Month `month` (0–11, or beyond: Date.UTC carries the year) of `year`. */
export function monthPeriod(year: number, month: number): Period {
  return { kind: 'month', start: Date.UTC(year, month, 1), end: Date.UTC(year, month + 1, 1) };
}

export function yearPeriod(year: number): Period {
  return { kind: 'year', start: Date.UTC(year, 0, 1), end: Date.UTC(year + 1, 0, 1) };
}

export function seasonPeriod(season: Season, year: number): Period {
  const first = SEASON_START[season];
  return { kind: 'season', start: Date.UTC(year, first, 1), end: Date.UTC(year, first + 3, 1) };
}

/** The year, month (0–11) and day of month of a UTC day. */
export function calendarOf(day: number): { year: number; month: number; date: number } {
  const at = new Date(day * DAY);
  return { year: at.getUTCFullYear(), month: at.getUTCMonth(), date: at.getUTCDate() };
}

/** Whether `date` is a day of `month` in `year` (no 31 June, 29 February only in leap years). */
export function isDayOfMonth(year: number, month: number, date: number): boolean {
  return (
    month >= 0 &&
    month <= 11 &&
    date >= 1 &&
    date <= new Date(Date.UTC(year, month + 1, 0)).getUTCDate()
  );
}

/**
 * The latest period that `periodOf(year)` gives and that has begun by the
 * end of `today` (`ended`: that has ended by its start, so "last March"
 * asked in March is a year back). Looks back over a few years, enough for
 * 29 February.
 */
export function latestPeriod(
  today: number,
  periodOf: (year: number) => Period | null,
  ended = false,
): Period | null {
  const { year } = calendarOf(today);
  for (let back = -1; back <= 8; back++) {
    const period = periodOf(year - back);
    if (period === null) continue;
    if (ended ? period.end <= today * DAY : period.start < (today + 1) * DAY) return period;
  }
  return null;
}

/**
 * The first period that `periodOf(year)` gives and that begins after
 * `today`, if it begins within a year of it: the coming one of a date said
 * without its year ("December 4th" asked in November).
 */
export function nextPeriod(
  today: number,
  periodOf: (year: number) => Period | null,
): Period | null {
  const { year } = calendarOf(today);
  for (let ahead = 0; ahead <= 1; ahead++) {
    const period = periodOf(year + ahead);
    if (period === null || period.start < (today + 1) * DAY) continue;
    return period.start < (today + 366) * DAY ? period : null;
  }
  return null;
}
