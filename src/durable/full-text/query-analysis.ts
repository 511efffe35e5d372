import { calendarOf, dayOf } from '../../text/calendar-periods';
import { ANY_WORD, monthDayPhrases } from '../../text/day-spellings';
import { readQueryDates, type NamedDate } from '../../text/query-dates';
import { indexTerm, queryNames, queryTermWords, type QueryName } from '../../text/tokens';
import { queryWordForms } from '../../text/word-forms';
import type { TextRanking } from './text-ranking';

/** A query's index terms, the names and the dates it mentions. Shared: read it, never change it. */
export interface AnalysedQuery {
  terms: readonly string[];
  /** Each term's words as the query writes them (folded), for forgiving typos. */
  spelt: ReadonlyMap<string, readonly string[]>;
  names: readonly QueryName[];
  dates: readonly NamedDate[];
  /**
   * With dates: the terms that ask about something besides them ("dentist"
   * in "the dentist on Friday"), of which a memory must match one to be
   * found; empty for a question about the date alone ("what happened
   * yesterday?"), which its period's memories answer.
   */
  content: ReadonlySet<string>;
  /**
   * Other index terms also matched as the term: a date's other spellings
   * ("dec": "decemb", "4": "4th"), a day's ordinal's phrases ("28th":
   * "novemb 28", "28 11"), matched where their terms stand side by side,
   * and the forms of a word the stemmer does not join ("win": "won",
   * "child": "children"; word-forms.ts).
   */
  alike: ReadonlyMap<string, readonly string[]>;
  /**
   * The terms that are a named day's ordinal ("28th" of "tomorrow" or "the
   * 28th"), matched with that day's phrases (`alike`): a memory holding one
   * writes the day, and ranks as one stored on it does (TextSearch).
   */
  writtenDays: ReadonlySet<string>;
  /**
   * Each of `writtenDays` with the days it stands for (UTC day numbers of
   * the asker's calendar), each with the phrases (index terms) that write
   * it with its month: whether a memory holding the term writes one of
   * those days depends on its own date (writesDay).
   */
  writtenOn: ReadonlyMap<string, readonly WrittenDay[]>;
  /** The asker's offset from UTC in ms, the calendar of `writtenOn`'s days. */
  offset: number;
  /**
   * The `now` (ms) the dates were read at when a date depends on its time
   * of day ("an hour ago", "recently"); null when its day is enough.
   */
  timedAt: number | null;
}

/** A day a query names, as a memory may write it (AnalysedQuery.writtenOn). */
export interface WrittenDay {
  day: number;
  /** The day with its month, as phrases of index terms ("novemb 28", "28th nov"). */
  withMonth: readonly string[];
}

/**
 * Words that ask about a time rather than a thing ("what happened
 * yesterday?", "anything on Friday?", "what's going on next week?", as
 * index terms): not content, so such a question is about its date alone.
 */
const ASKING_ABOUT_TIME = new Set([
  'what',
  'happen',
  'anyth',
  'someth',
  'everyth',
  'go',
  'plan',
  'new',
  'thing',
  'stuff',
  'up',
]);

/**
 * Queries analysed lately in this isolate, most recent last. Analysis is a
 * pure function of the text, the stopword list and the UTC day of the
 * search's `now` (which "yesterday" or "in May" means) in the asker's
 * offset, or, for a query naming hours ("an hour ago", "this morning",
 * "recently"), of `now` itself: such an entry (`timedAt`) serves only its
 * own `now`, which the windows and vaults of one search share, and is
 * replaced by the next `now`'s. It is shared by every
 * vault object of the isolate: the windows of one search ask for the same
 * text, and so do the vaults of a multi-vault search that the isolate holds
 * (all of them under wrangler dev; in production a vault's object may run
 * elsewhere, and then analyses its query once itself). A few entries, so
 * that searches interleaved at await points keep theirs.
 */
const recent = new Map<string, AnalysedQuery>();
const RECENT_QUERIES = 8;

/**
 * The terms, names and dates of `text`, its dates read as of `now` (ms since
 * the epoch) in the calendar of `offsetMinutes`, analysed once for the
 * isolate's recent queries.
 */
export function analyseQuery(
  text: string,
  stopwords: TextRanking['stopwords'],
  now: number,
  offsetMinutes = 0,
): AnalysedQuery {
  const key = `${stopwords}\n${dayOf(now + offsetMinutes * 60_000)}\n${offsetMinutes}\n${text}`;
  const known = recent.get(key);
  if (known !== undefined && (known.timedAt === null || known.timedAt === now)) {
    recent.delete(key);
    recent.set(key, known);
    return known;
  }
  // A date's words stay words (query-dates.ts says which); the date adds its
  // period's memories. Function words are not searched for, even in a
  // query of nothing else ("the", "is it?"): they hold in most memories, so
  // their best match was any memory, scored as high as a real exact match,
  // and chat injected it. The one exception, in a query of nothing else, is
  // a function word an article makes a noun ("the well": tokens.ts).
  const { dates, words, content, spellings, writtenDays, writtenOn, timed } = readQueryDates(
    text,
    now,
    offsetMinutes,
  );
  const spelt = queryTermWords(words, stopwords, 'drop');
  const alike = new Map<string, string[]>();
  for (const [word, other] of spellings) {
    // A phrase ("november 28") is the index terms of its words ("novemb 28").
    const [term, same] = [indexTerm(word), other.split(' ').map(indexTerm).join(' ')];
    if (!spelt.has(term) || term === same) continue;
    alike.set(term, [...new Set([...(alike.get(term) ?? []), same])]);
  }
  // An irregular verb's or plural's other forms are the same word, so they
  // count as the term does, in full, as the stemmer's "wins" and "winning" do.
  for (const [term, written] of spelt) {
    const forms = written.flatMap(queryWordForms).map(indexTerm);
    const other = forms.filter((form) => form !== term && !alike.get(term)?.includes(form));
    if (other.length > 0) alike.set(term, [...(alike.get(term) ?? []), ...new Set(other)]);
  }
  const written = new Map<string, WrittenDay[]>();
  for (const [said, day] of writtenOn) {
    const term = indexTerm(said);
    if (!spelt.has(term) || written.get(term)?.some((known) => known.day === day)) continue;
    const { month, date } = calendarOf(day);
    const withMonth = monthDayPhrases(month, date, said).map((phrase) =>
      phrase
        .split(' ')
        .map((word) => (word === ANY_WORD ? word : indexTerm(word)))
        .join(' '),
    );
    written.set(term, [...(written.get(term) ?? []), { day, withMonth }]);
  }
  const analysed: AnalysedQuery = {
    terms: [...spelt.keys()],
    spelt,
    names: queryNames(text),
    dates,
    content: new Set(
      dates.length === 0
        ? []
        : [...queryTermWords(content, stopwords, 'drop').keys()].filter(
            (term) => spelt.has(term) && !ASKING_ABOUT_TIME.has(term),
          ),
    ),
    alike,
    writtenDays: new Set(writtenDays.map(indexTerm).filter((term) => spelt.has(term))),
    writtenOn: written,
    offset: offsetMinutes * 60_000,
    timedAt: timed ? now : null,
  };
  recent.delete(key);
  recent.set(key, analysed);
  if (recent.size > RECENT_QUERIES) recent.delete(recent.keys().next().value!);
  return analysed;
}
