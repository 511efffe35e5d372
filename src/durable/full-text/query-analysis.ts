import { dayOf } from '../../text/calendar-periods';
import { readQueryDates, type NamedDate } from '../../text/query-dates';
import { queryNames, queryTermWords, type QueryName } from '../../text/tokens';
import type { TextRanking } from './text-ranking';

/** A query's index terms, the names and the dates it mentions. Shared: read it, never change it. */
export interface AnalysedQuery {
  terms: readonly string[];
  /** Each term's words as the query writes them (folded), for forgiving typos. */
  spelt: ReadonlyMap<string, readonly string[]>;
  names: readonly QueryName[];
  dates: readonly NamedDate[];
}

/**
 * Queries analysed lately in this isolate, most recent last. Analysis is a
 * pure function of the text, the stopword list and the UTC day of the
 * search's `now` (which "yesterday" or "in May" means), and of which dates
 * are read as words (`analyseQuery`), so it is shared by every
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
 * the epoch), analysed once for the isolate's recent queries. `heard` tells
 * whether the vault holds memories of a date's period: a date said relative
 * to now whose period holds none is read as the words it is instead
 * (TextSearch.heardIn says why).
 */
export function analyseQuery(
  text: string,
  stopwords: TextRanking['stopwords'],
  now: number,
  heard?: (date: NamedDate) => boolean,
): AnalysedQuery {
  const read = analysed(text, stopwords, now, []);
  if (heard === undefined) return read;
  const unheard = read.dates.filter((date) => date.fromNow && !heard(date));
  return unheard.length === 0 ? read : analysed(text, stopwords, now, unheard);
}

function analysed(
  text: string,
  stopwords: TextRanking['stopwords'],
  now: number,
  asWords: readonly NamedDate[],
): AnalysedQuery {
  const key = `${stopwords}\n${dayOf(now)}\n${asWords.map((date) => date.from).join(' ')}\n${text}`;
  const known = recent.get(key);
  if (known !== undefined) {
    recent.delete(key);
    recent.set(key, known);
    return known;
  }
  // A named date's words are not matched as words (query-dates.ts): the
  // date finds its period's memories by their time instead. Function words are
  // never searched for, even in a query of nothing else ("the", "is it?"):
  // they hold in most memories, so their best match was any memory, scored
  // as high as a real exact match, and chat injected it.
  const { dates, words } = readQueryDates(text, now, (date) =>
    asWords.some((word) => word.kind === date.kind && word.from === date.from),
  );
  const spelt = queryTermWords(words, stopwords, 'drop');
  const analysed: AnalysedQuery = {
    terms: [...spelt.keys()],
    spelt,
    names: queryNames(text),
    dates,
  };
  recent.set(key, analysed);
  if (recent.size > RECENT_QUERIES) recent.delete(recent.keys().next().value!);
  return analysed;
}
