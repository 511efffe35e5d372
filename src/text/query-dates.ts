/**
 * Calendar dates a query names, as time ranges a memory's `createdAt` can fall
 * in: "What did Maria say on 3 June, 2023?" asks about what was said that
 * day, "what happened last week?" about that week.
 *
 * Read forms (English, any case; month names full or three letters):
 * - a day with its year: "3 June 2023", "3rd of June, 2023", "June 3, 2023",
 *   "Jun 3rd 2023", "2023-06-03"; numbers as D/M/YYYY or M/D/YYYY ("/", "."
 *   or "-"; a two-digit year is this century's, "11/20/26"): a reading only
 *   one order allows ("25/3/2026", "3/25/2026", "3/3/2026") names that day,
 *   one both allow ("4/3/2026") names both days;
 * - a month, season or year with its year: "June 2023", "in Jun, 2023",
 *   "March of 2026", "2026-05", "spring 2026" (seasons of the northern
 *   hemisphere, calendar-periods.ts), "in 2026", a query of a year alone;
 * - hours relative to now: "an hour ago", "13 hours ago", "in the last 24
 *   hours", "this morning", "tonight", "last night", "earlier today"
 *   (hours with a fringe of their own: Reading), and "recently", "lately"
 *   (the last two weeks, the newest fitting best);
 * - relative to now: "today", "yesterday", "the day
 *   before yesterday", "last/this/next week", "last/this/next weekend",
 *   "last/this/next month/year", "3 days ago", "2 days back", "0 days ago",
 *   "a few days ago", "two weeks ago", "a month ago", "in the last 3 days",
 *   "the past week", "last March", "last summer", "in May", "in spring",
 *   "during the summer", "on Friday" /
 *   "last Friday" / "Friday" / "Tuesday night", "next Monday", "this
 *   Saturday" (today's or the coming one); "tomorrow" and "the day after
 *   tomorrow" name no period (nothing is stored on a day to come) and are
 *   found only as their memories write them (below);
 * - a day without a year: "on March 3rd", "March 3", "the 3rd of March", "4/30";
 * - a day of the month alone: "on the 16th", "the 3rd?" (not "the 3rd time"),
 *   "what about 16th", "16th?" (not "my 16th", "16th century"), "on the
 *   twenty-eighth", "the fifth?" (in words from the fourth on), "the 16?",
 *   "on the 16" (a number 1–31 after "the" with nothing after it it could
 *   count: not "the 16 of us").
 *
 * A day named by a relative word (today, tonight, yesterday, the day
 * before yesterday, tomorrow, a weekday, "next Friday", "this Saturday") is
 * also looked for as a memory's text writes it, by the memories whose own
 * date makes that day theirs (writesDay): its ordinal ("28th") is added as a query word, with the phrases
 * of that day with its month (day-spellings.ts: "November 28", "28/11") as
 * its spellings, as "the 28th" is. A weekday alone ("on Saturday") writes
 * both the latest and the coming one; "last Saturday" only the latest.
 * Its period still finds what was stored on a past day.
 *
 * Relative and year-less dates are resolved against the search's `now`: a
 * month or day without a year is both the latest one begun by now's day
 * ("in May" asked in May is this May) and the next one to come within a
 * year (a day without its month, within a year of months); "last <month or season>" the latest one that has ended ("last March"
 * asked in March is a year back), "this <month>" this calendar year's (a
 * question about the past finds memories only in the one gone by; one
 * asked in February about "this May" means the coming one, as "this
 * year" is this year), a weekday the latest one before today.
 * "May" and "March" are also words ("may be", "a march"): without a year
 * they are read as dates only after "in", "last" or "on", or with a day
 * ordinal ("May 3rd"), or after "this"/"next" written "May" or with
 * nothing after it ("this may?").
 *
 * A date's period is its days in the asker's calendar (`start`, `end`: UTC
 * days, or those of now's offset when the search's `now` carried one), and,
 * since a vault stores times in UTC and may not know the asker's zone, the
 * same days as they run anywhere on Earth (`from`, `until`: from midnight
 * at UTC+14 to the end at UTC−12, a 62-hour range around a day). How well a
 * memory's time fits is period-fit.ts's question.
 */
import {
  calendarOf,
  DAY,
  dayOf,
  dayPeriod,
  isDayOfMonth,
  latestPeriod,
  monthPeriod,
  nextPeriod,
  seasonPeriod,
  weekdayOf,
  weekPeriod,
  yearPeriod,
  type Period,
  type PeriodKind,
  type Season,
} from './calendar-periods';
import { dayPhrases, MONTH_NAMES, SPELLED_DAY, spelledDay } from './day-spellings';
import { foldWord } from './folded-words';
import { isFunctionWord } from './tokens';

export interface NamedDate {
  /** A day, or a longer period (a week, a weekend as "week", a month, a season, a year). */
  kind: PeriodKind;
  /** The range in ms since the epoch: [from, until), the period as it runs in any time zone. */
  from: number;
  until: number;
  /** The period itself, as the asker's calendar has it (UTC, or now's offset): [start, end). */
  start: number;
  end: number;
  /** Said relative to now or without its year ("last summer", "May 3rd"): resolved against `now`. */
  fromNow: boolean;
  /**
   * A span that ends now and asks for its newest ("recently", "lately"):
   * a time fits the better the nearer `end` it lies (period-fit.ts), not
   * best at the middle.
   */
  newestFirst?: boolean;
}

const MONTHS = MONTH_NAMES;
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
  '(\\d{1,3}|an?|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|(?:a\\s+)?couple(?:\\s+of)?)';
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
/**
 * A third of a month ("late September", "in early November", "mid-June",
 * "at the end of August", "the beginning of May"): the part (group 1), the
 * month (group 2).
 */
const PART_OF_MONTH = `\\b((?:(?:in|during|at|by|around|until|towards?)\\s+)?(?:the\\s+)?(?:early|mid|middle|late|(?:very\\s+)?(?:beginning|start|middle|end)\\s+of))(?:\\s+|-)${MONTH}`;

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
  if (word === 'zero') return 0;
  return COUNT_WORDS.indexOf(word) + 1;
};

