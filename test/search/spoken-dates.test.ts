import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ChatDocument, SearchDocument, StoreMemoriesDocument } from '../generated/graphql';
import { newKey } from '../helpers/graphql';
import { chatClient } from '../helpers/graphql-chat';
import { resetFakes } from '../helpers/fakes';
import { allWindows, keyWithDatedNotes, type Key } from '../helpers/dated-notes';

/**
 * Dates as people say them in a search, resolved against the search's `now`
 * (an outside review's finding: "last March" matched the word "last", and
 * "yesterday", "in May", "on Friday", "3/3/2026", "2026-05" or "spring
 * 2026" had no date effect at all).
 */
/** A Wednesday afternoon. */
const NOW = '2026-11-18T15:00:00.000Z';

/** A vault of dated conversation turns, each stored at its own time. */
const TURNS = {
  berlin: [
    'Anna: we moved to Berlin last week, the flat is still full of boxes',
    '2026-07-01T12:00',
  ],
  pottery: ['Anna: I started the pottery class, my first bowl cracked', '2026-03-12T12:00'],
  dentist: ['Ben: the dentist pulled my wisdom tooth', '2026-03-03T12:00'],
  picnic: ['Anna: the cherry trees are out, we had a picnic', '2026-04-20T12:00'],
  marathon: ['Ben: ran the half marathon in two hours', '2026-05-16T12:00'],
  kitchen: ['Ben: we painted the kitchen green', '2025-09-10T12:00'],
  report: ['Ben: finished the quarterly report at long last', '2026-11-11T12:00'],
  thai: ['Anna: dinner at the Thai place with Sam', '2026-11-13T19:00'],
  canal: ['Anna: a long walk along the canal', '2026-11-15T12:00'],
  boiler: ['Ben: the boiler broke again, the plumber comes tomorrow', '2026-11-17T08:00'],
  coffee: ['Anna: coffee with Lena, she starts her new job soon', '2026-11-18T13:00'],
} as const satisfies Record<string, readonly [string, string]>;
type Turn = keyof typeof TURNS;

const ALL_WINDOWS = allWindows(20);

const storeTurns = () => keyWithDatedNotes(TURNS);

async function search(
  key: Key,
  query: string,
  options: {
    mode?: 'TEXT' | 'HYBRID';
    windows?: { window: 'HOT' | 'WORKING' | 'LONG_TERM' | 'ARCHIVE'; limit: number }[];
    now?: string | null;
  } = {},
): Promise<string[]> {
  const { search } = await key.api.request(SearchDocument, {
    input: {
      query,
      mode: options.mode ?? 'TEXT',
      windows: options.windows ?? ALL_WINDOWS,
      ...(options.now === null ? {} : { now: options.now ?? NOW }),
    },
  });
  return search.hits.map((hit) => hit.memory.content);
}

const contents = (...turns: Turn[]) => turns.map((turn) => TURNS[turn][0]).sort();

