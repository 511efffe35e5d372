import { describe, expect, it } from 'vitest';
import { DEFAULT_HYBRID_VECTOR_WEIGHT } from '../../src/core/config';
import { SearchDocument, StoreMemoriesDocument } from '../generated/graphql';
import { newKey } from '../helpers/graphql';

type Key = Awaited<ReturnType<typeof newKey>>;

/** A vault of everyday conversation turns, a few minutes apart. */
const TURNS = [
  'My manager at Globex is called Priya Raman.',
  'I am thinking of learning Portuguese before the move.',
  'I am moving to Lisbon in October for a new job.',
  'We found a new apartment near the river, two bedrooms.',
  'I adopted a cat named Miso last spring.',
  "Tom: Clara's wedding in Lyon was beautiful, the whole family came.",
  'My dog Biscuit hates the vacuum cleaner.',
  'Went hiking in the Alps with my brother last summer.',
  'The dentist said I should floss more often.',
  'Dinner with Sam on Friday at the Thai place.',
  '🎉🎂',
  'I need to renew my passport before the trip.',
];

async function storeTurns(key: Key) {
  const start = Date.now() - TURNS.length * 5 * 60_000;
  await key.api.request(StoreMemoriesDocument, {
    inputs: TURNS.map((content, index) => ({
      content,
      createdAt: new Date(start + index * 5 * 60_000).toISOString(),
    })),
  });
}

async function search(key: Key, query: string, mode: 'TEXT' | 'HYBRID') {
  const { search } = await key.api.request(SearchDocument, {
    input: { query, mode, windows: [{ window: 'HOT', limit: 10 }] },
  });
  return search.hits.map((hit) => ({ content: hit.memory.content, score: hit.score }));
}

/** HYBRID's least score for a memory only the vectors found (score-fusion.ts). */
const LEAST_VECTOR_SCORE = DEFAULT_HYBRID_VECTOR_WEIGHT * 0.1;

describe('search that does not answer with noise', () => {
  it('finds nothing by words for a query made only of function words', async () => {
    const key = await newKey();
    await storeTurns(key);
    for (const query of ['the', 'a', 'who', 'is it?', 'I am', 'who are you']) {
      expect(await search(key, query, 'TEXT'), query).toEqual([]);
      // HYBRID keeps only vector evidence that stands out, never a word match.
      for (const hit of await search(key, query, 'HYBRID'))
        expect(hit.score, `${query}: ${hit.content}`).toBeGreaterThanOrEqual(LEAST_VECTOR_SCORE);
    }
    // A content word beside them still finds its memory.
    expect((await search(key, 'who is my manager', 'TEXT'))[0]?.content).toBe(TURNS[0]);
  });
});