/** A day of a month in a year, if there is such a day. */
const dayIn = (year: number, month: number, date: number): Period | null =>
  isDayOfMonth(year, month, date) ? dayPeriod(dayOf(Date.UTC(year, month, date))) : null;

/** The days `first` to `last` (inclusive), as one period of `kind`. */
const daysPeriod = (kind: PeriodKind, first: number, last: number): Period => ({
  kind,
  start: first * DAY,
  end: (last + 1) * DAY,
});

/**
 * The third of a month a part names: early (the beginning, the start) the
 * 1st to the 10th, mid (the middle) the 11th to the 20th, late (the end)
 * the 21st to the last; ranked as a week is.
 */
function partOfMonth(part: string, year: number, month: number): Period {
  const said = part.toLowerCase();
  const last = calendarOf(dayOf(Date.UTC(year, month + 1, 0))).date;
  const [first, final] = /late|end/u.test(said)
    ? [21, last]
    : /mid/u.test(said)
      ? [11, 20]
      : [1, 10];
  return daysPeriod(
    'week',
    dayOf(Date.UTC(year, month, first)),
    dayOf(Date.UTC(year, month, final)),
  );
}

/** The Saturday and Sunday that end on `sunday` (a UTC day number). */
const weekend = (sunday: number): Period => daysPeriod('week', sunday - 1, sunday);
/** The Sunday of the latest weekend over before today. */
const endedWeekend = (today: number) => today - (weekdayOf(today) === 6 ? 7 : weekdayOf(today) + 1);
/** The Sunday of this week: of the weekend to come, or under way. */
const comingWeekend = (today: number) => today - weekdayOf(today) + 6;

/** The most days to come a period's reading writes ("next month"; not "next year"). */
const MOST_DAYS_AHEAD = 31;
/** The most days to come looked for by their ordinals ("in the next two weeks"); more, by their months. */
const MOST_ORDINALS_AHEAD = 14;

/** The days after today of `periods` (UTC day numbers), none for a period longer than a month. */
function daysAhead(periods: readonly (Period | null)[], today: number): number[] {
  const days: number[] = [];
  for (const period of periods) {
    if (period === null || period.end / DAY - period.start / DAY > MOST_DAYS_AHEAD) continue;
    for (let day = Math.max(period.start / DAY, today + 1); day < period.end / DAY; day++)
      days.push(day);
  }
  return days;
}

/** The years a bare four-digit number may name ("in 2026"): others are counts or codes. */
const isPlausibleYear = (year: number) => year >= 1900 && year <= 2100;

/**
 * Which of a date's words stay query words: `names` keeps the names of
 * months, weekdays, seasons, parts of a named day and the weekend
 * ("December", "Friday", "summer", "Tuesday night", "last weekend"), which
 * a memory about that date may say ("Planning a hike this weekend");
 * `days` a day of the month as an ordinal too ("4th"; "Dec 4" is read as
 * "Dec 4th"); `year` a year that is the date ("in 2026"); `none` nothing,
 * for a date said relative to today ("yesterday", "this morning"). The
 * rest ("last", "ago", "week", "the past 3 days", a numeric date's digits,
 * a day's year) match nothing the date is about ("the last bus", "3
 * trips", "26 minutes", "4 pears", every memory naming the year of "1 May,
 * 2022"): a relative date's words say when the question is, not when the
 * memory was, so "…last week." said in October is no answer to "this
 * week" (review 101); the date's period finds what was said then.
 */
type KeptWords = 'names' | 'days' | 'year' | 'none' | 'all';

/**
 * A period a form reads, in the asker's calendar (ms). A period of hours
 * ("an hour ago", "this morning") brings its own fringe, [from, until),
 * around [start, end): "13 hours ago" is the same instant in every zone,
 * and a part of a day keeps its whole day's zone range as fringe, so that
 * it finds whatever the day did (dates add). Without one, the period's
 * days as they run anywhere on Earth are its fringe.
 */
type Reading = Period & { from?: number; until?: number; newestFirst?: boolean };

/**
 * Reads one form of date: the periods a match names; null for a date with no
 * such day ("31 June 2023"), none for words that are no date after all.
 */
interface DateForm {
  pattern: RegExp;
  /** Which words stay, for every match or by what the match says ("last Friday": none). */
  keep: KeptWords | ((match: RegExpMatchArray) => KeptWords);
  read(match: RegExpMatchArray, today: number, now: number): (Reading | null)[];
  /**
   * The days (UTC day numbers of the asker's calendar) a relative word
   * names ("tomorrow", "on Saturday"), whose written forms ("November 28",
   * "28/11", "the 28th") a memory's text may hold, written near the day
   * (writesDay): plans for a day are written before it.
   */
  writes?(match: RegExpMatchArray, today: number): number[];
  /**
   * Whether the days to come of the periods read ("next week", "this
   * weekend" asked on a weekday) are written days too: nothing is stored
   * on them yet, so a plan's text is the only way to find them.
   */
  ahead?: boolean | ((match: RegExpMatchArray) => boolean);
}

