import { beforeEach, describe, expect, it } from 'vitest';
import { ChatDocument, SearchDocument, StoreMemoriesDocument } from '../generated/graphql';
import { newKey } from '../helpers/graphql';
import { chatClient } from '../helpers/graphql-chat';
import { resetFakes } from '../helpers/fakes';
import { allWindows, keyWithDatedNotes, type Key } from '../helpers/dated-notes';

/**
 * A date read in a query adds to what the query finds, never takes from it
 * (an outside review of spoken dates, "review 99"): a coming date was read
 * as a past one and its words dropped, a named day preferred its fringe or
 * the newest memory to the day itself, date-only hits answered questions
 * about something else, and date-shaped text that was not read as a date
 * matched as numbers.
 */
/** A Friday, early in the UTC day. */
const NOW = '2026-11-27T02:30:00.000Z';

const NOTES = {
  dentist: ['Booked the dentist appointment for December 4th', '2026-11-26T10:00'],
  vienna: ['Conference talk scheduled in May in Vienna', '2026-11-16T09:00'],
  christmas: ['Christmas Eve dinner at my parents place', '2025-12-24T19:00'],
  juneTrip: ['Booked flights for the June trip', '2026-11-10T12:00'],
  juneSwim: ['Swam in the sea at Nice', '2026-06-15T12:00'],
  // Tuesday 24th and Wednesday 25th; the shorter note scores higher by its words.
  lunch24: ['Lunch with Tom', '2026-11-24T12:00'],
  lunch25: ['Lunch with Ana at the taco stand downtown', '2026-11-25T11:00'],
  cinema: ['Watched a film at the cinema', '2026-11-20T19:00'],
  market: ['Farmers market haul: apples and bread', '2026-11-21T08:00'],
  tyres: ['Bought winter tyres for the car', '2026-11-21T10:00'],
  garage: ['Dropped the car at the garage', '2026-11-23T08:00'],
  coffee: ['Morning coffee on the balcony', '2026-11-27T01:00'],
  run: ['Evening run by the river', '2026-11-26T20:00'],
  hike: ['Planning a hike this weekend', '2026-11-25T18:00'],
  kayak: ['Kayaking on the lake', '2026-07-15T12:00'],
  school: ['First day of school for Mia', '2026-09-01T06:00'],
  bus: ['The bus ride took 26 minutes', '2026-10-01T12:00'],
  yoga: ['Yoga class lasts 30 minutes and starts at 9:30', '2026-10-02T12:00'],
  pass: ['The rail pass allows 3 trips', '2026-10-03T12:00'],
  rent: ['Rent is 1,450 euros per week', '2026-10-04T12:00'],
  move: ['The move took all day', '2026-10-05T12:00'],
  parade: ['Caroline: last weekend I went to a pride parade with friends', '2023-07-10T12:00'],
  painting: ['Caroline: I am painting a sunset these days', '2023-07-10T12:05'],
} as const satisfies Record<string, readonly [string, string]>;
type Note = keyof typeof NOTES;

const ALL_WINDOWS = allWindows(30);

const storeNotes = () => keyWithDatedNotes(NOTES);

/** The hits' notes, best first (scores compare across windows within one search). */
async function search(
  key: Key,
  query: string,
  options: { mode?: 'TEXT' | 'HYBRID'; now?: string } = {},
): Promise<{ notes: Note[]; score: (note: Note) => number }> {
  const { search } = await key.api.request(SearchDocument, {
    input: { query, mode: options.mode ?? 'TEXT', windows: ALL_WINDOWS, now: options.now ?? NOW },
  });
  const byContent = new Map<string, Note>(
    Object.entries(NOTES).map(([note, [content]]) => [content, note as Note]),
  );
  const hits = [...search.hits]
    .sort((a, b) => b.score - a.score)
    .map((hit) => ({ note: byContent.get(hit.memory.content)!, score: hit.score }));
  return {
    notes: hits.map((hit) => hit.note),
    score: (note) => hits.find((hit) => hit.note === note)?.score ?? 0,
  };
}

