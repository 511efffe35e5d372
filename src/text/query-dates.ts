/**
 * Calendar dates a query names, as time ranges a memory's `createdAt` can fall
 * in: "What did Maria say on 3 June, 2023?" asks about what was said that day.
 *
 * Read forms (English month names, full or three letters, any case):
 * "3 June 2023", "3rd of June, 2023", "June 3, 2023", "Jun 3rd 2023",
 * "2023-06-03" name a day; "June 2023", "in Jun, 2023" name a month. A date
 * without a year is left alone: which year it means is a guess.
 *
 * A vault stores times in UTC and does not know the asker's time zone, so a
 * named day is the day as it runs anywhere on Earth: from its midnight at
 * UTC+14 to its end at UTC−12 (a 62-hour range around the UTC day); a month
 * likewise.
 */
export interface NamedDate {
  /** A day or a whole month. */
  kind: 'day' | 'month';
  /** The range in ms since the epoch: [from, until). */
  from: number;
  until: number;
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
const HOUR = 3_600_000;
/** The earliest and latest time zones in use: UTC+14 starts a day first, UTC−12 ends it last. */
const EARLIEST_ZONE = 14 * HOUR;
const LATEST_ZONE = 12 * HOUR;

const MONTH = `(${MONTHS.join('|')}|${MONTHS.map((name) => name.slice(0, 3)).join('|')})\\.?`;
const ORDINAL = '(?:st|nd|rd|th)?';
/** Between the parts of a date: spaces, or a comma with or without them ("June 3,2023"). */
const GAP = '(?:\\s*,\\s*|\\s+)';
const DAY_MONTH_YEAR = new RegExp(
  `\\b(\\d{1,2})${ORDINAL}\\s+(?:of\\s+)?${MONTH}${GAP}(\\d{4})\\b`,
  'giu',
);
const MONTH_DAY_YEAR = new RegExp(`\\b${MONTH}\\s+(\\d{1,2})${ORDINAL}${GAP}(\\d{4})\\b`, 'giu');
const ISO_DAY = /\b(\d{4})-(\d{2})-(\d{2})\b/gu;
const MONTH_YEAR = new RegExp(`\\b${MONTH}${GAP}(\\d{4})\\b`, 'giu');

const monthIndex = (name: string) =>
  MONTHS.findIndex((month) => month.startsWith(name.slice(0, 3).toLowerCase()));

/**
 * The days and months `text` names, each once, and the text with the
 * numbers of those dates blanked ("what did I do on 2026-10-04" → "what did
 * I do on  "): a date's digits are no words to match ("10" would match any
 * memory that says ten), while its month's name stays one ("October").
 */
export function readQueryDates(text: string): { dates: NamedDate[]; words: string } {
  const found = new Map<string, NamedDate>();
  let rest = text;
  let words = text;
  const add = (kind: NamedDate['kind'], year: number, month: number, day: number) => {
    if (month < 0 || month > 11) return;
    if (kind === 'day' && (day < 1 || day > new Date(Date.UTC(year, month + 1, 0)).getUTCDate()))
      return;
    const start = Date.UTC(year, month, kind === 'day' ? day : 1);
    const end = kind === 'day' ? Date.UTC(year, month, day + 1) : Date.UTC(year, month + 1, 1);
    found.set(`${kind} ${start}`, {
      kind,
      from: start - EARLIEST_ZONE,
      until: end + LATEST_ZONE,
    });
  };
  const blankNumbers = (match: RegExpMatchArray) => {
    const at = match.index!;
    const numbersGone = match[0].replace(/\d+(?:st|nd|rd|th)?/giu, (digits) =>
      ' '.repeat(digits.length),
    );
    words = words.slice(0, at) + numbersGone + words.slice(at + match[0].length);
  };
  // Days first; what they used is blanked so "June 3, 2023" is not also read as "June 2023".
  const days: [RegExp, (m: RegExpMatchArray) => [number, number, number]][] = [
    [DAY_MONTH_YEAR, (m) => [Number(m[3]), monthIndex(m[2]!), Number(m[1])]],
    [MONTH_DAY_YEAR, (m) => [Number(m[3]), monthIndex(m[1]!), Number(m[2])]],
    [ISO_DAY, (m) => [Number(m[1]), Number(m[2]) - 1, Number(m[3])]],
  ];
  for (const [pattern, read] of days) {
    for (const match of rest.matchAll(pattern)) {
      add('day', ...read(match));
      blankNumbers(match);
      const at = match.index!;
      rest = rest.slice(0, at) + ' '.repeat(match[0].length) + rest.slice(at + match[0].length);
    }
  }
  for (const match of rest.matchAll(MONTH_YEAR)) {
    add('month', Number(match[2]), monthIndex(match[1]!), 1);
    blankNumbers(match);
  }
  return { dates: [...found.values()], words };
}

/** The days and months `text` names, each once. */
export function queryDates(text: string): NamedDate[] {
  return readQueryDates(text).dates;
}
