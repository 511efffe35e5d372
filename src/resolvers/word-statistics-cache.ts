import {
  fullKey,
  nearKey,
  termKey,
  type CorpusStatistics,
} from '../durable/full-text/corpus-statistics';
import type { AnalysedQuery } from '../durable/full-text/query-analysis';
import { ExpiringMap } from '../core/expiring-map';

/**
 * How old a vault's word statistics may be when a search over several
 * vaults ranks with them: less than this (ms). Statistics only weigh words
 * (BM25's idf and mean length, the full-match unit): a memory written since
 * is found at once, and its vault's counts catch up within this bound.
 */
export const WORD_STATISTICS_MAX_AGE_MS = 5_000;

/**
 * Counts this old (ms) are still used, but the search asks its vaults to
 * count its words again with their hits: under steady traffic a vault
 * counts a word about once per this time, not on every search.
 */
export const WORD_STATISTICS_RECOUNT_MS = WORD_STATISTICS_MAX_AGE_MS / 2;

/**
 * How long an isolate remembers whether a vault held any memory when last
 * counted (ms): only a guess at which way a chat's search over several
 * vaults is cheaper (search-statistics.ts), never a count anything is
 * ranked with, so it may be old; a wrong guess costs one more round of
 * reads, never a different answer.
 */
export const HELD_GUESS_MS = 10 * 60_000;

/** Vaults whose counts an isolate keeps, the least recently counted let go first. */
const MAX_VAULTS = 1_000;

/** Word readings kept per vault, the least recently counted let go first. */
const MAX_READINGS = 2_000;

interface Reading {
  /** When the vault counted it (the cache's clock). */
  at: number;
  /** Passages holding the term as the vault ranks it (`termKey`). */
  ranked: number;
  /** Passages holding its near misses, when the vault reads it through them (`nearKey`). */
  near?: number;
  /** Memories the full-match unit counts for it (`fullKey`). */
  full: number;
}

interface VaultCounts {
  at: number;
  passages: number;
  words: number;
  /** Each word's counts live their own time: a later search may not have asked for it. */
  readings: ExpiringMap<string, Reading>;
}

/**
 * Each vault's part of the word statistics of searches over several vaults
 * (durable/full-text/corpus-statistics.ts), kept in the isolate so that a
 * search whose words were counted lately ranks without first asking every
 * vault: the serial round of `textStatistics` calls before the search.
 * Filled by those calls (a cold isolate, a word not counted lately) and by
 * the searches themselves: one whose kept counts are past
 * `WORD_STATISTICS_RECOUNT_MS` asks its vaults to answer their counts with
 * their hits (`SearchRequest.reportStatistics`), so the words searched stay
 * fresh without a call of their own.
 *
 * Kept per vault and per reading of a word: the term with the other
 * spellings a date gives it and the words the query wrote for it, which
 * decide the near misses it is read through (text-search.ts), so the same
 * word in another query reads the same counts. Counts
 * `WORD_STATISTICS_MAX_AGE_MS` old or older are not used.
 */
export class WordStatisticsCache {
  private readonly vaults = new ExpiringMap<string, VaultCounts>(
    WORD_STATISTICS_MAX_AGE_MS,
    MAX_VAULTS,
  );

  /** Whether each vault held passages when last counted (`HELD_GUESS_MS`). */
  private readonly held = new ExpiringMap<string, boolean>(HELD_GUESS_MS, MAX_VAULTS);

  constructor(private readonly clock: () => number = () => Date.now()) {}

  /**
   * Whether, as last counted (within HELD_GUESS_MS), at most one of
   * `vaults` held any passage; false when one of them was not counted then.
   */
  atMostOneHeld(vaults: readonly string[]): boolean {
    const now = this.clock();
    let holding = 0;
    for (const vault of vaults) {
      const held = this.held.get(vault, now);
      if (held === undefined) return false;
      if (held) holding++;
    }
    return holding <= 1;
  }

  /**
   * `vault`'s statistics for every term of `query`, or null when it has
   * not been counted lately or one of the terms has not; `recount` when
   * some are old enough to be counted again (`WORD_STATISTICS_RECOUNT_MS`).
   */
  lookUp(
    vault: string,
    query: AnalysedQuery,
  ): { statistics: CorpusStatistics; recount: boolean } | null {
    const now = this.clock();
    const counts = this.vaults.get(vault, now);
    if (counts === undefined) return null;
    const { passages } = counts;
    let oldest = counts.at;
    const statistics: CorpusStatistics = { passages, words: counts.words, holding: {} };
    for (const term of query.terms) {
      const reading = counts.readings.get(readingOf(term, query), now);
      if (reading === undefined) return null;
      oldest = Math.min(oldest, reading.at);
      // Counted at different times: no word held by more passages than
      // the vault had when last counted, so its idf stays a number.
      statistics.holding[termKey(term)] = Math.min(reading.ranked, passages);
      if (reading.near !== undefined)
        statistics.holding[nearKey(term)] = Math.min(reading.near, passages);
      statistics.holding[fullKey(term)] = Math.min(reading.full, passages);
    }
    return { statistics, recount: now - oldest >= WORD_STATISTICS_RECOUNT_MS };
  }

  /** Keeps `vault`'s statistics for `query`'s terms, as the vault counted them now. */
  record(vault: string, query: AnalysedQuery, statistics: CorpusStatistics): void {
    const now = this.clock();
    this.held.set(vault, statistics.passages > 0, now);
    const readings =
      this.vaults.get(vault, now)?.readings ??
      new ExpiringMap<string, Reading>(WORD_STATISTICS_MAX_AGE_MS, MAX_READINGS);
    this.vaults.set(
      vault,
      { at: now, passages: statistics.passages, words: statistics.words, readings },
      now,
    );
    const { holding } = statistics;
    for (const term of query.terms) {
      const near = holding[nearKey(term)];
      readings.set(
        readingOf(term, query),
        {
          at: now,
          ranked: holding[termKey(term)] ?? 0,
          ...(near === undefined ? {} : { near }),
          full: holding[fullKey(term)] ?? 0,
        },
        now,
      );
    }
  }
}

/** What a term's counts depend on besides the vault: as text-search.ts names its postings. */
function readingOf(term: string, query: AnalysedQuery): string {
  const alike = query.alike.get(term) ?? [];
  const spelt = query.spelt.get(term) ?? [];
  return `${term}\n=${alike.join(' ')}\n${spelt.join(' ')}`;
}

/** The isolate's cache: every request of the isolate reads and fills it. */
export const isolateWordStatistics = new WordStatisticsCache();