describe('a date read in a query adds, never removes', () => {
  it('finds a coming date by its words: "December 4th", "Dec 4", "in May"', async () => {
    const key = await storeNotes();
    // Before: each was read as a past date only and its words dropped: nothing found.
    for (const [query, note] of [
      ['what do I have on December 4th', 'dentist'],
      ['anything on Dec 4', 'dentist'],
      ["what's happening in May", 'vienna'],
    ] as const)
      expect((await search(key, query)).notes[0], query).toBe(note);
  });

  it("weighs a named period's memories against a memory naming its month, neither buried", async () => {
    const key = await storeNotes();
    // Before: the December 4th note 0.53, Christmas Eve (on the day) 0.0017.
    const christmas = await search(key, 'December 24, 2025');
    expect(christmas.notes).toContain('dentist');
    expect(christmas.notes[0]).toBe('christmas');
    expect(christmas.score('dentist')).toBeGreaterThan(christmas.score('christmas') / 3);
    // Before: the November note naming June hundreds of times above June's memory.
    const june = await search(key, 'what happened in June 2026');
    expect(june.notes).toContain('juneTrip');
    expect(june.score('juneSwim')).toBeGreaterThan(june.score('juneTrip') / 3);
  });

  it('prefers the named day to its fringe, never the newest among equals', async () => {
    const key = await storeNotes();
    // [query, the note of the day, the note of its fringe ranked below it]
    const cases: [string, Note, Note][] = [
      ['lunch the day before yesterday', 'lunch25', 'lunch24'],
      ['lunch 3 days ago', 'lunch24', 'lunch25'],
      ['on Friday', 'cinema', 'market'],
      ['last weekend', 'tyres', 'garage'],
      ['this summer', 'kayak', 'school'],
    ];
    for (const [query, first, below] of cases) {
      const { notes } = await search(key, query);
      expect.soft(notes, query).toContain(first);
      expect.soft(notes.indexOf(below), query).toBeGreaterThan(notes.indexOf(first));
    }
    // Of a day's memories, the one nearest its middle first: yesterday (the
    // 26th) the dentist note at 10:00 before the run at 20:00.
    expect((await search(key, 'what happened yesterday?')).notes.slice(0, 2)).toEqual([
      'dentist',
      'run',
    ]);
  });

  it('answers a question about something with memories that match it, not the date alone', async () => {
    const key = await storeNotes();
    for (const mode of ['TEXT', 'HYBRID'] as const) {
      const { notes } = await search(key, 'What did Caroline do last weekend?', { mode });
      // Before: "Bought winter tyres" (stored last Saturday, no word of the question) first.
      // Caroline's turns, by her name: "weekend" said relative to now is no
      // word (review 213), so July's "…last weekend I went…" is one of them.
      expect(notes.slice(0, 2).sort(), mode).toEqual(['painting', 'parade']);
      expect(notes, mode).not.toContain('tyres');
    }
    // A question about the date alone still lists the day's memories.
    expect((await search(key, 'what happened yesterday?')).notes).toContain('run');
  });

  it('matches date-shaped text as a date or not at all, never as loose numbers', async () => {
    const key = await storeNotes();
    // [query, a note it must not find, the notes it finds first (if any)]
    const cases: [string, Note, Note[]][] = [
      ['11/20/26', 'bus', ['cinema']],
      ['4/30', 'yoga', []],
      ['2/30/2026', 'yoga', []],
      ['2026-02-29', 'yoga', []],
      ['in the last 3 days', 'pass', ['dentist']],
      ['the past week', 'rent', []],
      ['a few days ago', 'move', []],
      ['2 days back', 'move', ['lunch25']],
    ];
    for (const [query, never, first] of cases) {
      const { notes } = await search(key, query);
      expect.soft(notes, query).not.toContain(never);
      if (first.length === 0 && !/last|past|few/u.test(query))
        expect.soft(notes, query).toEqual([]);
      else expect.soft(notes.slice(0, first.length), query).toEqual(first);
    }
  });

  it('reads "this weekend", "in 2026" and "0 days ago", which found nothing', async () => {
    const key = await storeNotes();
    expect((await search(key, 'this weekend')).notes[0]).toBe('hike');
    expect((await search(key, 'what happened in 2026')).notes.length).toBeGreaterThan(10);
    expect((await search(key, '0 days ago')).notes[0]).toBe('coffee');
  });

  it("reads today, yesterday and weekdays in now's offset", async () => {
    const key = await storeNotes();
    // 08:00 in Tokyo on the 27th is 23:00Z on the 26th: Tokyo's today runs
    // from 15:00Z on the 26th, so the evening run (20:00Z) is of it and the
    // dentist note (10:00Z) of Tokyo's yesterday.
    const tokyo = await search(key, 'what happened today?', { now: '2026-11-27T08:00:00+09:00' });
    expect(tokyo.notes[0]).toBe('run');
    // The same instant in UTC: the 26th, the dentist note nearer its middle.
    const utc = await search(key, 'what happened today?', { now: '2026-11-26T23:00:00Z' });
    expect(utc.notes.slice(0, 2)).toEqual(['dentist', 'run']);
  });
});

