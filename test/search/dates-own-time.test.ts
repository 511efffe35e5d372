import { beforeEach, describe, expect, it } from 'vitest';
import { ChatDocument, SearchDocument } from '../generated/graphql';
import { chatClient } from '../helpers/graphql-chat';
import { resetFakes } from '../helpers/fakes';
import { allWindows, keyWithDatedNotes, type Key } from '../helpers/dated-notes';

/**
 * A day written without its year in a memory is the occurrence its own
 * date makes it (outside review 253 F7): "Hike on November 28" written in
 * November 2025 is 2025's, "the 28th" written on 20 October is 28 October,
 * so neither is tomorrow's plan when asked on 27 November 2026.
 */
/** Friday 27 November 2026, 20:00 UTC: tomorrow is Saturday the 28th. */
const NOW = '2026-11-27T20:00:00.000Z';

const NOTES = {
  // Written for this 28 November and this coming week.
  picnic: ['Picnic with Ana and her sister in the park on November 28', '2026-11-20T10:00'],
  luigi: ["Dinner with the whole team at Luigi's on the 28th", '2026-11-24T10:00'],
  vet: ['Vet appointment for the cat on December 2nd at ten', '2026-11-25T10:00'],
  // The same days written in other months and years.
  hike: ['Hike on November 28 with Sam', '2025-11-20T10:00'],
  noma: ['Booked a table at Noma for the 28th', '2026-10-20T10:00'],
  budget: ['Budget review is on 28/11', '2024-11-01T10:00'],
  dentist: ['Dentist appointment on December 2nd', '2025-11-19T10:00'],
} as const satisfies Record<string, readonly [string, string]>;
type Note = keyof typeof NOTES;

const byContent = new Map<string, Note>(
  Object.entries(NOTES).map(([note, [content]]) => [content, note as Note]),
);

async function search(key: Key, query: string, mode: 'TEXT' | 'HYBRID'): Promise<Note[]> {
  const { search } = await key.api.request(SearchDocument, {
    input: { query, mode, windows: allWindows(20), now: NOW },
  });
  return search.hits.map((hit) => byContent.get(hit.memory.content)!);
}

/** Whether every one of `first` comes before every one of `after` that is found. */
function before(found: readonly Note[], first: readonly Note[], after: readonly Note[]) {
  const last = Math.max(...first.map((note) => found.indexOf(note)));
  const earliest = Math.min(...after.map((note) => found.indexOf(note)).filter((at) => at >= 0));
  return first.every((note) => found.includes(note)) && last < earliest;
}

describe("a memory's year-less day is of the memory's own time", () => {
  beforeEach(resetFakes);

  it("ranks tomorrow's plans above the same day written in another month or year", async () => {
    const key = await keyWithDatedNotes(NOTES);
    for (const mode of ['TEXT', 'HYBRID'] as const)
      for (const [query, stale] of [
        ['what are we doing tomorrow?', ['hike', 'noma', 'budget']],
        // "the 28th" asked on the 27th is 28 October too: Noma's table is one.
        ['anything on the 28th?', ['hike', 'budget']],
      ] as const) {
        const found = await search(key, query, mode);
        // Before: last year's hike, October's Noma table and 2024's budget
        // review were raised as tomorrow's, mixed with this week's plans.
        expect(
          before(found, ['picnic', 'luigi'], stale),
          `${mode}: ${query}: ${found.join(' ')}`,
        ).toBe(true);
      }
  });

  it("ranks next week's appointment above last year's on the same day", async () => {
    const key = await keyWithDatedNotes(NOTES);
    for (const mode of ['TEXT', 'HYBRID'] as const) {
      const found = await search(key, 'what do I have next week?', mode);
      expect(before(found, ['vet'], ['dentist']), `${mode}: ${found.join(' ')}`).toBe(true);
    }
  });

  it("gives chat tomorrow's plans first", async () => {
    const key = await keyWithDatedNotes(NOTES);
    const chat = chatClient(key.secret, 'sk-test');
    const { chat: result } = await chat.request(ChatDocument, {
      input: {
        model: 'gpt-4o',
        messages: [{ role: 'USER', content: 'What are we doing tomorrow?' }],
        memoryMode: 'READ',
        now: NOW,
      },
    });
    const found = result.memory.hits.map((hit) => byContent.get(hit.memory.content)!);
    expect(before(found, ['picnic', 'luigi'], ['hike', 'noma', 'budget']), found.join(' ')).toBe(
      true,
    );
  });
});
