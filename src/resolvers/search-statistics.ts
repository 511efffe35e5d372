import { addStatistics, type CorpusStatistics } from '../durable/full-text/corpus-statistics';
import { analyseQuery } from '../durable/full-text/query-analysis';
import { DEFAULT_TEXT_RANKING } from '../durable/full-text/text-ranking';
import type { SearchRequest, TextStatisticsQuery } from '../durable/rpc/vault-types';
import { vaultObjectName, type VaultAddress } from '../vaults/address';
import type { VaultLoader } from './vault-loader';
import { isolateWordStatistics, type WordStatisticsCache } from './word-statistics-cache';

/**
 * The word statistics of a search over several vaults by words
 * (durable/full-text/corpus-statistics.ts): what the search request says of
 * them, and where the vaults' own counts answered with its hits go.
 */
export interface SearchStatistics {
  /**
   * The summed statistics to rank with (none when a vault could not be
   * counted: each then ranks with its own), and whether the vaults are to
   * answer their counts with their hits.
   */
  fields: Promise<Pick<SearchRequest, 'corpus' | 'reportStatistics' | 'ownCorpus'>>;
  /** Keeps the counts a vault answered with its hits (`SearchRequest.reportStatistics`). */
  keep(address: VaultAddress, counted: CorpusStatistics | undefined): void;
  /**
   * Set when the search goes out on each vault's own counts (`ownCorpus`):
   * given every vault's answered counts (`addresses` order), null when at
   * most one vault holds passages, so the hits are those shared statistics
   * give; else the statistics to search again with (their sum, or, should a
   * vault not have answered its counts, those the vaults are asked for).
   */
  again?(
    counted: readonly (CorpusStatistics | undefined)[],
  ): Promise<Pick<SearchRequest, 'corpus'>> | null;
}

/**
 * The statistics of `query` over `addresses`: each vault's from the
 * isolate's cache where all its words were counted lately, the other
 * vaults asked now (one call each, at once), and kept for the next searches.
 * A search whose words are all known waits for no call before it starts;
 * where its kept counts are due to be counted again, or a vault could not
 * be counted, its vaults count them with their hits.
 *
 * `ownCounts` (a chat's search: nothing is billed in the vaults, so a read
 * may be made twice): when words are missing but, as this isolate last saw
 * them, at most one of the vaults held any memory (a chat's CORE and
 * conversation vaults often hold none), the vaults are not asked first:
 * each ranks with its own counts, counted in the search's read, which is
 * what the sum would be were the others empty. The answers say whether they
 * were (`again`); a guess proved wrong costs one more read of every vault.
 */
export function searchStatistics(
  vaults: VaultLoader,
  addresses: readonly VaultAddress[],
  asked: TextStatisticsQuery,
  cache: WordStatisticsCache = isolateWordStatistics,
  options: { ownCounts?: boolean } = {},
): SearchStatistics {
  const query = analyseQuery(
    asked.text,
    (asked.textRanking ?? DEFAULT_TEXT_RANKING).stopwords,
    asked.now,
    asked.nowOffsetMinutes ?? 0,
  );
  const keep = (address: VaultAddress, counted: CorpusStatistics | undefined) => {
    if (counted !== undefined) cache.record(vaultObjectName(address), query, counted);
  };
  const known = addresses.map((address) => cache.lookUp(vaultObjectName(address), query));
  const recount = known.some((kept) => kept?.recount === true);
  const report = recount ? { reportStatistics: true as const } : {};
  const missing = addresses.filter((_, at) => known[at] === null);
  if (missing.length === 0) {
    const corpus = addStatistics(known.map((kept) => kept!.statistics));
    return { fields: Promise.resolve({ corpus, ...report }), keep };
  }
  if (options.ownCounts === true && cache.atMostOneHeld(addresses.map(vaultObjectName))) {
    return {
      fields: Promise.resolve({ ownCorpus: true as const, reportStatistics: true as const }),
      keep,
      again: (counted) => {
        if (counted.every((part) => part !== undefined)) {
          if (counted.filter((part) => part.passages > 0).length <= 1) return null;
          return Promise.resolve({ corpus: addStatistics(counted) });
        }
        // A vault that did not answer its counts (a previous release): asked, as without the guess.
        return vaults
          .textStatistics(addresses, asked)
          .then((parts) => (parts === null ? {} : { corpus: addStatistics(parts) }));
      },
    };
  }
  const fields = vaults.textStatistics(missing, asked).then((counted) => {
    if (counted === null) return { reportStatistics: true as const };
    missing.forEach((address, at) => keep(address, counted[at]));
    let next = 0;
    const parts = known.map((kept) => kept?.statistics ?? counted[next++]!);
    return { corpus: addStatistics(parts), ...report };
  });
  return { fields, keep };
}
