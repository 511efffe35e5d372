import { describe, expect, it } from 'vitest';
import { SearchDocument, StoreMemoriesDocument } from '../generated/graphql';
import { newKey } from '../helpers/graphql';

type Key = Awaited<ReturnType<typeof newKey>>;

const DENTIST = 'My dentist appointment is on November 30 at 9am with Dr. Keller.';
const FLAT = 'I paid €1,450 for the flat';
const RENT = 'The rent is 1450 euros a month.';
const SISTER = "Ma sœur travaille à l'hôpital.";
const STREET = 'Die Straße zum Bahnhof ist gesperrt.';
const CLIMBING = 'Lukasz runs the climbing gym';
const BOTTLE = 'The bottle holds 1.5 litres of water';
const CATS = 'We have two cats at home';
const HAIRCUT = 'My haircut appointment is on Friday at 9am.';
const BROTHER = 'Mon frère travaille à Paris.';

/**
 * Stores each memory in its own conversation (two hours apart), so that
 * TEXT's context (what was said just before and after) lifts no other.
 */
async function storeApart(key: Key, contents: readonly string[], after = 0) {
  const now = Date.now() - after * 2 * 3_600_000;
  await key.api.request(StoreMemoriesDocument, {
    inputs: contents.map((content, index) => ({
      content,
      createdAt: new Date(now - (index + 1) * 2 * 3_600_000).toISOString(),
    })),
  });
}

async function search(key: Key, query: string, mode: 'TEXT' | 'HYBRID' = 'TEXT') {
  const { search } = await key.api.request(SearchDocument, {
    input: {
      query,
      mode,
      windows: [
        { window: 'HOT', limit: 10 },
        { window: 'WORKING', limit: 10 },
      ],
    },
  });
  // Best first across both windows (the API lists HOT's hits before WORKING's).
  return search.hits
    .map((hit) => ({ content: hit.memory.content, score: hit.score }))
    .sort((a, b) => b.score - a.score);
}

const contents = async (key: Key, query: string) =>
  (await search(key, query)).map((hit) => hit.content);

describe('text search that forgives how a query is typed', () => {
  it('finds a memory through misspelt words, below the score of the words spelt right', async () => {
    const key = await newKey();
    await storeApart(key, [DENTIST, HAIRCUT, CATS, RENT]);
    // Both words misspelt: the memory holding both comes first.
    expect(await contents(key, 'when is my dentst apointment')).toEqual([DENTIST, HAIRCUT]);
    // HYBRID finds them as word matches (score above 0), not by vectors alone.
    const [hybridTop] = await search(key, 'when is my dentst apointment', 'HYBRID');
    expect(hybridTop?.content).toBe(DENTIST);
    expect(hybridTop!.score).toBeGreaterThan(0);

    const [typo] = await search(key, 'dentst');
    const [exact] = await search(key, 'dentist');
    expect(typo?.content).toBe(DENTIST);
    expect(exact?.content).toBe(DENTIST);
    expect(typo!.score).toBeLessThan(exact!.score);
  });

  it('allows no typo in short words, in numbers or in the first letter', async () => {
    const key = await newKey();
    await storeApart(key, [CATS, RENT, DENTIST]);
    expect(await contents(key, 'sentist')).toEqual([]);
    // "cots" is one letter from "cats", but four letters are too few to tell.
    expect(await contents(key, 'cots')).toEqual([]);
    expect(await contents(key, '1451')).toEqual([]);
  });

  it('finds a number however its thousands are written', async () => {
    const key = await newKey();
    await storeApart(key, [FLAT, RENT, BOTTLE]);
    expect(await contents(key, 'how much was 1450')).toEqual(expect.arrayContaining([FLAT, RENT]));
    expect(await contents(key, '1,450')).toEqual(expect.arrayContaining([FLAT, RENT]));
    // A dot before three digits is a thousands separator too (German, Spanish).
    expect(await contents(key, '1.450')).toEqual(expect.arrayContaining([FLAT, RENT]));
    expect(await contents(key, '€1,450')).toHaveLength(2);
    // A decimal stays a decimal: its own words, no thousands.
    expect((await contents(key, '1.5 litres'))[0]).toBe(BOTTLE);
    expect(await contents(key, '1.500')).toEqual([]);
  });

  it('finds letters that Unicode does not decompose, written either way', async () => {
    const key = await newKey();
    await storeApart(key, [SISTER, STREET, CLIMBING, BROTHER]);
    expect(await contents(key, 'soeur')).toEqual([SISTER]);
    expect(await contents(key, 'sœur')).toEqual([SISTER]);
    expect(await contents(key, 'Strasse')).toEqual([STREET]);
    expect(await contents(key, 'Łukasz')).toEqual([CLIMBING]);
    const [hybridTop] = await search(key, 'soeur', 'HYBRID');
    expect(hybridTop?.content).toBe(SISTER);
    expect(hybridTop!.score).toBeGreaterThan(0);
  });

  it('finds both spellings of œ, æ and ß in a vault that holds both', async () => {
    const key = await newKey();
    const typedPlain = 'Ma soeur Claire est venue hier.';
    const plainStreet = 'The Strasse by the station is closed.';
    await storeApart(key, [SISTER, typedPlain, STREET, plainStreet, BROTHER]);
    expect((await contents(key, 'soeur')).sort()).toEqual([SISTER, typedPlain].sort());
    expect((await contents(key, 'sœur')).sort()).toEqual([SISTER, typedPlain].sort());
    expect((await contents(key, 'Straße')).sort()).toEqual([STREET, plainStreet].sort());
  });

  it('finds a spelling stored after the word was searched for', async () => {
    // A search keeps each query word's look-ups for its windows; the next
    // search, after a write, must look again.
    const key = await newKey();
    const typedPlain = 'Ma soeur Claire est venue hier.';
    await storeApart(key, [typedPlain, CATS]);
    expect(await contents(key, 'soeur')).toEqual([typedPlain]);
    await storeApart(key, [SISTER], 3);
    expect((await contents(key, 'soeur')).sort()).toEqual([SISTER, typedPlain].sort());
  });

  it('forgives a typo of a word stored after the vault last read its words', async () => {
    // The first misspelt search reads the vault's words; later writes add theirs.
    const key = await newKey();
    await storeApart(key, [DENTIST, CATS]);
    expect(await contents(key, 'dentst')).toEqual([DENTIST]);
    await storeApart(key, [HAIRCUT], 3);
    expect(await contents(key, 'haircot')).toEqual([HAIRCUT]);
    await storeApart(key, [SISTER], 6);
    expect(await contents(key, 'soeur')).toEqual([SISTER]);
  });

  it('scores another spelling of a word as the word itself', async () => {
    const key = await newKey();
    await storeApart(key, [SISTER, CATS]);
    const [folded] = await search(key, 'soeur');
    const [asWritten] = await search(key, 'sœur');
    expect(folded?.score).toBeCloseTo(asWritten!.score, 6);
  });

  it('forgets a misspelling’s stand-ins when the vault learns the word as typed', async () => {
    const key = await newKey();
    await storeApart(key, [DENTIST]);
    expect(await contents(key, 'dentst')).toEqual([DENTIST]);
    const typed = 'Note to self: dentst is how I always type it';
    await storeApart(key, [typed], 1);
    expect(await contents(key, 'dentst')).toEqual([typed]);
  });
});
