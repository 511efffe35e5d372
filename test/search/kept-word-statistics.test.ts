import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SearchDocument, StoreMemoriesDocument } from '../generated/graphql';
import { newKey } from '../helpers/graphql';
import { recordVaultCalls } from '../helpers/vault-calls';
import {
  WORD_STATISTICS_MAX_AGE_MS,
  WORD_STATISTICS_RECOUNT_MS,
} from '../../src/resolvers/word-statistics-cache';

/**
 * A search over several vaults ranks with word statistics of all of them
 * (shared-word-statistics.test.ts). The isolate keeps each vault's counts
 * of the words it searched (resolvers/word-statistics-cache.ts), so a
 * search of words counted lately asks no vault for them first: it makes
 * one round of calls, not two. The clock stands still unless a test moves
 * it, so how long the machine takes never decides what is kept.
 */
const VAULTS = [
  { kind: 'CORE' as const },
  { kind: 'SESSION' as const, id: 'trail' },
  { kind: 'SESSION' as const, id: 'kitchen' },
];
const WINDOWS = [{ window: 'HOT' as const, limit: 5 }];

async function threeVaults() {
  const key = await newKey();
  await key.api.request(StoreMemoriesDocument, {
    inputs: [
      { content: 'Ines keeps her climbing rope in the hall closet' },
      { content: 'the rope swing by the river broke in spring' },
      { content: 'Ines: we hiked the ridge trail with a rope for the scramble', vault: VAULTS[1] },
      { content: 'Omar: the ridge trail was closed after the storm', vault: VAULTS[1] },
      { content: 'Omar: Ines baked bread with rosemary from the garden', vault: VAULTS[2] },
    ],
  });
  return key;
}

/** Runs `search` and returns what it answered and the vault calls it made, by method. */
async function searched(key: Awaited<ReturnType<typeof newKey>>, query: string, vaults = VAULTS) {
  const arrived = recordVaultCalls();
  try {
    const { search } = await key.api.request(SearchDocument, {
      input: { query, vaults, windows: WINDOWS, mode: 'TEXT' },
    });
    return {
      hits: search.hits.map((hit) => [hit.memory.content, hit.score] as const),
      statisticsCalls: arrived.calls.filter((call) => call.startsWith('textStatistics')).sort(),
      reads: arrived.calls.filter((call) => call.startsWith('read')).length,
    };
  } finally {
    arrived.stop();
  }
}

