import { afterEach, describe, expect, it, vi } from 'vitest';
import { SearchDocument } from '../generated/graphql';
import { newKey } from '../helpers/graphql';
import { EVERY_VAULT, storeFourFriends } from '../helpers/four-friends';

/**
 * A search over several vaults scores each word with statistics over all of
 * them (durable/full-text/corpus-statistics.ts). With each vault's own,
 * "Siobhan", in every other turn of her session with Priya, was common
 * there and rare in Maya and Jon's, so Jon's passing "hiking … with
 * Siobhan" outranked everything she said herself.
 */
const LATER = '2027-06-01T00:00:00Z';
/** CORE and the two sessions that name Siobhan: her own, and Maya and Jon's. */
const VAULTS = EVERY_VAULT.filter((vault) => vault.kind === 'CORE' || vault.id !== 'carlos-kenji');

describe('word statistics shared by the vaults of a search', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  for (const mode of ['TEXT', 'HYBRID'] as const) {
    it(`${mode}: what a person said herself ranks above another vault's passing mention of her`, async () => {
      const key = await newKey();
      await storeFourFriends(key);
      // A search's `now` may be at most a day past the server's clock
      // (REFERENCE_TIME_FUTURE_SLACK_MS): the server's clock is LATER too.
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.parse(LATER));
      const { search } = await key.api.request(SearchDocument, {
        input: {
          query: 'what has siobhan been up to lately',
          vaults: VAULTS,
          mode,
          now: LATER,
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