/** Dates that carry their year. Days come before months, so "June 3, 2023" is not also "June 2023". */
const DATES_WITH_YEAR: DateForm[] = [
  {
    pattern: pattern(`\\b(\\d{1,2})${ORDINAL}\\s+(?:of\\s+)?${MONTH}${GAP}(\\d{4})\\b`),
    keep: 'days',
    read: (m) => [dayIn(Number(m[4]), monthIndex(m[3]!), Number(m[1]))],
  },
  {
    pattern: pattern(`\\b${MONTH}\\s+(\\d{1,2})${ORDINAL}${GAP}(\\d{4})\\b`),
    keep: 'days',
    read: (m) => [dayIn(Number(m[4]), monthIndex(m[1]!), Number(m[2]))],
  },
  {
    pattern: /\b(\d{4})([-/.])(\d{1,2})\2(\d{1,2})\b/gu,
    keep: 'names',
    read: (m) => [dayIn(Number(m[1]), Number(m[3]) - 1, Number(m[4]))],
  },
  {
    // D/M/YYYY or M/D/YYYY, and with a two-digit year of this century
    // ("11/20/26"): each order the numbers allow.
    pattern: /\b(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})\b/gu,
    keep: 'names',
    read: (m) => {
      const [first, second] = [Number(m[1]), Number(m[3])];
      const year = m[4]!.length === 2 ? 2000 + Number(m[4]) : Number(m[4]);
      const dayFirst = dayIn(year, second - 1, first);
      const monthFirst = dayIn(year, first - 1, second);
      return first === second ? [dayFirst] : [dayFirst, monthFirst];
    },
  },
  {
    // "late September 2023", "the end of June, 2023": a third of the month.
    pattern: pattern(`${PART_OF_MONTH}(?:\\s+of)?${GAP}(\\d{4})\\b`),
    keep: 'names',
    read: (m) => [partOfMonth(m[1]!, Number(m[3]), monthIndex(m[2]!))],
  },
  {
    pattern: pattern(`\\b${MONTH}(?:\\s+of)?${GAP}(\\d{4})\\b`),
    keep: 'days',
    read: (m) => [monthPeriod(Number(m[2]), monthIndex(m[1]!))],
  },
  {
    pattern: /\b(\d{4})-(\d{2})\b(?![-/.]\d)/gu,
    keep: 'names',
    read: (m) => {
      const month = Number(m[2]) - 1;
      return month >= 0 && month <= 11 ? [monthPeriod(Number(m[1]), month)] : [];
    },
  },
  {
    pattern: pattern(`\\b${SEASON}(?:\\s+of)?${GAP}(\\d{4})\\b`),
    keep: 'year',
    read: (m) => [seasonPeriod(seasonOf(m[1]!), Number(m[2]))],
  },
  {
    // A year alone only where it reads as one ("in 2026", "during 1999"):
    // "2026 steps" or "room 1984" name no year.
    pattern: /\b(?:in|during|throughout)\s+(\d{4})\b(?![-/.:]\d)/giu,
    keep: 'year',
    read: (m) => (isPlausibleYear(Number(m[1])) ? [yearPeriod(Number(m[1]))] : []),
  },
  {
    // A query that is a year and nothing else ("2026?").
    pattern: /^\W*(\d{4})\W*$/gu,
    keep: 'year',
    read: (m) => (isPlausibleYear(Number(m[1])) ? [yearPeriod(Number(m[1]))] : []),
  },
];

const UNITS = '(day|week|month|year)s?';
/** A part of a named day ("Tuesday night"): the day's, as words of the date. */
const PART_OF_DAY = '(?:morning|afternoon|evening|night)';

/** How many hours "a few hours" are. */
const FEW_HOURS = 3;
/** The days "recently" and "lately" reach back, today's included. */
const RECENT_DAYS = 14;

/** The hours [start, end) (ms, the asker's calendar) with `fringe` ms either side; ranked as a day is. */
const hoursPeriod = (start: number, end: number, fringe: number): Reading => ({
  kind: 'day',
  start,
  end,
  from: start - fringe,
  until: end + fringe,
});

/**
 * The hours `first` to `last` (may pass 24) of `day`, with that day's zone
 * range (as a day's reading has it) as fringe, widened to hold them.
 */
function partOfDay(day: number, first: number, last: number): Reading {
  const start = day * DAY + first * HOUR;
  const end = day * DAY + last * HOUR;
  return {
    kind: 'day',
    start,
    end,
    from: Math.min(day * DAY - EARLIEST_ZONE, start),
    until: Math.max((day + 1) * DAY + LATEST_ZONE, end),
  };
}