describe('word statistics kept between searches over several vaults', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-11-27T09:00:00Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a repeated search asks no vault for its statistics, and scores every memory as the first did', async () => {
    const key = await threeVaults();
    const first = await searched(key, 'ines rope ridge trail');
    expect(first.statisticsCalls).toEqual([
      'textStatistics core',
      'textStatistics session:kitchen',
      'textStatistics session:trail',
    ]);
    expect(first.hits.length).toBeGreaterThan(2);

    const again = await searched(key, 'ines rope ridge trail');
    expect(again.statisticsCalls).toEqual([]);
    expect(again.reads).toBe(3);
    expect(again.hits).toEqual(first.hits);

    // The same words in another order and another query count as known.
    const reordered = await searched(key, 'trail ridge rope');
    expect(reordered.statisticsCalls).toEqual([]);
  });

  it('a memory written after the counts were kept is found by the next search at once', async () => {
    const key = await threeVaults();
    await searched(key, 'ines rope');
    await key.api.request(StoreMemoriesDocument, {
      inputs: [{ content: 'Ines lent Omar her spare rope last week', vault: VAULTS[2] }],
    });
    const after = await searched(key, 'ines rope');
    expect(after.statisticsCalls).toEqual([]);
    expect(after.hits.map(([content]) => content)).toContain(
      'Ines lent Omar her spare rope last week',
    );
  });

  it('a word not counted lately is asked of the vaults first; a vault not searched lately is asked alone', async () => {
    const key = await threeVaults();
    await searched(key, 'ridge trail', VAULTS.slice(0, 2));
    const newWord = await searched(key, 'ridge trail storm', VAULTS.slice(0, 2));
    expect(newWord.statisticsCalls).toEqual([
      'textStatistics core',
      'textStatistics session:trail',
    ]);
    expect(newWord.hits[0]![0]).toBe('Omar: the ridge trail was closed after the storm');

    const oneMore = await searched(key, 'ridge trail storm');
    expect(oneMore.statisticsCalls).toEqual(['textStatistics session:kitchen']);
  });

  it('a search kept from cache ranks as one that asked every vault', async () => {
    // Two keys, the same memories: the second key's search has its words
    // counted by an earlier search, the first's asks every vault.
    const warm = await threeVaults();
    const cold = await threeVaults();
    await searched(warm, 'omar ines bread trail');
    const fromCache = await searched(warm, 'omar ines bread trail');
    const asked = await searched(cold, 'omar ines bread trail');
    expect(fromCache.statisticsCalls).toEqual([]);
    expect(asked.statisticsCalls).toHaveLength(3);
    expect(fromCache.hits).toEqual(asked.hits);
  });

  it('a search within the recount time leaves the counts as they were; older counts are asked for again', async () => {
    const key = await threeVaults();
    const counted = Date.now();
    await searched(key, 'ines rope');
    vi.setSystemTime(counted + WORD_STATISTICS_RECOUNT_MS - 1);
    expect((await searched(key, 'ines rope')).statisticsCalls).toEqual([]);
    // Counted at `counted` still, not again by that search: past the bound they are asked for.
    vi.setSystemTime(counted + WORD_STATISTICS_MAX_AGE_MS);
    expect((await searched(key, 'ines rope')).statisticsCalls).toHaveLength(3);
  });

  it('counts past the recount time are counted again with the hits, so the bound runs from that search', async () => {
    const key = await threeVaults();
    await searched(key, 'ines rope');
    vi.setSystemTime(Date.now() + WORD_STATISTICS_MAX_AGE_MS - 1);
    expect((await searched(key, 'ines rope')).statisticsCalls).toEqual([]);
    // That search, past the recount time, had its vaults count the words
    // with its hits: they are fresh for the bound from then, not from the first.
    const recounted = Date.now();
    vi.setSystemTime(recounted + WORD_STATISTICS_RECOUNT_MS - 1);
    expect((await searched(key, 'ines rope')).statisticsCalls).toEqual([]);
    vi.setSystemTime(recounted + WORD_STATISTICS_MAX_AGE_MS);
    expect((await searched(key, 'ines rope')).statisticsCalls).toHaveLength(3);
  });

  it('memories written into vaults counted empty a moment before score as they will once counted again, never 0 (review 104 #1)', async () => {
    // Before, the kept sum of two empty vaults (no passages, no words)
    // ranked every memory written since at 0 until the counts expired: a
    // new user's first minute (ask, tell, ask again).
    const key = await newKey();
    const vaults = [VAULTS[0]!, VAULTS[1]!];
    const query = 'which train does oskar take to work';
    expect((await searched(key, query, vaults)).hits).toEqual([]);
    await key.api.request(StoreMemoriesDocument, {
      inputs: [
        { content: 'Oskar takes the 7:40 train to work' },
        { content: 'Oskar works at the harbour office', vault: VAULTS[1] },
        { content: 'Oskar missed the train on Monday', vault: VAULTS[1] },
      ],
    });
    const soon = await searched(key, query, vaults);
    expect(soon.statisticsCalls).toEqual([]);
    expect(soon.hits.map(([content]) => content)[0]).toBe('Oskar takes the 7:40 train to work');
    for (const [content, score] of soon.hits) expect(score, content).toBeGreaterThan(0.1);

    vi.setSystemTime(Date.now() + WORD_STATISTICS_MAX_AGE_MS);
    const counted = await searched(key, query, vaults);
    expect(counted.statisticsCalls).toHaveLength(2);
    expect(new Set(soon.hits.map(([content]) => content))).toEqual(
      new Set(counted.hits.map(([content]) => content)),
    );
  });
});
