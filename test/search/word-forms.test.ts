import { describe, expect, it } from 'vitest';
import type { SearchMode } from '../generated/graphql';
import { searchHot as search, storeMinuteApart as store, type Key } from '../helpers/dated-notes';
import { newKey } from '../helpers/graphql';

/**
 * Notes without speaker labels, so that no note lends its neighbours context
 * and each search finds exactly what matches.
 */
const WON = 'Nate won another regional video game tournament last week.';
const CHOSE = 'Caroline chose the agency because it helps LGBTQ+ folks adopt.';
const WROTE = 'A shelter resident wrote us a letter of thanks.';
const CHILD = 'Our youngest child starts school in September.';
const OTHERS = [
  'The dentist moved the appointment to Thursday.',
  'Maya’s cat Biscuit has been sick, the vet says it is a kidney issue.',
];

const contents = async (key: Key, query: string, mode?: SearchMode) =>
  (await search(key, query, mode)).map((hit) => hit.content);

describe('forms of a word the stemmer does not join', () => {
  it('answers a question asked with the base form from a memory told in the past, in TEXT and HYBRID', async () => {
    const key = await newKey();
    await store(key, [WON, CHOSE, WROTE, CHILD, ...OTHERS]);
    for (const mode of ['TEXT', 'HYBRID'] as const) {
      expect(await contents(key, 'what did he win?', mode), mode).toEqual([WON]);
      expect(await contents(key, 'why did she choose it', mode), mode).toEqual([CHOSE]);
      // A past participle reads the simple past too.
      expect(await contents(key, 'who has written to us', mode), mode).toEqual([WROTE]);
      // Irregular plurals, as "dogs" finds "dog".
      expect(await contents(key, 'children', mode), mode).toEqual([CHILD]);
    }
  });

  it('counts another form as the word itself, not as a guess', async () => {
    const key = await newKey();
    await store(key, [WON, ...OTHERS]);
    const [asWritten] = await search(key, 'won');
    const [base] = await search(key, 'win');
    expect(base!.content).toBe(WON);
    expect(base!.score).toBe(asWritten!.score);
  });

  it('reads a past form without its base, and function words not at all', async () => {
    const key = await newKey();
    const seeYou = 'See you at the game on Sunday!';
    const makePlans = 'Let’s make plans for the weekend.';
    const children = 'The children loved the museum.';
    await store(key, [seeYou, makePlans, children, ...OTHERS]);
    // "seen" asks about what was seen, not every "see you".
    expect(await contents(key, 'has she seen it')).toEqual([]);
    // "make" is a function word of queries, so "made" is not read as it.
    expect(await contents(key, 'what has she made')).toEqual([]);
    expect(await contents(key, 'child')).toEqual([children]);
  });
});