/** Dates said relative to today, or without their year. */
const SPOKEN_DATES: DateForm[] = [
  {
    // "an hour ago", "13 hours ago", "a couple of hours ago", "a few hours
    // ago": that time, give or take an hour (an eighth of it, past 8
    // hours), the same instant in every zone.
    pattern: pattern(`\\b(?:${COUNT}|((?:a\\s+)?few))\\s+hours?\\s+(?:ago|back|earlier|before)\\b`),
    keep: 'none',
    read: (m, _today, now) => {
      const count = m[2] ? FEW_HOURS : countOf(m[1]!);
      if (count < 1 || count > 999) return [];
      const at = now - count * HOUR;
      const half = Math.max(HOUR, (count * HOUR) / 8);
      return [hoursPeriod(at - half, Math.min(at + half, now), half)];
    },
  },
  {
    // "in the last 24 hours", "the past hour", "over the last few hours":
    // from then up to now, an hour (a quarter of it, past 4) as fringe.
    pattern: pattern(
      `\\b(?:(?:in|over|during|within)\\s+)?the\\s+(?:last|past)\\s+(?:${COUNT}\\s+|((?:a\\s+)?few)\\s+)?hours?\\b`,
    ),
    keep: 'none',
    read: (m, _today, now) => {
      const count = m[2] ? FEW_HOURS : m[1] === undefined ? 1 : countOf(m[1]);
      if (count < 1 || count > 999) return [];
      return [hoursPeriod(now - count * HOUR, now, Math.max(HOUR, (count * HOUR) / 4))];
    },
  },
  {
    // Parts of a day said relative to now: "this morning" 05:00–12:00,
    // "this afternoon" 12:00–18:00, "this evening" 18:00–24:00, "tonight"
    // 18:00 to 06:00 the next day, "last night" yesterday's 18:00 to
    // today's 06:00 (what was said after midnight is last night's),
    // "earlier today" from today's start to now, in the asker's calendar.
    // Their day's whole zone range stays their fringe, so they find what
    // the day did, ranked below their own hours. Their days are still
    // written days ("27th"), as "today" and "yesterday" are.
    pattern:
      /\b(?:(last\s+night)|(tonight)|this\s+(morning|afternoon|evening)|(earlier\s+today))\b/giu,
    keep: 'none',
    read: (m, today, now) => {
      if (m[1]) return [partOfDay(today - 1, 18, 30)];
      if (m[2]) return [partOfDay(today, 18, 30)];
      if (m[4]) return [partOfDay(today, 0, Math.max(1, (now - today * DAY) / HOUR))];
      const part = m[3]!.toLowerCase();
      return [
        part === 'morning'
          ? partOfDay(today, 5, 12)
          : part === 'afternoon'
            ? partOfDay(today, 12, 18)
            : partOfDay(today, 18, 24),
      ];
    },
    writes: (m, today) => [m[1] ? today - 1 : today],
  },
  {
    // "recently", "lately", "of late": the last two weeks up to now, the
    // newest fitting best (period-fit.ts). The word stays a word, in what
    // is asked too, so the period only adds: LoCoMo's turns say it ("I
    // recently started…"), and its questions ask it long after them.
    pattern: /\b(?:recently|lately|of\s+late)\b/giu,
    keep: 'all',
    read: (_m, today, now) => [
      {
        kind: 'week',
        start: (today - RECENT_DAYS + 1) * DAY,
        end: now,
        from: (today - RECENT_DAYS + 1) * DAY - EARLIEST_ZONE,
        until: now + HOUR,
        newestFirst: true,
      },
    ],
  },
  {
    pattern: /\b(?:(?:the\s+)?day\s+before\s+(yesterday)|(yesterday)|(today))\b/giu,
    keep: 'none',
    read: (m, today) => [dayPeriod(today - (m[1] ? 2 : m[2] ? 1 : 0))],
    writes: (m, today) => [today - (m[1] ? 2 : m[2] ? 1 : 0)],
  },
  {
    // "tomorrow", "the day after tomorrow": no memory is stored on a day to
    // come, so no period; the day is found as its memories write it.
    pattern: /\b(?:(?:the\s+)?day\s+after\s+(tomorrow)|tomorrow)\b/giu,
    keep: 'none',
    read: () => [],
    writes: (m, today) => [today + (m[1] ? 2 : 1)],
  },
  {
    // "in the last 3 days", "over the past two weeks", "the past month":
    // from that many days (weeks, …) back up to today.
    pattern: pattern(
      `\\b(?:(?:in|over|during|within)\\s+)?the\\s+(?:last|past)\\s+(?:${COUNT}\\s+)?${UNITS}\\b`,
    ),
    keep: 'names',
    read: (m, today) => {
      const count = m[1] === undefined ? 1 : countOf(m[1]);
      if (count < 1 || count > 999) return [];
      const unit = m[2]!.toLowerCase();
      const { year, month, date } = calendarOf(today);
      const first =
        unit === 'day'
          ? today - count + 1
          : unit === 'week'
            ? today - 7 * count + 1
            : dayOf(
                unit === 'month'
                  ? Date.UTC(year, month - count, date + 1)
                  : Date.UTC(year - count, month, date + 1),
              );
      // A single day is a day; a few days are ranked as a week is.
      const kind = unit === 'day' ? (count === 1 ? 'day' : 'week') : (unit as PeriodKind);
      return [daysPeriod(kind, first, today)];
    },
  },
  {
    // "a few days ago": two to four days back (weeks likewise).
    pattern: /\b(?:a\s+)?few\s+(day|week)s?\s+(?:ago|back|earlier)\b/giu,
    keep: 'names',
    read: (m, today) =>
      m[1]!.toLowerCase() === 'day'
        ? [daysPeriod('week', today - 4, today - 2)]
        : [daysPeriod('month', today - 28, today - 14)],
  },
  {
    pattern: pattern(`\\b${COUNT}\\s+${UNITS}\\s+(?:ago|back|earlier)\\b`),
    keep: 'none',
    read: (m, today) => {
      const count = countOf(m[1]!);
      if (count < 0 || count > 999) return [];
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
    // "the week before last", "the weekend after next": two weeks back or
    // ahead. Said relative to now, so no word stays ("week" is no answer).
    pattern: /\b(?:the\s+)?(week|weekend)\s+(before\s+last|after\s+next)\b/giu,
    keep: 'none',
    read: (m, today) => {
      const step = m[2]!.toLowerCase().startsWith('before') ? -2 : 2;
      return [
        m[1]!.toLowerCase() === 'week'
          ? weekPeriod(today + 7 * step)
          : weekend(step < 0 ? endedWeekend(today) - 7 : comingWeekend(today) + 7),
      ];
    },
    ahead: true,
  },
  {
    // The weekend said relative to now. Gone by ("last weekend", "this past
    // weekend", "over the weekend"; review 213): what was stored then
    // answers, not September's "The weekend was quiet", so "weekend" is no
    // word; on a Saturday or Sunday "over the weekend" is the one under way.
    // To come ("this weekend", "next weekend"): its days as memories write
    // them, and "weekend" stays, as plans say it ("a hike this weekend");
    // "on the weekend" may be either.
    pattern:
      /\b(?:(over|during)\s+the|(on|at)\s+the|(last|previous|(?:this|the)\s+past|past)|(this)|(next))\s+weekend\b/giu,
    keep: (m) => (m[1] || m[3] ? 'none' : 'names'),
    read: (m, today) => {
      const under = weekdayOf(today) >= 5;
      if (m[1]) return [weekend(under ? comingWeekend(today) : endedWeekend(today))];
      if (m[2])
        return under
          ? [weekend(comingWeekend(today))]
          : [weekend(endedWeekend(today)), weekend(comingWeekend(today))];
      if (m[3]) return [weekend(endedWeekend(today))];
      return [weekend(comingWeekend(today) + (m[5] ? 7 : 0))];
    },
    ahead: (m) => !m[1] && !m[3],
  },
  {
    // "the other day" (or night): a few days back, up to a week; "the
    // other week" one to three weeks back. Its words ask about nothing
    // ("a long day at the office").
    pattern: /\bthe\s+other\s+(day|night|evening|week)\b/giu,
    keep: 'none',
    read: (m, today) =>
      m[1]!.toLowerCase() === 'week'
        ? [daysPeriod('month', today - 21, today - 7)]
        : [daysPeriod('week', today - 7, today - 1)],
  },
  {
    // "in the next two weeks", "over the coming days", "the coming week":
    // from tomorrow on. Nothing is stored yet on days to come: their days
    // are found as memories write them ("December 3rd", "Dec 12").
    pattern: pattern(
      `\\b(?:(?:in|over|during|within|for)\\s+the\\s+(?:next|coming)|the\\s+coming)\\s+(?:${COUNT}\\s+)?${UNITS}\\b`,
    ),
    keep: 'none',
    read: (m, today) => {
      const count = m[1] === undefined ? 1 : countOf(m[1]);
      if (count < 1 || count > 999) return [];
      const unit = m[2]!.toLowerCase();
      const { year, month, date } = calendarOf(today);
      const last =
        unit === 'day'
          ? today + count
          : unit === 'week'
            ? today + 7 * count
            : dayOf(
                unit === 'month'
                  ? Date.UTC(year, month + count, date)
                  : Date.UTC(year + count, month, date),
              );
      const kind = unit === 'day' ? (count === 1 ? 'day' : 'week') : (unit as PeriodKind);
      return [daysPeriod(kind, today + 1, last)];
    },
    ahead: true,
  },
  {
    pattern: pattern(
      // A season's name stays a word, as every date's names do (KeptWords):
      // a conversation's turn often says it ("last summer" in LoCoMo).
      `\\b(last|previous|this|next)\\s+(?:(week|month|year)|${SEASON})\\b`,
    ),
    keep: 'names',
    read: (m, today) => {
      const said = m[1]!.toLowerCase();
      const step = said === 'this' ? 0 : said === 'next' ? 1 : -1;
      const { year, month } = calendarOf(today);
      const unit = (m[2] ?? m[3]!).toLowerCase();
      switch (unit) {
        case 'week':
          return [weekPeriod(today + 7 * step)];
        case 'month':
          return [monthPeriod(year, month + step)];
        case 'year':
          return [yearPeriod(year + step)];
        default:
          return step > 0
            ? [nextPeriod(today, (y) => seasonPeriod(seasonOf(unit), y))]
            : [latestPeriod(today, (y) => seasonPeriod(seasonOf(unit), y), step < 0)];
      }
    },
    // "next week", "next month": days to come, found as memories write them.
    ahead: (m) => m[1]!.toLowerCase() === 'next' && m[2] !== undefined,
  },
  {
    pattern: pattern(`\\b(last|previous|this|next)\\s+${MONTH}(?!\\w)`),
    keep: 'names',
    read: (m, today) => {
      const said = m[1]!.toLowerCase();
      // "this may help", "this march", "next may be": words, not dates;
      // "this May" (the month's capital) and "this may?" (nothing after
      // it but punctuation) are the month.
      if ((said === 'this' || said === 'next') && VERB_MONTHS.has(m[2]!.toLowerCase())) {
        const after = m.input!.slice(m.index! + m[0].length);
        if (!/^[A-Z][a-z]+\.?$/u.test(m[2]!) && !/^\s*(?:$|[^\s\p{L}\p{N}])/u.test(after))
          return [];
      }
      const month = monthIndex(m[2]!);
      const periodOf = (year: number) => monthPeriod(year, month);
      // "this May" is this calendar year's May, gone by or to come: asked
      // in November the May just past, asked in February the coming one
      // (as "this year" is this year). "last May" is the latest that has
      // ended, "next May" the first to come.
      if (said === 'this') return [monthPeriod(calendarOf(today).year, month)];
      return said === 'next'
        ? [nextPeriod(today, periodOf)]
        : [latestPeriod(today, periodOf, true)];
    },
  },
  {
    // "the 3rd of March", "on 3 March": a number before a month is a date only
    // with one of those marks ("top 10 June songs" names no day).
    pattern: pattern(
      `\\b(on\\s+|the\\s+)?(?:the\\s+)?(\\d{1,2})${ORDINAL}\\s+(of\\s+)?${MONTH}(?!\\w)`,
    ),
    keep: 'days',
    read: (m, today) =>
      m[1] || m[3] || m[4] ? yearlessDay(today, monthIndex(m[5]!), Number(m[2])) : [],
  },
  {
    // "on March 3rd", "June 3": "May 20" and "March 3" need "on" or the ordinal.
    pattern: pattern(`\\b(on\\s+)?${MONTH}\\s+(?:the\\s+)?(\\d{1,2})${ORDINAL}\\b(?!\\s*[:.]\\d)`),
    keep: 'days',
    read: (m, today) =>
      m[1] || m[4] || !VERB_MONTHS.has(m[2]!.toLowerCase())
        ? yearlessDay(today, monthIndex(m[2]!), Number(m[3]))
        : [],
  },
  {
    // "4/30" or "30/4": a day without its year, in each order the numbers allow.
    // "24/7" is a phrase ("open 24/7"), not the 24th of July.
    pattern: /(?<![\d/.-])\b(?!24\/7\b)(\d{1,2})\/(\d{1,2})\b(?![/.-]?\d)/gu,
    keep: 'names',
    read: (m, today) => {
      const [first, second] = [Number(m[1]), Number(m[2])];
      const monthFirst = yearlessDay(today, first - 1, second);
      return first === second
        ? monthFirst
        : [...monthFirst, ...yearlessDay(today, second - 1, first)];
    },
  },
  {
    // "late September", "in early November", "mid-June", "at the end of
    // August": a third of the month, the latest begun and the next (as "in
    // May" is). Its part ("late", "end") asks about nothing; the month's
    // name stays. "late May" and "early March" need "in" (or "of"): "it's
    // late, may I".
    pattern: pattern(`${PART_OF_MONTH}(?!\\w)`),
    keep: 'names',
    read: (m, today) => {
      const month = monthIndex(m[2]!);
      if (VERB_MONTHS.has(m[2]!.toLowerCase()) && !/\b(?:in|during|of)\b/iu.test(m[1]!)) return [];
      return bothWays(today, (year) => partOfMonth(m[1]!, year, month));
    },
  },
  {
    pattern: pattern(`\\b(?:in|during)\\s+${MONTH}(?!\\w)`),
    keep: 'names',
    read: (m, today) => {
      const month = monthIndex(m[1]!);
      return bothWays(today, (year) => monthPeriod(year, month));
    },
  },
  {
    // "in spring", "during the summer", "over the winter": a season without
    // its year, the latest begun and the next, as "in May" is (review 273:
    // "in spring" named no period, so no notice said it lay before the
    // windows searched).
    pattern: pattern(`\\b(?:in|during|over)\\s+(?:the\\s+)?${SEASON}(?!\\w)`),
    keep: 'names',
    read: (m, today) => bothWays(today, (year) => seasonPeriod(seasonOf(m[1]!), year)),
  },
  {
    // "next Monday": the first one after today; "this Saturday": the one of
    // this week to come (today's, said on a Saturday).
    pattern: pattern(`\\b(next|this)\\s+${WEEKDAY}\\b`),
    keep: 'names',
    read: (m, today) => [dayPeriod(comingWeekday(m, today))],
    writes: (m, today) => [comingWeekday(m, today)],
  },
  {
    // Not "the Sunday before …", "every Friday": no latest such day is meant.
    pattern: pattern(
      `(?<!\\b(?:the|a|every|each|next)\\s+)\\b(?:on\\s+|(last|previous|(?:this|the)\\s+past|past)\\s+)?${WEEKDAY}(?:\\s+${PART_OF_DAY})?\\b`,
    ),
    // "last Friday" says when the question is, as "last week" does: what
    // was stored that Friday answers it, not July's "…last Friday I went
    // to a council meeting" (review 213). "on Friday" may be the coming
    // one, which only its memories' words can find: its name stays.
    keep: (m) => (m[1] ? 'none' : 'names'),
    read: (m, today) => [dayPeriod(today - weekdayBack(m[2]!, today))],
    // "on Saturday" may be the coming one too ("what's happening on
    // Saturday?"); "last Saturday" only the past one. Memories stored on
    // the past one are found by its period as before.
    writes: (m, today) => {
      const past = today - weekdayBack(m[2]!, today);
      return m[1] ? [past] : [past, past + 7];
    },
  },
  {
    // "on the 16th", "the 3rd?": a day of the month alone. Only where
    // nothing follows that it could number ("the 3rd time", "the 16th
    // century"): the end, punctuation, or a function word ("the 16th and").
    // "the" may be left out ("what about 28th?"), not after a word the
    // ordinal belongs to ("my 28th", "a 3rd").
    pattern:
      /(?<!\b(?:my|your|his|her|our|their|its|a|an|this|that|every|each)\s+)\b(?:on\s+)?(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)\b(?=\s*$|\s*[^\s\p{L}\p{N}]|\s+(\p{L}+))/giu,
    keep: 'days',
    read: (m, today) =>
      m[2] === undefined || isFunctionWord(foldWord(m[2]))
        ? dayOfAnyMonth(today, Number(m[1]))
        : [],
  },
  {
    // "the 28?", "on the 28": a number of a day (1–31) with "the" and
    // nothing after it that it could count ("the 28 of us", "the 5 best").
    pattern: /\b(?:on\s+)?the\s+(\d{1,2})(?=\s*$|\s*[?!,;)]|\s*\.(?!\d))/giu,
    keep: 'days',
    read: (m, today) => {
      const date = Number(m[1]);
      return date >= 1 && date <= 31 ? dayOfAnyMonth(today, date) : [];
    },
  },
  {
    // "on the twenty-eighth", "the fifth?": the same, in words.
    pattern: new RegExp(
      `\\b(?:on\\s+)?the\\s+(${SPELLED_DAY})\\b(?=\\s*$|\\s*[^\\s\\p{L}\\p{N}]|\\s+(\\p{L}+))`,
      'giu',
    ),
    keep: 'days',
    read: (m, today) =>
      m[2] === undefined || isFunctionWord(foldWord(m[2]))
        ? dayOfAnyMonth(today, spelledDay(m[1]!)!)
        : [],
  },
];

