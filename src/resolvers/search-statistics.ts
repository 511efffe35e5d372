import { addStatistics, type CorpusStatistics } from '../durable/full-text/corpus-statistics';
import { analyseQuery } from '../durable/full-text/query-analysis';
import { DEFAULT_TEXT_RANKING } from '../durable/full-text/text-ranking';
import type { TextStatisticsQuery } from '../durable/rpc/vault-types';
import { vaultObjectName, type VaultAddress } from '../vaults/address';
import type { VaultLoader } from './vault-loader';
import { isolateWordStatistics, type WordStatisticsCache } from './word-statistics-cache';

/**
 * The word statistics of a search over several vaults by words
 * (durable/full-text/corpus-statistics.ts): the summed statistics to rank
 * it with, and where the vaults' own counts answered with its hits go.
 */
export interface SearchStatistics {
  /** Settles with `{}` when a vault could not be counted: each then ranks with its own. */
  corpus: Promise<{ corpus?: CorpusStatistics }>;
  /** Keeps the counts a vault answered with its hits (`SearchRequest.reportStatistics`). */
  keep(address: VaultAddress, counted: CorpusStatistics | undefined): void;
}

/**
 * The statistics of `query` over `addresses`: each vault's from the
 * isolate's cache where all its words were counted lately, the other
 * vaults asked now (one call each, at once), and kept for the next searches.
 * A search whose words are all known waits for no call before it starts.
 */
export function searchStatistics(
  vaults: VaultLoader,
  addresses: readonly VaultAddress[],
  asked: TextStatisticsQuery,
  cache: WordStatisticsCache = isolateWordStatistics,
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
  const missing = addresses.filter((_, at) => known[at] === null);
  if (missing.length === 0)
    return {
      corpus: Promise.resolve({ corpus: addStatistics(known as CorpusStatistics[]) }),
      keep,
    };
  const corpus = vaults.textStatistics(missing, asked).then((counted) => {
    if (counted === null) return {};
    missing.forEach((address, at) => keep(address, counted[at]));
    let next = 0;
    return { corpus: addStatistics(known.map((part) => part ?? counted[next++]!)) };
  });
  return { corpus, keep };
}
