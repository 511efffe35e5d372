/**
 * The one rule for a time a client sends (a memory's `createdAt`, an import
 * line's `timestamp`, a search's `now`), on every surface alike:
 *
 * - an RFC 3339 date-time with its offset: `2026-11-26T10:00:00Z`,
 *   `2026-11-26T12:00:00+02:00` (fractions of a second allowed, `T` and `Z`
 *   in either case, a space for the `T` as RFC 3339 5.6 allows:
 *   `2026-11-26 10:00:00Z`); a time without an offset is refused, since
 *   which zone it was written in is a guess, and so are other forms
 *   ("26 Nov 2026", "2026-11-26 10:00:00") that `Date.parse` would read one
 *   way or another;
 * - a whole number of milliseconds since 1970-01-01T00:00:00Z, from
 *   2001-01-01 on (a fraction is INVALID_DATE_TIME). Smaller numbers are
 *   refused: what a client sends as one is in practice seconds (1795700000 is
 *   2026-11-26 in seconds, 1970-01-21 in milliseconds; TIMESTAMP_IN_SECONDS
 *   below 1e11), and a time before 2001 can still be sent as text
 *   (TIME_OUT_OF_RANGE says so for milliseconds of 1973–2000).
 */

import { EARLIEST_CREATED_AT, REFERENCE_TIME_FUTURE_SLACK_MS } from './limits';

/** 2001-01-01T00:00:00Z: a number below it is taken for seconds, not milliseconds. */
export const EARLIEST_NUMERIC_TIME = Date.UTC(2001, 0, 1);

/**
 * Below it a number before 2001 is read as seconds (the hint says so); from
 * it up, as milliseconds of 1973–2000: 1e11 seconds is already year 5138.
 */
const SECONDS_CUT = 1e11;

/** The largest time a JavaScript Date holds. */
const LATEST_TIME = 8.64e15;

const RFC_3339 =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:Z|([+-])(\d{2}):(\d{2}))$/;
/** A date and time without an offset, with `T` or a space between them. */
const NO_OFFSET = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;

export const EXAMPLE_TIME = '2026-11-26T10:00:00Z';

export type TimeReading =
  | {
      ok: true;
      ms: number;
      /** The offset from UTC the text was written in (minutes; Z: 0); absent for a number. */
      offsetMinutes?: number;
    }
  | {
      ok: false;
      /** INVALID_DATE_TIME (text, or a fractional number), TIMESTAMP_IN_SECONDS or TIME_OUT_OF_RANGE (a number). */
      reason: 'INVALID_DATE_TIME' | 'TIMESTAMP_IN_SECONDS' | 'TIME_OUT_OF_RANGE';
      /** What is wrong, to follow the field's name: "must be …". */
      problem: string;
    };

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

function readText(text: string): TimeReading {
  const upper = text.toUpperCase();
  const parts = RFC_3339.exec(upper);
  if (parts === null) {
    return {
      ok: false,
      reason: 'INVALID_DATE_TIME',
      problem: NO_OFFSET.test(upper)
        ? `needs a time zone offset: ${JSON.stringify(text)} does not say which zone it is in (add Z for UTC, or ±hh:mm, e.g. ${EXAMPLE_TIME})`
        : `must be an RFC 3339 date-time with an offset, e.g. ${EXAMPLE_TIME}, or milliseconds since the epoch (got ${JSON.stringify(text.slice(0, 40))})`,
    };
  }
  const [year, month, day, hour, minute, second, , offsetHours, offsetMinutes] = parts
    .slice(1)
    .map(Number) as number[];
  const valid =
    month! >= 1 &&
    month! <= 12 &&
    day! >= 1 &&
    day! <= daysIn(year!, month!) &&
    hour! <= 23 &&
    minute! <= 59 &&
    second! <= 59 &&
    (parts[7] === undefined || (offsetHours! <= 23 && offsetMinutes! <= 59));
  // Date.parse is given the `T` form, the one its specification defines.
  const ms = valid ? Date.parse(upper.replace(' ', 'T')) : NaN;
  if (!Number.isFinite(ms)) {
    return {
      ok: false,
      reason: 'INVALID_DATE_TIME',
      problem: `names no real time: ${JSON.stringify(text)} (a day past the month's end, hour 24 or a leap second)`,
    };
  }
  const offset =
    parts[7] === undefined ? 0 : (offsetHours! * 60 + offsetMinutes!) * (parts[7] === '-' ? -1 : 1);
  return { ok: true, ms, offsetMinutes: offset };
}

