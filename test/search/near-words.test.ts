import { describe, expect, it } from 'vitest';
import type { SearchMode } from '../generated/graphql';
import { searchHot as search, storeMinuteApart as store, type Key } from '../helpers/dated-notes';
import { newKey } from '../helpers/graphql';

/**
 * Notes (review 101's facts, without speaker labels, so that no note lends
 * its neighbours context and each search finds exactly what matches).
 */
const ALLERGIC = 'Jon is allergic to shellfish, so no shrimp please.';
const CHEMO = "Siobhan's mum starts chemo next Monday, fingers crossed.";
const PHOTOS = 'Carlos quit and is freelancing as a wedding photographer now.';
const MARIAH = 'Mariah is watering the plants while Siobhan is away.';
const PARTY = 'The party is at Kenji’s place on Saturday.';
const OTHERS = [
  'Jon went hiking at Mount Tam on Saturday.',
  'Maya’s cat Biscuit has been sick, the vet says it is a kidney issue.',
];

const contents = async (key: Key, query: string, mode?: SearchMode) =>
  (await search(key, query, mode)).map((hit) => hit.content);

describe('words of one root that the vault writes otherwise', () => {
  it('finds "allergic" for "allergies" and "chemo" for "chemotherapy", in TEXT and HYBRID', async () => {
    const key = await newKey();
    await store(key, [ALLERGIC, CHEMO, PHOTOS, MARIAH, PARTY, ...OTHERS]);
    for (const mode of ['TEXT', 'HYBRID'] as const) {
      expect(await contents(key, 'allergies', mode), mode).toEqual([ALLERGIC]);
      expect(await contents(key, 'any food allergies i should know about', mode), mode).toEqual([
        ALLERGIC,
      ]);
      expect(await contents(key, 'chemotherapy', mode), mode).toEqual([CHEMO]);
      expect(await contents(key, 'any photos?', mode), mode).toEqual([PHOTOS]);
    }
  });

  it('scores a word of the root below the word as written', async () => {
    const key = await newKey();
    await store(key, [ALLERGIC, CHEMO, ...OTHERS]);
    const [exact] = await search(key, 'allergic');
    const [root] = await search(key, 'allergies');
    expect(root!.content).toBe(exact!.content);
    expect(root!.score).toBeLessThan(exact!.score);
  });

  it('leaves a word the vault holds as it is, and names and short or unrelated beginnings alone', async () => {
    const key = await newKey();
    const allergies = 'Priya’s allergies are worse in spring.';
    await store(key, [ALLERGIC, allergies, MARIAH, PARTY, ...OTHERS]);
    // Held as written: its own memory only, as before.
    expect(await contents(key, 'allergies')).toEqual([allergies]);
    // One letter apart is the typo rule's (a name is not another name); "party" is not "particular".
    expect(await contents(key, 'maria')).toEqual([]);
    expect(await contents(key, 'particular')).toEqual([]);
    // Four letters are too short a beginning to share ("plan" is no "plant").
    expect(await contents(key, 'plan')).toEqual([]);
  });
});
