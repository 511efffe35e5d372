/**
 * Calendar dates a query names, as time ranges a memory's `createdAt` can fall
 * in: "What did Maria say on 3 June, 2023?" asks about what was said that
 * day, "what happened last week?" about that week.
 *
 * Read forms (English, any case; month names full or three letters):
 * - a day with its year: "3 June 2023", "3rd of June, 2023", "June 3, 2023",
 *   "Jun 3rd 2023", "2023-06-03"; numbers as D/M/YYYY or M/D/YYYY ("/", "."
 *   or "-"): a reading only one order allows ("25/3/2026", "3/25/2026",
 *   "3/3/2026") names that day, one both allow ("4/3/2026") names both days;
 * - a month, season or year with its year: "June 2023", "in Jun, 2023",
 *   "March of 2026", "2026-05", "spring 2026" (seasons of the northern
 *   hemisphere, calendar-periods.ts);
 * - relative to now: "today", "tonight", "yesterday", "last night", "the day
 *   before yesterday", "last/this week", "last weekend", "last/this
 *   month/year", "3 days ago", "two weeks ago", "a month ago", "last March",
 *   "last summer", "in May", "on Friday" / "last Friday" / "Friday";
 * - a day without a year: "on March 3rd", "March 3", "the 3rd of March".
 *
 * Relative and year-less dates are resolved against the search's `now`: a
 * month, day or season without a year is the latest one that has begun by
 * now's day ("in May" asked in May is this May), "last <month or season>"
 * the latest one that has ended ("last March" asked in March is a year
 * back), a weekday the latest one before today. "May" and "March" are also
 * words ("may be", "a march"): without a year they are read as dates only
 * after "in", "last" or "on", or with a day ordinal ("May 3rd").
 *
 * A vault stores times in UTC and does not know the asker's time zone, so a
 * named day is the day as it runs anywhere on Earth: from its midnight at
 * UTC+14 to its end at UTC−12 (a 62-hour range around the UTC day); longer
 * periods likewise. "Today" is now's UTC day: an asker far from UTC whose
 * date differs still finds their day inside that range, but for at most a
 * few hours of "yesterday".
 */
import {
  calendarOf,
  dayOf,
  dayPeriod,
  isDayOfMonth,
  latestPeriod,
  monthPeriod,
  seasonPeriod,
  weekdayOf,
  weekPeriod,
  yearPeriod,
  type Period,
  type PeriodKind,
  type Season,
} from './calendar-periods';

export interface NamedDate {
  /** A day, or a longer period (a week, a weekend as "week", a month, a season, a year). */
  kind: PeriodKind;
  /** The range in ms since the epoch: [from, until). */
  from: number;
  until: number;
  /** Said relative to now or without its year ("last summer", "May 3rd"): resolved against `now`. */
  fromNow: boolean;
}

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const HOUR = 3_600_000;
/** The earliest and latest time zones in use: UTC+14 starts a day first, UTC−12 ends it last. */
const EARLIEST_ZONE = 14 * HOUR;
const LATEST_ZONE = 12 * HOUR;

const MONTH = `(${MONTHS.join('|')}|${MONTHS.map((name) => name.slice(0, 3)).join('|')}|sept)\\.?`;
const SEASON = '(spring|summer|autumn|fall|winter)';
const WEEKDAY = `(${WEEKDAYS.join('|')})`;
const ORDINAL = '(st|nd|rd|th)?';
/** Between the parts of a date: spaces, or a comma with or without them ("June 3,2023"). */
const GAP = '(?:\\s*,\\s*|\\s+)';
/** How many, in digits or words ("3 days ago", "a couple of weeks ago"). */
const COUNT =
  '(\\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|(?:a\\s+)?couple\\s+of)';
const COUNT_WORDS = [
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
];
/** Month words that are also everyday words ("it may rain", "a march"). */
const VERB_MONTHS = new Set(['may', 'march', 'mar']);

const pattern = (source: string) => new RegExp(source, 'giu');

const monthIndex = (name: string) =>
  MONTHS.findIndex((month) => month.startsWith(name.slice(0, 3).toLowerCase()));
const seasonOf = (name: string): Season => {
  const season = name.toLowerCase();
  return season === 'fall' ? 'autumn' : (season as Season);
};
const countOf = (said: string): number => {
  const word = said.toLowerCase().replace(/\s+/gu, ' ');
  if (/^\d+$/u.test(word)) return Number(word);
  if (word === 'a' || word === 'an') return 1;
  if (word.includes('couple')) return 2;
  return COUNT_WORDS.indexOf(word) + 1;
};

/** A day of a month in a year, if there is such a day. */
const dayIn = (year: number, month: number, date: number): Period | null =>
  isDayOfMonth(year, month, date) ? dayPeriod(dayOf(Date.UTC(year, month, date))) : null;

/**
 * Reads one form of date: the periods a match names; null for a date with no
 * such day ("31 June 2023"), none for words that are no date after all.
 */