function readNumber(value: number): TimeReading {
  // A fraction of a millisecond is no time this rule writes, at any size: a
  // malformed value, not one out of range.
  if (!Number.isInteger(value)) {
    return {
      ok: false,
      reason: 'INVALID_DATE_TIME',
      problem: 'must be a whole number of milliseconds since the epoch (no fraction)',
    };
  }
  // Every unsafe integer above zero is past it too; one below zero is
  // refused below, as before 2001.
  if (value > LATEST_TIME) {
    return {
      ok: false,
      reason: 'TIME_OUT_OF_RANGE',
      problem: `is out of range: the latest time is ${LATEST_TIME} milliseconds since the epoch (${new Date(LATEST_TIME).toISOString()})`,
    };
  }
  if (value < EARLIEST_NUMERIC_TIME) {
    const asSeconds = value * 1000;
    // From SECONDS_CUT up the value is milliseconds of 1973–2000 (as seconds
    // it would be year 5138 or later): no client means seconds by it.
    return value < SECONDS_CUT && asSeconds >= EARLIEST_NUMERIC_TIME
      ? {
          ok: false,
          reason: 'TIMESTAMP_IN_SECONDS',
          problem: `looks like seconds since the epoch: it must be milliseconds (${value} ms is ${new Date(value).toISOString()}; ${value} seconds is ${new Date(asSeconds).toISOString()}, send ${asSeconds})`,
        }
      : {
          ok: false,
          reason: 'TIME_OUT_OF_RANGE',
          problem: `is before 2001: epoch milliseconds before 2001 are not accepted (the earliest is ${EARLIEST_NUMERIC_TIME}, 2001-01-01); send an earlier time as RFC 3339 text, e.g. 1999-12-31T23:00:00Z`,
        };
  }
  return { ok: true, ms: value };
}

/** Reads a time a client sent, by the rule above. */
export function readClientTime(value: unknown): TimeReading {
  if (typeof value === 'string') return readText(value);
  if (typeof value === 'number') return readNumber(value);
  return {
    ok: false,
    reason: 'INVALID_DATE_TIME',
    problem: `must be an RFC 3339 date-time with an offset, e.g. ${EXAMPLE_TIME}, or milliseconds since the epoch`,
  };
}

/**
 * Why a search's reference time (`now`: SearchInput, ChatInput, X-Memory-Now)
 * is refused, or null: from EARLIEST_CREATED_AT, where a memory's own time
 * starts (vaults/memory-rules.ts `checkCreatedAt`), to
 * REFERENCE_TIME_FUTURE_SLACK_MS (a day) past the server's clock. Outside
 * it a chat injected nothing and a search found nothing, with no sign the
 * time was wrong (0001-01-01, 9999-12-31). `problem` follows the
 * field's name, as TimeReading's does.
 */
export function referenceTimeProblem(
  ms: number,
  serverNow: number,
): { reason: 'TIME_OUT_OF_RANGE'; problem: string } | null {
  const latest = serverNow + REFERENCE_TIME_FUTURE_SLACK_MS;
  if (ms >= EARLIEST_CREATED_AT && ms <= latest) return null;
  const given = new Date(ms).toISOString();
  return {
    reason: 'TIME_OUT_OF_RANGE',
    problem: `must be from ${new Date(EARLIEST_CREATED_AT).toISOString()} to a day past the server's clock (${new Date(latest).toISOString()}); ${given} is ${ms < EARLIEST_CREATED_AT ? 'before' : 'after'} it (leave it out for server time)`,
  };
}
