import { describe, expect, it } from 'vitest';
import { SearchDocument, StoreMemoriesDocument } from '../generated/graphql';
import { newKey } from '../helpers/graphql';

/**
 * TEXT scores mean the same in every vault, so a search over CORE and a
 * session merges them fairly. Raw BM25 did not: its idf grows with the
 * vault's size and falls with how common a word is there. A session about
 * a ferry trip says "ferry", "harbour" and "tickets" in most turns, so its
 * one turn holding all three scored less (about 1.2) than a CORE note
 * holding only "tickets", rare among CORE's ten notes (about 2).
 */
const HOUR = 3_600_000;
/** Stored long ago, an hour apart: each memory is its own conversation (no neighbour context). */
const START = Date.UTC(2025, 0, 1);
const SESSION = { kind: 'SESSION' as const, id: 'ferry-trip' };
const ANSWER = 'The ferry tickets are sold at the harbour office';
const QUERY = 'ferry tickets harbour';

/** 40 turns, each holding two of the query's three words; the answer holds all three. */
function tripTurns(): string[] {
  const pairs = [
    (n: number) => `The ferry left the harbour late on day ${n}`,
    (n: number) => `Our ferry tickets cost less on day ${n}`,
    (n: number) => `We kept the tickets from the harbour on day ${n}`,
  ];
  const turns = Array.from({ length: 39 }, (_, n) => pairs[n % pairs.length]!(n + 1));
  turns.splice(20, 0, ANSWER);
  return turns;
}

const CORE_NOTES = [
  'Concert tickets are in the kitchen drawer',
  'Standup is at nine thirty',
  'Gym membership expires soon',
  'Wifi password is on the fridge',
  'Dentist appointment next Tuesday',
  'Renew the car insurance in March',
  'Team lunch moved to Friday',
  'Water the plants on the balcony',
  'Quarterly report is due at month end',
  'Buy batteries for the smoke alarm',
];

describe('TEXT search across vaults', () => {
  it("ranks a large vault's full match above a small vault's one rare word", async () => {
    const { api } = await newKey();
    const stored = [
      ...CORE_NOTES.map((content) => ({ content })),
      ...tripTurns().map((content) => ({ content, vault: SESSION })),
    ];
    await api.request(StoreMemoriesDocument, {
      inputs: stored.map((input, i) => ({
        ...input,
        createdAt: new Date(START + i * HOUR).toISOString(),
      })),
    });
    const search = (vaults: { kind: 'CORE' | 'SESSION'; id?: string }[]) =>
      api.request(SearchDocument, {
        input: { query: QUERY, vaults, mode: 'TEXT', windows: [{ window: 'ARCHIVE', limit: 3 }] },
      });

    const { search: both } = await search([{ kind: 'CORE' }, SESSION]);
    expect(both.hits.map((hit) => hit.memory.content)[0]).toBe(ANSWER);
    // The note holding one word of three is below the session's partial
    // matches (two words of three), so not in the top 3 at all.
    expect(both.hits.map((hit) => hit.memory.vault.kind)).toEqual([
      'SESSION',
      'SESSION',
      'SESSION',
    ]);
    // A full match of average length scores about ½ in any vault; the lone
    // rare word, a fraction of its vault's full match, well below.
    expect(both.hits[0]!.score).toBeGreaterThan(0.4);
    const { search: core } = await search([{ kind: 'CORE' }]);
    expect(core.hits.map((hit) => hit.memory.content)).toEqual([CORE_NOTES[0]]);
    expect(core.hits[0]!.score).toBeLessThan(0.3);
    for (const hit of [...both.hits, ...core.hits]) {
      expect(hit.score).toBeGreaterThan(0);
      expect(hit.score).toBeLessThan(1);
    }
  });
});