interface DateForm {
  pattern: RegExp;
  read(match: RegExpMatchArray, today: number): (Period | null)[];
}

/** Dates that carry their year. Days come before months, so "June 3, 2023" is not also "June 2023". */
const DATES_WITH_YEAR: DateForm[] = [
  {
    pattern: pattern(`\\b(\\d{1,2})${ORDINAL}\\s+(?:of\\s+)?${MONTH}${GAP}(\\d{4})\\b`),
    read: (m) => [dayIn(Number(m[4]), monthIndex(m[3]!), Number(m[1]))],
  },
  {
    pattern: pattern(`\\b${MONTH}\\s+(\\d{1,2})${ORDINAL}${GAP}(\\d{4})\\b`),
    read: (m) => [dayIn(Number(m[4]), monthIndex(m[1]!), Number(m[2]))],
  },
  {
    pattern: /\b(\d{4})([-/.])(\d{1,2})\2(\d{1,2})\b/gu,
    read: (m) => [dayIn(Number(m[1]), Number(m[3]) - 1, Number(m[4]))],
  },
  {
    // D/M/YYYY or M/D/YYYY: each order the numbers allow.
    pattern: /\b(\d{1,2})([-/.])(\d{1,2})\2(\d{4})\b/gu,
    read: (m) => {
      const [first, second, year] = [Number(m[1]), Number(m[3]), Number(m[4])];
      const dayFirst = dayIn(year, second - 1, first);
      const monthFirst = dayIn(year, first - 1, second);
      return first === second ? [dayFirst] : [dayFirst, monthFirst];
    },
  },
  {
    pattern: pattern(`\\b${MONTH}(?:\\s+of)?${GAP}(\\d{4})\\b`),
    read: (m) => [monthPeriod(Number(m[2]), monthIndex(m[1]!))],
  },
  {
    pattern: /\b(\d{4})-(\d{2})\b(?![-/.]\d)/gu,
    read: (m) => {
      const month = Number(m[2]) - 1;
      return month >= 0 && month <= 11 ? [monthPeriod(Number(m[1]), month)] : [];
    },
  },
  {
    pattern: pattern(`\\b${SEASON}(?:\\s+of)?${GAP}(\\d{4})\\b`),
    read: (m) => [seasonPeriod(seasonOf(m[1]!), Number(m[2]))],
  },
];

/** Dates said relative to today, or without their year. */
const SPOKEN_DATES: DateForm[] = [
  {
    pattern:
      /\b(?:(?:the\s+)?day\s+before\s+(yesterday)|(yesterday|last\s+night)|(today|tonight|this\s+(?:morning|afternoon|evening)))\b/giu,
    read: (m, today) => [dayPeriod(today - (m[1] ? 2 : m[2] ? 1 : 0))],
  },
  {
    pattern: pattern(`\\b${COUNT}\\s+(day|week|month|year)s?\\s+ago\\b`),
    read: (m, today) => {
      const count = countOf(m[1]!);
      if (count < 1 || count > 999) return [];
      const { year, month } = calendarOf(today);
      switch (m[2]!.toLowerCase()) {
        case 'day':
          return [dayPeriod(today - count)];
        case 'week':
          return [weekPeriod(today - 7 * count)];
        case 'month':
          return [monthPeriod(year, month - count)];
        default:
          return [yearPeriod(year - count)];
      }
    },
  },
  {
    pattern: pattern(
      // A season's name stays a word (only "last" or "this" is taken): it is
      // as much a topic as a time ("summer camp"), and a conversation's turn
      // often says it ("last summer" in LoCoMo, whose recall fell without it).
      `\\b(last|previous|this)(?:\\s+(week|weekend|month|year)\\b|(?=\\s+${SEASON}\\b))`,
    ),
    read: (m, today) => {
      const last = m[1]!.toLowerCase() !== 'this';
      const { year, month } = calendarOf(today);
      const unit = (m[2] ?? m[3]!).toLowerCase();
      switch (unit) {
        case 'week':
          return [weekPeriod(last ? today - 7 : today)];
        case 'weekend': {
          // The Saturday and Sunday before today (this week's, said "this").
          const sunday = last
            ? today - (weekdayOf(today) === 6 ? 7 : weekdayOf(today) + 1)
            : today - weekdayOf(today) + 6;
          return [{ kind: 'week', start: dayPeriod(sunday - 1).start, end: dayPeriod(sunday).end }];
        }
        case 'month':
          return [monthPeriod(year, last ? month - 1 : month)];
        case 'year':
          return [yearPeriod(last ? year - 1 : year)];
        default:
          return [latestPeriod(today, (y) => seasonPeriod(seasonOf(unit), y), last)];
      }
    },
  },
  {
    pattern: pattern(`\\b(last|previous|this)\\s+${MONTH}(?!\\w)`),
    read: (m, today) => {
      const said = m[1]!.toLowerCase();
      // "this may help", "this march": words, not dates.
      if (said === 'this' && VERB_MONTHS.has(m[2]!.toLowerCase())) return [];
      const month = monthIndex(m[2]!);
      return [latestPeriod(today, (year) => monthPeriod(year, month), said !== 'this')];
    },
  },
  {
    // "the 3rd of March", "on 3 March": a number before a month is a date only
    // with one of those marks ("top 10 June songs" names no day).
    pattern: pattern(
      `\\b(on\\s+|the\\s+)?(?:the\\s+)?(\\d{1,2})${ORDINAL}\\s+(of\\s+)?${MONTH}(?!\\w)`,
    ),
    read: (m, today) =>
      m[1] || m[3] || m[4] ? yearlessDay(today, monthIndex(m[5]!), Number(m[2])) : [],
  },
  {
    // "on March 3rd", "June 3": "May 20" and "March 3" need "on" or the ordinal.
    pattern: pattern(`\\b(on\\s+)?${MONTH}\\s+(?:the\\s+)?(\\d{1,2})${ORDINAL}\\b(?!\\s*[:.]\\d)`),
    read: (m, today) =>
      m[1] || m[4] || !VERB_MONTHS.has(m[2]!.toLowerCase())
        ? yearlessDay(today, monthIndex(m[2]!), Number(m[3]))
        : [],
  },
  {
    pattern: pattern(`\\b(?:in|during)\\s+${MONTH}(?!\\w)`),
    read: (m, today) => {
      const month = monthIndex(m[1]!);
      return [latestPeriod(today, (year) => monthPeriod(year, month))];
    },
  },
  {
    // Not "the Sunday before …", "every Friday" or "next Monday": no latest
    // such day is meant.
    pattern: pattern(
      `(?<!\\b(?:the|a|every|each|next)\\s+)\\b(?:(?:on|last|previous|this\\s+past|past)\\s+)?${WEEKDAY}\\b`,
    ),
    read: (m, today) => {
      const back = (weekdayOf(today) - WEEKDAYS.indexOf(m[1]!.toLowerCase()) + 7) % 7 || 7;
      return [dayPeriod(today - back)];
    },
  },
];