/** How many days back the latest `weekday` before today is (1–7). */
function weekdayBack(weekday: string, today: number): number {
  return (weekdayOf(today) - WEEKDAYS.indexOf(weekday.toLowerCase()) + 7) % 7 || 7;
}

/** The day "next <weekday>" (after today) or "this <weekday>" (today or after) names. */
function comingWeekday(m: RegExpMatchArray, today: number): number {
  const ahead = (WEEKDAYS.indexOf(m[2]!.toLowerCase()) - weekdayOf(today) + 7) % 7;
  return today + (ahead === 0 && m[1]!.toLowerCase() === 'next' ? 7 : ahead);
}

/**
 * A period said without its year: its latest occurrence begun by today and
 * its next one to come, within a year ("December 4th" asked in November is
 * last December's and the coming one; either may be meant).
 */
function bothWays(today: number, periodOf: (year: number) => Period | null): (Period | null)[] {
  const latest = latestPeriod(today, periodOf);
  const next = nextPeriod(today, periodOf);
  return next === null ? [latest] : [latest, next];
}

/**
 * A day of the month without its month ("the 16th"): the latest such day by
 * today and the next to come (the 31st: of the latest and the next month
 * that has one), as a day without its year is read.
 */
function dayOfAnyMonth(today: number, date: number): Period[] {
  const { year, month } = calendarOf(today);
  const inMonth = (step: number) =>
    dayIn(year + Math.floor((month + step) / 12), (((month + step) % 12) + 12) % 12, date);
  let latest: Period | null = null;
  for (let step = 0; step > -12 && latest === null; step--) {
    const day = inMonth(step);
    if (day !== null && day.start <= today * DAY) latest = day;
  }
  let next: Period | null = null;
  for (let step = 0; step <= 12 && next === null; step++) {
    const day = inMonth(step);
    if (day !== null && day.start > today * DAY) next = day;
  }
  return [latest, next].filter((day): day is Period => day !== null);
}

