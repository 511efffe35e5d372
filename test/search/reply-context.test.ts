import { describe, expect, it } from 'vitest';
import { SearchDocument, StoreMemoriesDocument } from '../generated/graphql';
import { newKey } from '../helpers/graphql';

/**
 * A short reply holds few of a question's words: they are in the question
 * it answers, the turn before it. Through GraphQL search, such a reply
 * borrows more of the turn before it when that turn asks (0.75 instead of
 * 0.5), and a question borrows less of its answer (0.125), so the answer
 * ranks above a turn further back that merely repeats a word of the search
 * (LoCoMo: "When did Melanie go on a hike after the roadtrip?" → "we just
 * did it yesterday!", with the roadtrip turn above it).
 */
const SESSION = { kind: 'SESSION' as const, id: 'melanie-and-caroline' };

const TRANSCRIPT = [
  'Caroline: How was the roadtrip with the kids?',
  'Melanie: The roadtrip was fun, the kids loved the beach.',
  'Caroline: Did you go on a hike after the roadtrip?',
  'Melanie: We just did it yesterday!',
  'Caroline: That sounds lovely, I love the mountains.',
  'Melanie: The mountains were beautiful, the roadtrip home took hours.',
];

async function transcript(turns: readonly string[]) {
  const key = await newKey();
  // One batch, one timestamp: a transcript stored as its turns were said.
  const createdAt = new Date(Date.now() - 60_000).toISOString();
  await key.api.request(StoreMemoriesDocument, {
    inputs: turns.map((content) => ({ content, createdAt, vault: SESSION })),
  });
  return async (query: string, mode: 'TEXT' | 'HYBRID' = 'TEXT') =>
    (
      await key.api.request(SearchDocument, {
        input: { query, mode, vaults: [SESSION], windows: [{ window: 'HOT', limit: 3 }] },
      })
    ).search.hits.map((hit) => hit.memory.content);
}

describe('a short reply', () => {
  it('is found first by the words of the question it answers', async () => {
    const search = await transcript(TRANSCRIPT);
    for (const mode of ['TEXT', 'HYBRID'] as const)
      // Before: the roadtrip turn first (1.079 against the reply's 1.075, relative).
      expect(
        (await search('When did Melanie go on a hike after the roadtrip?', mode))[0],
        mode,
      ).toBe('Melanie: We just did it yesterday!');
  });
});
