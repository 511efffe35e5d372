import { describe, expect, it } from 'vitest';
import { SearchDocument } from '../generated/graphql';
import { FRIENDS_LATER, FRIENDS_VAULTS, keyWithFriends } from '../helpers/friends-vaults';

/**
 * A search over several vaults scores each word with statistics over all of
 * them (durable/full-text/corpus-statistics.ts). With each vault's own,
 * "Siobhan", in every other turn of her session with Priya, was common
 * there and rare in Maya and Jon's, so Jon's passing "hiking … with
 * Siobhan" outranked everything she said herself.
 */
describe('word statistics shared by the vaults of a search', () => {
  for (const mode of ['TEXT', 'HYBRID'] as const) {
    it(`${mode}: what a person said herself ranks above another vault's passing mention of her`, async () => {
      const { api } = await keyWithFriends();
      const { search } = await api.request(SearchDocument, {
        input: {
          query: 'what has siobhan been up to lately',
          vaults: FRIENDS_VAULTS,
          mode,
          now: FRIENDS_LATER,
          windows: [{ window: 'ARCHIVE', limit: 4 }],
        },
      });
      const contents = search.hits.map((hit) => hit.memory.content);
      expect(contents.length).toBe(4);
      // Her own turns, and the CORE note about her; not Jon's "hiking … with Siobhan".
      expect(contents.filter((content) => content.startsWith('Siobhan: ')).length).toBe(3);
      expect(search.hits.map((hit) => hit.memory.vault.externalId)).not.toContain('maya-jon');
    });
  }
});