/** A day without its year: the latest such day by today (29 February: the last leap year's) and the next. */
function yearlessDay(today: number, month: number, date: number): (Period | null)[] {
  return bothWays(today, (year) => dayIn(year, month, date));
}

/**
 * Other spellings of a date's month: its full name and its three letters
 * ("Dec", "December"), folded; a memory that names the month in the other
 * form is found too.
 */
function otherSpellings(said: string): [string, string][] {
  const pairs: [string, string][] = [];
  for (const [word] of said.toLowerCase().matchAll(/\p{L}+/gu)) {
    const month = MONTHS.findIndex((name) => name.startsWith(word.slice(0, 3)));
    if (month < 0 || word.length < 3 || !(MONTHS[month]!.startsWith(word) || word === 'sept'))
      continue;
    const full = MONTHS[month]!;
    for (const other of [full, full.slice(0, 3)]) if (other !== word) pairs.push([word, other]);
  }
  return pairs;
}

/** A day of the month as its ordinal (1st, 2nd, 3rd, 4th, 11th, 21st). */
function ordinal(day: number): string {
  const teen = day % 100 >= 11 && day % 100 <= 13;
  const suffix = teen ? 'th' : (['th', 'st', 'nd', 'rd'][day % 10] ?? 'th');
  return `${day}${suffix}`;
}