describe("chat's memory search with dates", () => {
  beforeEach(resetFakes);

  const day = 86_400_000;
  const chatAs = (key: Key) => chatClient(key.secret, 'sk-test');
  const ask = async (key: Key, content: string) => {
    const { chat } = await chatAs(key).request(ChatDocument, {
      input: { model: 'gpt-4o', messages: [{ role: 'USER', content }], memoryMode: 'READ' },
    });
    return chat.memory.hits.map((hit) => hit.memory.content);
  };

  it('injects what matches the question, not what was merely stored in its period', async () => {
    const key = await newKey();
    const today = Math.floor(Date.now() / day);
    // Last Saturday, by the server's clock (chat searches at server time).
    const saturday = today - (((today + 3) % 7) + 2);
    await key.api.request(StoreMemoriesDocument, {
      inputs: [
        // Said weeks ago, quoting its own "last weekend".
        { content: NOTES.parade[0], createdAt: new Date((today - 30) * day).toISOString() },
        {
          content: NOTES.painting[0],
          createdAt: new Date((today - 30) * day + 300_000).toISOString(),
        },
        ...['Lunch with Tom', 'Lunch with Ana', 'Lunch with Sam', 'Lunch with Lea'].map(
          (content, at) => ({
            content,
            createdAt: new Date(saturday * day + (10 + at) * 3_600_000).toISOString(),
          }),
        ),
      ],
    });
    const injected = await ask(key, 'What did Caroline do last weekend?');
    // Before: the four lunch notes of last Saturday were injected (and billed) too.
    expect(injected.slice(0, 2).sort()).toEqual([NOTES.painting[0], NOTES.parade[0]]);
    expect(injected.filter((content) => content.startsWith('Lunch'))).toEqual([]);
  });

  it('injects the note that names a coming date', async () => {
    const key = await newKey();
    const inAWeek = new Date(Date.now() + 7 * day);
    const month = inAWeek.toLocaleString('en', { month: 'long', timeZone: 'UTC' });
    const date = inAWeek.getUTCDate();
    const ordinal = [1, 21, 31].includes(date)
      ? 'st'
      : [2, 22].includes(date)
        ? 'nd'
        : [3, 23].includes(date)
          ? 'rd'
          : 'th';
    const note = `Booked the dentist appointment for ${month} ${date}${ordinal}`;
    await key.api.request(StoreMemoriesDocument, {
      inputs: [
        { content: note, createdAt: new Date(Date.now() - day).toISOString() },
        { content: 'Watered the plants', createdAt: new Date(Date.now() - 2 * day).toISOString() },
      ],
    });
    // Before: read as last year's day, its words dropped: nothing injected.
    expect(await ask(key, `anything on ${month.slice(0, 3)} ${date}?`)).toEqual([note]);
  });
});
