import { beforeEach, describe, expect, it } from 'vitest';
import { SearchDocument } from '../generated/graphql';
import { resetFakes } from '../helpers/fakes';
import { postJson, upstreamCalls } from '../helpers/drop-in';
import { allWindows, keyWithDatedNotes, type Key } from '../helpers/dated-notes';

/**
 * A day asked by a relative word ("tomorrow", "on Saturday", "today") or by
 * its ordinal without "the" ("what about 28th") finds the memories that
 * write that calendar day in their text, whenever they were written (outside
 * review 104 #2 and #5: "what are we doing tomorrow?" found nothing, and
 * "what about 28th" only the memories saying "28th").
 */
/** Friday 27 November, noon UTC: tomorrow is Saturday the 28th. */
const NOW = '2026-11-27T12:00:00.000Z';

const NOTES = {
  // Written days before, each naming Saturday 28 November its own way.
  hike: ['Going for a hike on November 28', '2026-11-20T12:00'],
  works: ['28 Nov works for me', '2026-11-21T12:00'],
  luigi: ["Dinner at Luigi's on the 28th of November", '2026-11-22T12:00'],
  budget: ['The budget review is on 28/11', '2026-11-23T12:00'],
  table: ['Booked a table for the 28th', '2026-11-24T12:00'],
  // Written before last Saturday, naming it.
  mia: ["Mia's party on 21 November", '2026-11-15T12:00'],
  // The number outside a date.
  bus: ['The bus ride took 28 minutes', '2026-11-10T12:00'],
  flat: ['Our friends live in flat 28', '2026-11-11T12:00'],
  // Another day of the month.
  dentist: ['Dentist on November 12', '2026-11-05T12:00'],
  // Written on the 27th itself (UTC), naming no day.
  coffee: ['Morning coffee on the balcony', '2026-11-27T08:00'],
  bike: ['Oiled the chain of the bike', '2026-11-27T09:00'],
  // Stored on Saturday the 28th as UTC+13 runs it (from 11:00 UTC on the 27th).
  plants: ['Watered the plants', '2026-11-27T11:15'],
} as const satisfies Record<string, readonly [string, string]>;
type Note = keyof typeof NOTES;

const DAY_28: Note[] = ['hike', 'works', 'luigi', 'budget', 'table'];
const sorted = (notes: readonly Note[]) => [...notes].sort();

async function search(
  key: Key,
  query: string,
  options: { mode?: 'TEXT' | 'HYBRID'; now?: string } = {},
): Promise<Note[]> {
  const { search } = await key.api.request(SearchDocument, {
    input: {
      query,
      mode: options.mode ?? 'TEXT',
      windows: allWindows(20),
      now: options.now ?? NOW,
    },
  });
  const byContent = new Map<string, Note>(
    Object.entries(NOTES).map(([note, [content]]) => [content, note as Note]),
  );
  return search.hits.map((hit) => byContent.get(hit.memory.content)!);
}

describe('a day named by a relative word', () => {
  it('finds the memories that write that day, for a day to come', async () => {
    const key = await keyWithDatedNotes(NOTES);
    for (const mode of ['TEXT', 'HYBRID'] as const)
      for (const query of [
        'what are we doing tomorrow?',
        'anything this Saturday?',
        'plans for tomorrow night',
      ]) {
        const found = await search(key, query, { mode });
        // Before: nothing for "tomorrow"; for "on Saturday" only what was
        // stored last Saturday ("28 Nov works for me").
        expect(sorted(found.slice(0, DAY_28.length)), `${mode}: ${query}`).toEqual(sorted(DAY_28));
        for (const never of ['bus', 'flat', 'dentist'] as const)
          expect(found, `${mode}: ${query}`).not.toContain(never);
      }
  });

  it("puts the day's written memories above those only stored on it", async () => {
    const key = await keyWithDatedNotes(NOTES);
    // Saturday 28 November, 01:00 in the asker's UTC+13: Friday 12:00 UTC.
    const found = await search(key, 'what are we doing today?', {
      now: '2026-11-28T01:00:00.000+13:00',
    });
    // Before: only the notes stored on the asker's Saturday (the plants) or
    // in the hours other zones count to it (coffee, bike).
    expect(sorted(found.slice(0, DAY_28.length))).toEqual(sorted(DAY_28));
    expect(found.slice(DAY_28.length)).toContain('plants');
  });

  it('reads a weekday alone as the past one and the coming one', async () => {
    const key = await keyWithDatedNotes(NOTES);
    const found = await search(key, "what's happening on Saturday?");
    // Before: only "28 Nov works for me", stored last Saturday.
    expect(sorted(found)).toEqual(sorted([...DAY_28, 'mia']));
  });

  it('still finds what was stored on a past day, and what writes it', async () => {
    const key = await keyWithDatedNotes(NOTES);
    // Asked on Saturday the 28th: yesterday is Friday the 27th.
    const found = await search(key, 'what did I do yesterday?', {
      now: '2026-11-28T12:00:00.000Z',
    });
    expect(sorted(found)).toEqual(sorted(['coffee', 'bike', 'plants']));
    // Last Saturday, the 21st: stored on it, and written before it.
    const saturday = await search(key, 'what happened last Saturday?');
    expect(sorted(saturday.slice(0, 2))).toEqual(sorted(['works', 'mia']));
  });
});

describe('a day of the month without "the"', () => {
  it('reads an ordinal alone as "the 28th" does', async () => {
    const key = await keyWithDatedNotes(NOTES);
    const asked = await search(key, 'what about the 28th?');
    expect(sorted(asked.slice(0, DAY_28.length))).toEqual(sorted(DAY_28));
    for (const query of ['what about 28th', '28th?']) {
      // Before: only "table for the 28th" and "the 28th of November".
      expect(sorted(await search(key, query)), query).toEqual(sorted(asked));
    }
  });

  it('reads a number after "the" as a day, not as the number', async () => {
    const key = await keyWithDatedNotes(NOTES);
    for (const query of ["what's on the 28?", 'anything on the 28']) {
      // Before: "28 minutes" and "flat 28", and no day.
      const found = await search(key, query);
      expect(sorted(found.slice(0, DAY_28.length)), query).toEqual(sorted(DAY_28));
      expect(found, query).not.toContain('bus');
      expect(found, query).not.toContain('flat');
    }
  });
});

describe('a day named by a relative word in a drop-in chat', () => {
  beforeEach(resetFakes);

  it("injects the memories that write tomorrow's day", async () => {
    const key = await keyWithDatedNotes(NOTES);
    const response = await postJson(
      '/v1/chat/completions',
      {
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'What do I have on tomorrow?' }],
        memory_mode: 'read',
      },
      {
        authorization: `Bearer ${key.secret}`,
        'x-provider-key': 'sk-test',
        'x-memory-now': NOW,
      },
    );
    expect(response.status).toBe(200);
    // Before: 0, and nothing injected.
    expect(Number(response.headers.get('x-memory-chunks-retrieved'))).toBeGreaterThan(0);
    const sent = (await upstreamCalls('api.openai.com')).at(-1)!.rawBody;
    // LONG_TERM's default four places hold four of the day's five.
    const injected = DAY_28.filter((note) => sent.includes(NOTES[note][0]));
    expect(injected.length).toBeGreaterThanOrEqual(4);
    for (const never of ['bus', 'flat', 'coffee', 'bike', 'plants'] as const)
      expect(sent, never).not.toContain(NOTES[never][0]);
  });
});