/**
 * A day's ordinal (its query word, "28th") with each phrase a memory's text
 * may write that day as ("november 28", "28 11": day-spellings.ts), so
 * that "the 28th" finds "The party is on November 28" and not "28 minutes".
 */
function writtenDays(day: number): [string, string][] {
  const { month, date } = calendarOf(day);
  return dayPhrases(month, date).map((phrase) => [ordinal(date), phrase]);
}

/** Words that name a date's day, month, season or weekday, kept as query words (KeptWords). */
const NAME_WORD = new RegExp(`^(?:${MONTH}|${WEEKDAY}|${SEASON}|${PART_OF_DAY}|weekend)$`, 'iu');

/** A date as said, with the words `keep` does not keep blanked. */
const keptWords = (said: string, keep: KeptWords) =>
  keep === 'all'
    ? said
    : said.replace(/[\p{L}\p{N}]+/gu, (word) =>
        (keep !== 'none' && NAME_WORD.test(word)) ||
        (keep === 'days' && /^\d{1,2}(?:st|nd|rd|th)$/iu.test(word)) ||
        (keep === 'year' && /^\d{4}$/u.test(word))
          ? word
          : ' '.repeat(word.length),
      );

/**
 * The ordinals of a date's bare or spelled days of the month ("Dec 4",
 * "the fourth": "4th"), as words it adds.
 */
const ordinalDays = (said: string, keep: KeptWords): string[] =>
  keep !== 'days'
    ? []
    : [
        ...Array.from(said.matchAll(/(?<![\p{L}\p{N}])(\d{1,2})(?![\p{L}\p{N}])/gu), ([, day]) =>
          ordinal(Number(day)),
        ),
        ...Array.from(said.matchAll(SPELLED_WORDS), ([words]) => ordinal(spelledDay(words)!)),
      ];
const SPELLED_WORDS = new RegExp(`\\b${SPELLED_DAY}\\b`, 'giu');

/**
 * Shaped like a date but read as none ("2/30/2026", "2026-02-29",
 * "2026-13"): dropped from the query's words, since its numbers are no
 * amounts ("30 minutes").
 */
const DATE_SHAPED =
  /(?<![\d.])\b(?!24\/7\b)(?:\d{1,4}([-/.])\d{1,2}\1\d{1,4}|\d{1,2}\/\d{1,2}|\d{4}-\d{1,2})\b(?![-/.]?\d)/gu;

export interface QueryDates {
  /** The days and periods the text names, each once. */
  dates: NamedDate[];
  /**
   * The text to read the query's words from: as written but for the words a
   * date does not keep (KeptWords) and date-shaped numbers read as no date,
   * and with a bare day of a date as its ordinal ("Dec 4": "4th").
   */
  words: string;
  /** `words` without any date's words: what the query asks about besides its dates. */
  content: string;
  /**
   * Other spellings of a date's kept words, as [word, other] (folded: "dec",
   * "december"); a day's ordinal with the phrases its day is written as
   * ("28th", "november 28"), words separated by a space.
   */
  spellings: [string, string][];
  /**
   * The ordinals of the days the query names ("28th"; folded), each looked
   * for with the phrases its day is written as: a memory holding one
   * writes a day the query asks about.
   */
  writtenDays: string[];
  /**
   * Each of `writtenDays` with a day it stands for (a UTC day number of the
   * asker's calendar): "the 28th" asked on 27 November is 28 October and
   * 28 November. A memory writes the day only as writesDay allows.
   */
  writtenOn: [string, number][];
  /**
   * The dates as said ("next week", "tomorrow") when every date the query
   * names is still to come, so that no memory is stored in it; empty
   * otherwise. A search that finds nothing for them says why.
   */
  toCome: string[];
  /** Whether a date depends on now's time of day, not only its day ("an hour ago", "recently"). */
  timed: boolean;
}

/**
 * The days and longer periods `text` names, resolved against `now` (ms since
 * the epoch) in the calendar of `offsetMinutes` (the asker's offset from
 * UTC, when known), and the text's words with them (QueryDates). A date's
 * reading adds to its words, never takes from them: "December" still finds
 * the memory that says "December 4th", and the memories stored on that day
 * rank higher (TextSearch).
 */