describe('dates as people say them', () => {
  it('ranks what Anna said last March first, not a memory that says "last"', async () => {
    const key = await storeTurns();
    // Both in ARCHIVE (over 90 days before now), so one window ranks them.
    const archive = [{ window: 'ARCHIVE' as const, limit: 5 }];
    for (const mode of ['TEXT', 'HYBRID'] as const) {
      const hits = await search(key, 'what did Anna say last March?', { mode, windows: archive });
      // Before: "We moved to Berlin last week…" first (the word "last" matched).
      expect(hits[0], mode).toBe(TURNS.pottery[0]);
      expect(hits.indexOf(TURNS.pottery[0])).toBeLessThan(hits.indexOf(TURNS.berlin[0]));
    }
  });

  it('finds the memories of a date said relative to now, or without its year', async () => {
    const key = await storeTurns();
    const cases: [string, Turn[]][] = [
      ['what happened yesterday?', ['boiler']],
      ['what happened today?', ['coffee']],
      ['what happened 3 days ago?', ['canal']],
      // Monday 9 to Sunday 15 November; not Berlin's turn of October that
      // says "last week" (a relative date's words are no words, review 101).
      ['what happened last week?', ['report', 'thai', 'canal']],
      // The latest Friday before Wednesday the 18th.
      ['what did we do on Friday?', ['thai']],
      ['What did I do in May?', ['marathon']],
      ['what happened on March 3rd?', ['dentist']],
      ['3/3/2026', ['dentist']],
      ['2026-05', ['marathon']],
      ['spring 2026', ['dentist', 'pottery', 'picnic', 'marathon']],
      ['what did we do last year?', ['kitchen']],
    ];
    // Before: each found nothing, or only memories holding the date's words
    // ("last week" found Berlin's move, "what did we do" nothing at all).
    for (const [query, turns] of cases)
      expect.soft((await search(key, query)).sort(), query).toEqual(contents(...turns));
  });

  it('keeps the word match of a named period above its other memories', async () => {
    const key = await storeTurns();
    const archive = [{ window: 'ARCHIVE' as const, limit: 5 }];
    // HYBRID, as a search sends by default: Ben's May marathon, then his
    // other turns (word "Ben"), then May's other memories (none here).
    const hits = await search(key, 'which marathon did Ben run in May?', {
      mode: 'HYBRID',
      windows: archive,
    });
    expect(hits[0]).toBe(TURNS.marathon[0]);
  });

  it('finds the words of a question whether or not its period holds memories', async () => {
    const key = await storeTurns();
    // On 20 December last week (7–13 December) holds no memory: the date
    // adds nothing, and the question's words still find their memories.
    const december = { now: '2026-12-20T15:00:00.000Z' };
    // A search's `now` may be at most a day past the server's clock
    // (REFERENCE_TIME_FUTURE_SLACK_MS): the server's clock is December too.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse(december.now));
    try {
      expect(await search(key, 'the Thai dinner with Sam last week', december)).toEqual([
        TURNS.thai[0],
      ]);
      // A question about the date alone: the period holds nothing, and a
      // relative date's words are no words (review 101: an October "…last
      // week." is no answer to a question asked in December), so nothing.
      expect(await search(key, 'what happened last week?', december)).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
    // With memories in the period, those come first.
    expect((await search(key, 'what happened last week?')).slice(0, 3).sort()).toEqual(
      contents('report', 'thai', 'canal'),
    );
  });

  it("counts from the server's time when the search names no now", async () => {
    const key = await newKey();
    const day = 86_400_000;
    const today = Math.floor(Date.now() / day) * day;
    const yesterday = 'the plumber fixed the boiler';
    await key.api.request(StoreMemoriesDocument, {
      inputs: [
        { content: yesterday, createdAt: new Date(today - day + day / 2).toISOString() },
        {
          content: 'we said yesterday was the best day',
          createdAt: new Date(today - 6 * day).toISOString(),
        },
      ],
    });
    // The day's memory; not the one that said "yesterday" six days ago.
    expect(await search(key, 'what happened yesterday?', { now: null })).toEqual([yesterday]);
  });
});

describe("chat's memory search", () => {
  beforeEach(resetFakes);

  it('injects the memories of the day a chat message names', async () => {
    const key = await newKey();
    const day = 86_400_000;
    const today = Math.floor(Date.now() / day) * day;
    const yesterday = 'Went to the climbing gym with Priya';
    await key.api.request(StoreMemoriesDocument, {
      inputs: [
        { content: yesterday, createdAt: new Date(today - day + day / 2).toISOString() },
        {
          content: 'Yesterday I told you, what did I say about the gym?',
          createdAt: new Date(today - 6 * day).toISOString(),
        },
      ],
    });
    const chat = chatClient(key.secret, 'sk-test');
    const { chat: result } = await chat.request(ChatDocument, {
      input: {
        model: 'gpt-4o',
        messages: [{ role: 'USER', content: 'what did I do yesterday?' }],
        memoryMode: 'READ',
      },
    });
    // Before: only the memory holding the word "yesterday", six days old;
    // now the day's own memory comes first.
    expect(result.memory.hits.map((hit) => hit.memory.content)[0]).toBe(yesterday);
  });
});
