/**
 * How a memory's text writes a day of a month, as phrases of the words the
 * full-text index splits it into: "November 28", "Nov 28", "28 November",
 * "28/11", "11/28", "twenty-eighth of November". A query's day ("the 28th",
 * read as the 28th of this month or the next, query-dates.ts) is also
 * looked for as these phrases, so that the memory saying "The party is on
 * November 28" answers "what about the 28th?". Only with its month: the
 * number alone ("28 minutes", "28 points") is no day.
 *
 * The ordinal as written ("28th") needs no phrase: it is the query's own
 * word. What `unicode61` cannot tell apart, the phrases cannot either:
 * "28/11", "28.11." and "28 11" are all the words "28" and "11". No phrase
 * holds a function word ("28 of November", "fifth of November"): "of" and
 * "the" are in most memories, and reading their postings for every such
 * query would cost more than the rare form is worth; a spelled day of two
 * words ("twenty-eighth") is a day on its own and needs no month.
 */

/** The months' English names, January first (query-dates.ts reads them too). */
export const MONTH_NAMES = [
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

const UNITS = [
  '',
  'first',
  'second',
  'third',
  'fourth',
  'fifth',
  'sixth',
  'seventh',
  'eighth',
  'ninth',
  'tenth',
  'eleventh',
  'twelfth',
  'thirteenth',
  'fourteenth',
  'fifteenth',
  'sixteenth',
  'seventeenth',
  'eighteenth',
  'nineteenth',
];

/**
 * A day of the month asked in words ("the twenty-eighth", "the fifth"), as a
 * pattern's source: from the 4th, since "the first", "the second" and "the
 * third" mostly number other things ("was it the first?").
 */
export const SPELLED_DAY = `(?:(?:twenty|thirty)[-\\s]+(?:${UNITS.slice(1, 10).join('|')})|${UNITS.slice(4).join('|')}|twentieth|thirtieth)`;

/** The day of the month a spelled ordinal names ("twenty-eighth": 28), or null. */
export function spelledDay(said: string): number | null {
  return (
    DAYS_BY_NAME.get(
      said
        .toLowerCase()
        .split(/[-\s]+/u)
        .join(' '),
    ) ?? null
  );
}

/** A day of the month (1–31) as English writes it in words: "twenty eighth" ("twenty-eighth" as indexed). */
export function spelledOrdinal(date: number): string {
  if (date < 20) return UNITS[date]!;
  const tens = date < 30 ? 'twenty' : 'thirty';
  return date % 10 === 0 ? `${tens.slice(0, -1)}ieth` : `${tens} ${UNITS[date % 10]}`;
}

/**
 * The phrases (words separated by a space, folded, unstemmed) a text may
 * write the day `date` (1–31) of `month` (0–11) as, besides its ordinal:
 * about twenty, each a look-up of words the index mostly holds rarely.
 */
export function dayPhrases(month: number, date: number): string[] {
  const full = MONTH_NAMES[month]!;
  const names = [full, full.slice(0, 3), ...(month === 8 ? ['sept'] : [])];
  const numbers = [String(month + 1), ...(month < 9 ? [`0${month + 1}`] : [])];
  const days = [String(date), ...(date < 10 ? [`0${date}`] : [])];
  const spelled = spelledOrdinal(date);
  const phrases = new Set<string>();
  for (const name of names)
    for (const day of days) {
      phrases.add(`${name} ${day}`);
      phrases.add(`${day} ${name}`);
    }
  for (const number of numbers)
    for (const day of days) {
      phrases.add(`${day} ${number}`);
      phrases.add(`${number} ${day}`);
    }
  for (const name of [full, full.slice(0, 3)]) {
    phrases.add(`${name} ${spelled}`);
    phrases.add(`${spelled} ${name}`);
  }
  // "twenty-eighth" is a day whatever follows ("of November"); "fifth" alone is not.
  if (spelled.includes(' ')) phrases.add(spelled);
  return [...phrases];
}

/** In a phrase of monthDayPhrases: any one word (the "of" of "28th of November"). */
export const ANY_WORD = '*';

/**
 * The phrases of dayPhrases that name the day with its month ("november 28",
 * "28 11"), and its ordinal with its month ("november 28th", "28th nov",
 * "28th of November" as "28th", any one word, "november"): a memory
 * holding one writes that day of that month, of a year its own date
 * decides (query-dates.ts, writesDay). They only sort the memories that
 * hold the ordinal, so the word between is not read (ANY_WORD). The
 * spelled day alone ("twenty eighth") is a day of any month.
 */
export function monthDayPhrases(month: number, date: number, ordinal: string): string[] {
  const full = MONTH_NAMES[month]!;
  const spelled = spelledOrdinal(date);
  const withOrdinal = [full, full.slice(0, 3), ...(month === 8 ? ['sept'] : [])].flatMap((name) => [
    `${name} ${ordinal}`,
    `${ordinal} ${name}`,
    `${ordinal} ${ANY_WORD} ${name}`,
  ]);
  return [...dayPhrases(month, date).filter((phrase) => phrase !== spelled), ...withOrdinal];
}

const DAYS_BY_NAME = new Map(
  Array.from({ length: 31 }, (_, at) => [spelledOrdinal(at + 1), at + 1] as const),
);
