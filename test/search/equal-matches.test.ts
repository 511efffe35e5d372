import { describe, expect, it } from 'vitest';
import { SearchDocument, StoreMemoriesDocument, type SearchMode } from '../generated/graphql';
import { newKey } from '../helpers/graphql';

type Key = Awaited<ReturnType<typeof newKey>>;

/**
 * Maya's turns of one conversation, oldest first, each on its own day (review
 * 101 #10). The oldest is the shortest, so BM25's length normalisation put it
 * first for "maya" before, and the newest, the longest, last.
 */
const DAYS: [day: string, maya: string, jon: string][] = [
  ['2026-10-05', 'Maya: Hey Jon!', 'Jon: Hi.'],
  ['2026-10-19', 'Maya: Congrats on the new job at Globex!', 'Jon: Thanks a lot.'],
  [
    '2026-11-03',
    'Maya: My cat Biscuit has been sick, the vet says it is a kidney issue.',
    'Jon: Oh no, poor Biscuit.',
  ],
  [
    '2026-11-16',
    'Maya: We finally moved! The new place is in Oakland, near Lake Merritt, with a view.',
    'Jon: What happened to the Berkeley apartment?',
  ],
];
/** Every day above falls in LONG_TERM (7 to 90 days before). */
const NOW = '2026-11-27T05:10:00Z';

async function store(key: Key) {
  await key.api.request(StoreMemoriesDocument, {
    inputs: DAYS.flatMap(([day, maya, jon]) => [
      { content: maya, createdAt: `${day}T18:00:00Z` },
      { content: jon, createdAt: `${day}T18:01:00Z` },
    ]),
  });
}

async function search(key: Key, query: string, mode: SearchMode) {
  const { search } = await key.api.request(SearchDocument, {
    input: { query, mode, now: NOW, windows: [{ window: 'LONG_TERM', limit: 10 }] },
  });
  return search.hits.map((hit) => ({ content: hit.memory.content, score: hit.score }));
}

const mayaNewestFirst = DAYS.map(([, maya]) => maya).reverse();

describe('memories that match a query equally', () => {
  it('tie, newest first, in TEXT and HYBRID', async () => {
    const key = await newKey();
    await store(key);
    for (const mode of ['TEXT', 'HYBRID'] as const) {
      const hits = (await search(key, 'maya', mode)).filter((hit) =>
        hit.content.startsWith('Maya:'),
      );
      expect(
        hits.map((hit) => hit.content),
        mode,
      ).toEqual(mayaNewestFirst);
      // One score: nothing about the query sets them apart.
      expect(new Set(hits.map((hit) => hit.score)).size, mode).toBe(1);
    }
  });

  it('still rank first what holds more of the query, and what their neighbours lend them', async () => {
    const key = await newKey();
    await store(key);
    const hits = await search(key, 'maya globex', 'TEXT');
    expect(hits[0]!.content).toBe(DAYS[1]![1]);
    // The other turns of Maya's are lent "globex" by their neighbours, the
    // farthest (Oakland, four turns on) least: context orders them, not time.
    const rest = hits.filter((hit) => hit.content.startsWith('Maya:')).slice(1);
    expect(rest.at(-1)!.content).toBe(DAYS[3]![1]);
    for (const [at, hit] of rest.entries())
      expect(hit.score).toBeLessThan((at === 0 ? hits[0]! : rest[at - 1]!).score);
  });
});