export function readQueryDates(text: string, now: number, offsetMinutes = 0): QueryDates {
  const offset = offsetMinutes * 60_000;
  const today = dayOf(now + offset);
  // `now` in the asker's calendar, for periods of hours ("an hour ago").
  const local = now + offset;
  let timed = false;
  const found = new Map<string, NamedDate>();
  const spellings: [string, string][] = [];
  const blank = (text: string, { index, 0: said }: RegExpMatchArray) =>
    text.slice(0, index) + ' '.repeat(said.length) + text.slice(index! + said.length);
  const blankUnkept = (text: string, { index, 0: said }: RegExpMatchArray, keep: KeptWords) =>
    text.slice(0, index) + keptWords(said, keep) + text.slice(index! + said.length);
  // `unread` loses every date read, even one with no such day ("31 June
  // 2023"), so that no later form reads its parts again ("June 2023").
  let unread = text;
  let words = text;
  let content = text;
  const added: string[] = [];
  const days = new Set<string>();
  const writtenOn: [string, number][] = [];
  const saidToCome: string[] = [];
  let past = false;
  for (const forms of [DATES_WITH_YEAR, SPOKEN_DATES]) {
    const fromNow = forms === SPOKEN_DATES;
    const anchored = fromNow && found.size > 0;
    for (const form of forms) {
      for (const match of unread.matchAll(form.pattern)) {
        const read = form.read(match, today, local);
        const ahead = typeof form.ahead === 'function' ? form.ahead(match) : form.ahead === true;
        const written = [
          ...(form.writes?.(match, today) ?? []),
          ...(ahead ? daysAhead(read, today) : []),
        ];
        // Beside a date with its year ("last Friday on 23 January, 2022"),
        // a relative word counts from that date, not from now: its names
        // stay words, as before review 213 (LoCoMo's questions say so).
        const keep =
          typeof form.keep !== 'function' ? form.keep : anchored ? 'names' : form.keep(match);
        if (read.length === 0 && written.length === 0) continue;
        unread = blank(unread, match);
        // "recently" adds its period and stays a word of what is asked:
        // LoCoMo's turns say it ("I recently started…").
        if (keep !== 'all') content = blank(content, match);
        words = blankUnkept(words, match, keep);
        spellings.push(...otherSpellings(keptWords(match[0], keep)));
        added.push(...ordinalDays(match[0], keep));
        const toCome =
          read.every((period) => period === null || period.start > today * DAY) &&
          written.every((day) => day > today);
        if (toCome) saidToCome.push(match[0].trim());
        else past = true;
        // A day named by a relative word is also looked for as its text
        // writes it: its ordinal ("28th"), a query word, with the phrases.
        // Past two weeks of days ("next month") the ordinals would be every
        // day of a month, a word in any dated memory: its months' names
        // (and their short forms) are what its memories write instead.
        if (written.length > MOST_ORDINALS_AHEAD) {
          for (const month of new Set(written.map((day) => calendarOf(day).month)))
            added.push(MONTHS[month]!, MONTHS[month]!.slice(0, 3));
        } else {
          for (const day of written) {
            added.push(ordinal(calendarOf(day).date));
            spellings.push(...writtenDays(day));
            days.add(ordinal(calendarOf(day).date));
            writtenOn.push([ordinal(calendarOf(day).date), day]);
          }
        }
        for (const period of read) {
          if (period === null) continue;
          if (keep === 'days' && period.kind === 'day') {
            spellings.push(...writtenDays(period.start / DAY));
            days.add(ordinal(calendarOf(period.start / DAY).date));
            writtenOn.push([ordinal(calendarOf(period.start / DAY).date), period.start / DAY]);
          }
          const start = period.start - offset;
          const end = period.end - offset;
          // A period of hours depends on now's time, not only its day (the
          // isolate's analyses are shared by day: query-analysis.ts).
          if (period.from !== undefined) timed = true;
          const date: NamedDate = {
            kind: period.kind,
            from: period.from === undefined ? start - EARLIEST_ZONE + offset : period.from - offset,
            until: period.until === undefined ? end + LATEST_ZONE + offset : period.until - offset,
            start,
            end,
            fromNow,
            ...(period.newestFirst === true ? { newestFirst: true } : {}),
          };
          found.set(`${date.kind} ${date.start} ${date.end} ${date.from} ${date.until}`, date);
        }
      }
    }
  }
  for (const match of unread.matchAll(DATE_SHAPED)) {
    words = blank(words, match);
    content = blank(content, match);
  }
  // Added at the end: `words` keeps the text's positions while dates are blanked.
  return {
    dates: [...found.values()],
    words: [words, ...added].join(' '),
    content,
    spellings,
    writtenDays: [...days],
    writtenOn,
    toCome: past ? [] : saidToCome,
    timed,
  };
}

/** The most days a day written with its month but no year lies from its memory's own day. */
const MOST_DAYS_FROM_WRITTEN = 183;

/**
 * Whether a memory written on `written` (a UTC day number of the asker's
 * calendar) that writes a day without its year means `day`: a day with its
 * month ("November 28", "28/11") is the occurrence nearest the memory's
 * own day, within half a year either way (a plan is written before its
 * day, an account after it, seldom more than months apart); a day of the
 * month alone ("the 28th") is the latest such day by the memory's day or
 * the next one after it, as a query reads it against now. So "November
 * 28" written in November 2025 is 2025's, and "the 28th" written on 20
 * October is 28 October (or September's), never November's.
 */
export function writesDay(written: number, day: number, withMonth: boolean): boolean {
  if (withMonth) return Math.abs(day - written) <= MOST_DAYS_FROM_WRITTEN;
  return dayOfAnyMonth(written, calendarOf(day).date).some((period) => period.start === day * DAY);
}

/** The days and periods `text` names, each once, resolved against `now`. */
export function queryDates(text: string, now: number, offsetMinutes = 0): NamedDate[] {
  return readQueryDates(text, now, offsetMinutes).dates;
}
