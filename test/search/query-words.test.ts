import { beforeAll, describe, expect, it } from 'vitest';
import { newKey } from '../helpers/graphql';
import type { Key } from '../helpers/dated-notes';
import { searchFriends, storeFourFriends } from '../helpers/four-friends';

/**
 * Which words of a question count, through GraphQL search over an outside
 * review's four vaults of chat (test/helpers/four-friends.ts): words that
 * only shape the question must not find memories that happen to say them.
 */
let key: Key;

beforeAll(async () => {
  key = await newKey();
  await storeFourFriends(key);
});

const contents = (hits: { content: string }[]) => hits.map((hit) => hit.content);

describe('contractions typed without an apostrophe', () => {
  it('finds what the same question with the apostrophe finds', async () => {
    expect(await searchFriends(key, "what's")).toEqual([]);
    expect(await searchFriends(key, 'whats')).toEqual([]);
    for (const [typed, written] of [
      ['hows biscuit', "how's biscuit"],
      ['whats up with jon', "what's up with jon"],
      ['wheres maya living these days', "where's maya living these days"],
      ['whos minding the plants', "who's minding the plants"],
      ['dont forget the dentist', "don't forget the dentist"],
    ])
      expect(await searchFriends(key, typed), typed).toEqual(await searchFriends(key, written));
  });

  it('ranks the memories about the subject first, not those saying "how"', async () => {
    const found = contents(await searchFriends(key, 'hows biscuit'));
    expect(found.slice(0, 2).every((content) => content.includes('Biscuit'))).toBe(true);
    expect(found).not.toContain('Maya: Hey Jon! How was your weekend?');
  });
});
