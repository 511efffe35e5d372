import { readQueryDates } from './query-dates';
import { foldedWords } from './folded-words';
import { queryTerms } from './tokens';

/**
 * Whether a text search has anything to look up in `query`: a word that is
 * not a function word nor a verb that only shapes a question ("what did they
 * say?", tokens.ts `queryTerms`), or a date ("yesterday", query-dates.ts).
 * A query without either finds by text only what its dates or words would,
 * that is nothing, and the caller should be told why rather than get an
 * empty list (outside review 102 #4). `now` and `offsetMinutes` are the
 * search's, for what "yesterday" means.
 */
export function lacksSearchableWords(query: string, now: number, offsetMinutes = 0): boolean {
  return (
    queryTerms(query).length === 0 && readQueryDates(query, now, offsetMinutes).dates.length === 0
  );
}

/**
 * The dates `query` names as it says them ("next week", "tomorrow") when
 * all of them are still to come as of `now`, or none: no memory is stored
 * on a day to come, so a search finds only the memories that write its
 * days, and when none does the caller should be told so (review 213 #5).
 */
export function datesToCome(query: string, now: number, offsetMinutes = 0): string[] {
  return readQueryDates(query, now, offsetMinutes).toCome;
}

/** The query's words as a search reads them (folded, each once, in order), for a message. */
export function queryWordsAsRead(query: string): string[] {
  return [...new Set(foldedWords(query))];
}
