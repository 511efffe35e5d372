import { describe, expect, it } from 'vitest';
import { SearchDocument } from '../generated/graphql';
import { allWindows, keyWithDatedNotes, type Key } from '../helpers/dated-notes';

/**
 * Times people say that name hours, a vague "recently", a month of this
 * year, and a day written as "the 28th of November" (review 253 F6): each
 * ranks the memory of that time first through GraphQL `search` with `now`.
 * Before, "an hour ago", "13 hours ago", "in the last 24 hours" and
 * "recently" were no dates (the shortest breakfast, a week old, came
 * first), "this morning", "last night" and "tonight" were their whole day
 * (its noon fitting best), "this May" was words, and a memory's "28th of
 * November" was a 28th of any month.
 */
/** A Friday, 20:00 UTC. */
const NOW = '2026-11-27T20:00:00.000Z';

const MEALS = {
  oatmeal: ['Breakfast was oatmeal with berries', '2026-11-27T07:00'],
  eggs: ['Breakfast was eggs and toast', '2026-11-26T07:00'],
  pancakes: ['Breakfast was pancakes', '2026-11-20T07:00'],
  apple: ['Snack was an apple', '2026-11-27T19:00'],
  almonds: ['Snack was a handful of almonds', '2026-11-27T18:00'],
  crackers: ['Snack was crackers', '2026-11-26T16:00'],
  anaCoffee: ['Coffee with Ana at the corner cafe', '2026-11-27T08:00'],
  benCoffee: ['Coffee with Ben at the corner cafe', '2026-11-27T14:30'],
  ramen: ['Ate ramen with the team', '2026-11-26T12:00'],
  sushi: ['Ate sushi with the neighbours', '2026-11-27T01:30'],
  curry: ['Dinner plan is curry', '2026-11-27T12:00'],
  tacos: ['Dinner plan is tacos', '2026-11-27T19:30'],
} as const satisfies Record<string, readonly [string, string]>;

async function first(key: Key, query: string, now = NOW): Promise<string | undefined> {
  const { search } = await key.api.request(SearchDocument, {
    input: { query, mode: 'TEXT', now, windows: allWindows(5) },
  });
  return search.hits[0]?.memory.content;
}

describe('hours said relative to now', () => {
  it('reads "an hour ago", "two hours ago", "13 hours ago" as that time', async () => {
    const key = await keyWithDatedNotes(MEALS);
    expect.soft(await first(key, 'snack an hour ago')).toBe(MEALS.apple[0]);
    expect.soft(await first(key, 'what was my snack two hours ago?')).toBe(MEALS.almonds[0]);
    expect.soft(await first(key, 'breakfast 13 hours ago')).toBe(MEALS.oatmeal[0]);
    expect
      .soft(await first(key, 'what did I have for breakfast 13 hours ago?'))
      .toBe(MEALS.oatmeal[0]);
  });

  it('reads "in the last 24 hours" as the day up to now', async () => {
    const key = await keyWithDatedNotes(MEALS);
    expect.soft(await first(key, 'breakfast in the last 24 hours')).toBe(MEALS.oatmeal[0]);
    expect.soft(await first(key, 'snack in the past 24 hours')).not.toBe(MEALS.crackers[0]);
  });

  it('reads "this morning", "last night" and "tonight" as their hours, not their day', async () => {
    const key = await keyWithDatedNotes(MEALS);
    // The whole day's reading put 14:30 nearer its noon than 08:00.
    expect
      .soft(await first(key, 'who did I have coffee with this morning?'))
      .toBe(MEALS.anaCoffee[0]);
    // "last night" was yesterday: its noon's ramen first, the sushi after midnight last.
    expect.soft(await first(key, 'what did I eat last night?')).toBe(MEALS.sushi[0]);
    expect.soft(await first(key, "what's the dinner plan tonight?")).toBe(MEALS.tacos[0]);
  });

  it("gives a query naming hours the hours of each search's own `now`", async () => {
    const key = await keyWithDatedNotes(MEALS);
    // The same text asked an hour apart on one day: the isolate's analysis
    // of the first must not answer the second.
    expect.soft(await first(key, 'snack an hour ago')).toBe(MEALS.apple[0]);
    expect
      .soft(await first(key, 'snack an hour ago', '2026-11-27T19:00:00.000Z'))
      .toBe(MEALS.almonds[0]);
  });
});

describe('recently', () => {
  it('puts the newest of the last two weeks first, keeping the word', async () => {
    const key = await keyWithDatedNotes(MEALS);
    expect.soft(await first(key, 'what did I have for breakfast recently?')).toBe(MEALS.oatmeal[0]);
    expect.soft(await first(key, 'breakfast lately')).toBe(MEALS.oatmeal[0]);
  });
});

describe('a month of this year', () => {
  const TRIPS = {
    rome: ['Trip to Rome with the family', '2026-05-10T12:00'],
    paris: ['Trip to Paris with the family', '2025-05-10T12:00'],
    oslo: ['Trip to Oslo with the family', '2026-06-15T12:00'],
  } as const satisfies Record<string, readonly [string, string]>;
  const JUNE = '2026-06-20T12:00:00.000Z';

  it('reads "this May" and "this may?" as this year\'s May, not as words', async () => {
    const key = await keyWithDatedNotes(TRIPS);
    expect
      .soft(await first(key, 'where did the family trip go this May?', JUNE))
      .toBe(TRIPS.rome[0]);
    expect.soft(await first(key, 'family trip this may?', JUNE)).toBe(TRIPS.rome[0]);
    // "may" the verb stays a word: no May is read, the newest trip leads.
    expect.soft(await first(key, 'this may be the family trip', JUNE)).toBe(TRIPS.oslo[0]);
  });
});

describe('a day written as "the 28th of November"', () => {
  it('is that day of that month, found by "tomorrow"', async () => {
    const key = await keyWithDatedNotes({
      november: ['Party at the lake house on the 28th of November', '2026-10-20T10:00'],
      october: ['Party at the boat house on the 28th', '2026-10-20T10:00'],
    });
    // Before: "28th of November" was read as a 28th alone, so written on
    // 20 October it was 28 October, and "tomorrow" (the 28th) found neither.
    expect(await first(key, 'what party is tomorrow?')).toBe(
      'Party at the lake house on the 28th of November',
    );
  });
});