/** A day without its year: the latest such day by today (29 February: the last leap year's). */
function yearlessDay(today: number, month: number, date: number): (Period | null)[] {
  return [latestPeriod(today, (year) => dayIn(year, month, date))];
}

/**
 * The days and longer periods `text` names, each once, resolved against
 * `now` (ms since the epoch), and the text with those dates blanked ("what
 * did I do last March" → "what did I do           "): the date finds its
 * period's memories by their time, and its words are no words to match
 * ("last" would match every memory that says "last week", "10" any that
 * says ten, "March" any that mentions the month). Of a date with its year
 * only the numbers are blanked ("October 4th, 2026" keeps "October"). A date said relative to
 * now that `asWords` picks stays words and names nothing (the vault holds
 * nothing then: see TextSearch).
 */
export function readQueryDates(
  text: string,
  now: number,
  asWords?: (date: NamedDate) => boolean,
): { dates: NamedDate[]; words: string } {
  const today = dayOf(now);
  const found = new Map<string, NamedDate>();
  const blank = (text: string, { index, 0: said }: RegExpMatchArray) =>
    text.slice(0, index) + ' '.repeat(said.length) + text.slice(index! + said.length);
  // A date with its year keeps its month's or season's name as a word, as
  // before spoken dates were read: in transcripts the turn often says it
  // ("in summer 2021" asks about a turn's "last summer"; LoCoMo's recall
  // fell without it, BENCHMARKS.md).
  const blankNumbers = (text: string, { index, 0: said }: RegExpMatchArray) =>
    text.slice(0, index) +
    said.replace(/\d+(?:st|nd|rd|th)?/giu, (digits) => ' '.repeat(digits.length)) +
    text.slice(index! + said.length);
  // `unread` loses every date read, even one with no such day ("31 June
  // 2023"), so that no later form reads its parts again ("June 2023");
  // `words` only those that name a period.
  let unread = text;
  let words = text;
  for (const forms of [DATES_WITH_YEAR, SPOKEN_DATES]) {
    const fromNow = forms === SPOKEN_DATES;
    for (const form of forms) {
      for (const match of unread.matchAll(form.pattern)) {
        const read = form.read(match, today);
        if (read.length === 0) continue;
        unread = blank(unread, match);
        const dates = read
          .filter((period) => period !== null)
          .map(({ kind, start, end }) => ({
            kind,
            from: start - EARLIEST_ZONE,
            until: end + LATEST_ZONE,
            fromNow,
          }));
        if (dates.length === 0 || (fromNow && asWords && dates.every(asWords))) continue;
        for (const date of dates) found.set(`${date.kind} ${date.from}`, date);
        words = fromNow ? blank(words, match) : blankNumbers(words, match);
      }
    }
  }
  return { dates: [...found.values()], words };
}

/** The days and periods `text` names, each once, resolved against `now`. */
export function queryDates(text: string, now: number): NamedDate[] {
  return readQueryDates(text, now).dates;
}
