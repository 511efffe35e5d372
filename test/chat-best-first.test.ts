import { beforeEach, describe, expect, it } from 'vitest';
import { StoreMemoriesDocument } from './generated/graphql';
import { resetFakes } from './helpers/fakes';
import { injectedBlockLines, injectedMemories, openAiClient } from './helpers/drop-in';
import { newKey } from './helpers/graphql';
import { postChat, streamChat } from './helpers/graphql-chat';

// What a chat injects is chosen by score across KRONOS windows and vaults:
// a strong older memory beats weak recent filler, both in which memories
// are picked and in how the token budget is spent (outside review 101, #1).

type Key = Awaited<ReturnType<typeof newKey>>;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A conversation of two friends, dated back from now as the review's data was (now = Nov 27). */
const TURNS: readonly (readonly [string, number])[] = [
  ['Carlos: I live in Austin now, just off South Congress.', 73 * DAY],
  ['Kenji: Love Austin. How is the new job at Redwood Bank?', 73 * DAY - 90_000],
  ['Carlos: Its fine, lots of spreadsheets.', 73 * DAY - 180_000],
  ['Carlos: Moved to Denver last weekend, the altitude is killing me.', 36 * DAY],
  ['Kenji: Wait, what about Redwood Bank?', 36 * DAY - 90_000],
  ["Carlos: I actually quit, I'm freelancing as a wedding photographer now.", 36 * DAY - 180_000],
  ['Kenji: My sister Emiko is getting married in June in Kyoto.', 22 * DAY],
  ['Carlos: Count me in, I will bring my camera.', 22 * DAY - 90_000],
  ["Kenji: Started learning the cello, it's way harder than guitar.", 6 * DAY],
  ['Carlos: Ha, you will get there.', 6 * DAY - 90_000],
  ['Carlos: Last night I had the best ramen at Tatsu in Denver.', 14 * HOUR],
  ['Kenji: Jealous. Was it the tonkotsu?', 14 * HOUR - 90_000],
];

const NOTES: readonly (readonly [string, number])[] = [
  ["Kenji's birthday is January 14", 57 * DAY],
  ['Reminder: renew the car insurance before December 15', 17 * DAY],
];

const QUESTION = 'does carlos still work at redwood bank';
const ANSWER = "Carlos: I actually quit, I'm freelancing as a wedding photographer now.";
const FILLER = [
  'Carlos: Last night I had the best ramen at Tatsu in Denver.',
  'Kenji: Jealous. Was it the tonkotsu?',
];

/** A key holding TURNS (session carlos-kenji) and NOTES (CORE); `tokens`: each memory's, by content. */
async function carlosAndKenji(): Promise<Key & { tokens: Map<string, number> }> {
  const key = await newKey();
  const now = Date.now();
  const stored = await key.api.request(StoreMemoriesDocument, {
    inputs: [
      ...TURNS.map(([content, ago]) => ({
        content,
        createdAt: new Date(now - ago).toISOString(),
        vault: { kind: 'SESSION' as const, id: 'carlos-kenji' },
      })),
      ...NOTES.map(([content, ago]) => ({ content, createdAt: new Date(now - ago).toISOString() })),
    ],
  });
  return {
    ...key,
    tokens: new Map(stored.storeMemories.map((memory) => [memory.content, memory.tokens])),
  };
}

interface ReceiptHit {
  score: number;
  window: string;
  memory: { content: string; tokens: number };
}

const CHAT_STREAM = `subscription($input: ChatInput!) {
  chat(input: $input) {
    done
    result { memory { memoryTokens hits { score window memory { content tokens } } } }
  }
}`;

/** The GraphQL chat subscription over SSE; returns the final receipt. */
async function subscribedChat(
  key: Key,
  input: Record<string, unknown>,
  question = QUESTION,
): Promise<{ memoryTokens: number; hits: ReceiptHit[] }> {
  const result = await streamChat<{ memory: { memoryTokens: number; hits: ReceiptHit[] } }>(
    key.secret,
    CHAT_STREAM,
    {
      model: 'openai/gpt-4o',
      sessionId: 'carlos-kenji',
      memoryMode: 'READ',
      messages: [{ role: 'USER', content: question }],
      ...input,
    },
  );
  return result.memory;
}

/** /v1/chat/completions through the official SDK; returns the decoded receipt header. */
async function completion(key: Key, headers: Record<string, string> = {}, question = QUESTION) {
  const openai = openAiClient(key.secret, {
    'x-session-id': 'carlos-kenji',
    'x-memory-mode': 'read',
    ...headers,
  });
  const { response } = await openai.chat.completions
    .create({ model: 'gpt-4o', messages: [{ role: 'user', content: question }] })
    .withResponse();
  return {
    tokens: Number(response.headers.get('x-memory-tokens')),
    receipt: JSON.parse(
      Buffer.from(response.headers.get('x-memory-receipt')!, 'base64url').toString(),
    ) as { memoryTokens: number; hits: { score: number; window: string; tokens: number }[] },
  };
}

describe('chat memory is chosen best first across windows', () => {
  beforeEach(resetFakes);

  it('a strong LONG_TERM answer beats weak recent filler (subscription and /v1/chat/completions)', async () => {
    const key = await carlosAndKenji();

    const streamed = await subscribedChat(key, {});
    let lines = await injectedMemories();
    expect(lines).toContain(ANSWER);
    for (const filler of FILLER) expect(lines).not.toContain(filler);
    // The receipt is what was injected, and billed.
    expect(streamed.hits.map((hit) => hit.memory.content).sort()).toEqual([...lines].sort());
    expect(streamed.memoryTokens).toBe(
      streamed.hits.reduce((sum, hit) => sum + hit.memory.tokens, 0),
    );
    // The receipt lists them best first; the block shows them oldest first.
    const scores = streamed.hits.map((hit) => hit.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    // Each line opens `- [Wed 2026-09-16T08:52:49Z · …`: its time after the weekday.
    const times = (await injectedBlockLines()).map((line) => line.slice(7, line.indexOf(' · ')));
    expect(times.length).toBeGreaterThan(1);
    expect(times).toEqual([...times].sort());

    const dropIn = await completion(key);
    lines = await injectedMemories();
    expect(lines).toContain(ANSWER);
    for (const filler of FILLER) expect(lines).not.toContain(filler);
    expect(dropIn.receipt.hits).toHaveLength(lines.length);
    expect(dropIn.tokens).toBe(dropIn.receipt.hits.reduce((sum, hit) => sum + hit.tokens, 0));
  });

  it('a tight contextLimit goes to the best-scored memory, not to the first window’s', async () => {
    const key = await carlosAndKenji();
    // What the chat finds with room for everything: the best hit.
    const open = await subscribedChat(key, {});
    const best = open.hits.reduce((top, hit) => (hit.score > top.score ? hit : top));
    // Room for the best memory or for the recent filler, not for both.
    const limit = Math.max(best.memory.tokens, key.tokens.get(FILLER[0]!)!);
    expect(best.memory.tokens + key.tokens.get(FILLER[0]!)!).toBeGreaterThan(limit);
    expect(FILLER).not.toContain(best.memory.content);

    const tight = await subscribedChat(key, { contextLimit: limit });
    expect(tight.hits.map((hit) => hit.memory.content)).toEqual([best.memory.content]);
    expect(await injectedMemories()).toEqual([best.memory.content]);

    const dropIn = await completion(key, { 'x-memory-context-limit': String(limit) });
    expect(await injectedMemories()).toEqual([best.memory.content]);
    expect(dropIn.receipt.hits.map((hit) => hit.score)).toEqual([best.score]);
    expect(dropIn.tokens).toBe(best.memory.tokens);
  });

  it('a recent memory above the floor still yields a tight budget to a better older one', async () => {
    const key = await newKey();
    const now = Date.now();
    const older = 'The spare key is under the blue flowerpot by the back door';
    const recent = 'The car key fob needs a new battery';
    // Notes (one batch, one role, no speaker): each is found by its own words only.
    const stored = await key.api.request(StoreMemoriesDocument, {
      inputs: [
        [older, 40 * DAY],
        [recent, 20 * HOUR],
      ].map(([content, ago]) => ({
        content: content as string,
        createdAt: new Date(now - (ago as number)).toISOString(),
        vault: { kind: 'SESSION' as const, id: 'carlos-kenji' },
      })),
    });
    const tokens = new Map(stored.storeMemories.map((memory) => [memory.content, memory.tokens]));
    const question = 'where is the spare key';
    const open = await subscribedChat(key, {}, question);
    // Both are memory for it (the recent one is above the floor), the older one scores better.
    expect(open.hits.map((hit) => [hit.memory.content, hit.window])).toEqual([
      [older, 'LONG_TERM'],
      [recent, 'WORKING'],
    ]);
    // Room for either, not both: the better one goes in, though its window comes later.
    const limit = Math.max(tokens.get(older)!, tokens.get(recent)!);
    expect(tokens.get(older)! + tokens.get(recent)!).toBeGreaterThan(limit);

    const tight = await subscribedChat(key, { contextLimit: limit }, question);
    expect(tight.hits.map((hit) => hit.memory.content)).toEqual([older]);
    expect(await injectedMemories()).toEqual([older]);
    const dropIn = await completion(key, { 'x-memory-context-limit': String(limit) }, question);
    expect(await injectedMemories()).toEqual([older]);
    expect(dropIn.tokens).toBe(tokens.get(older));
  });

  describe('places a window leaves free go only to memories with words of the question (review 102 #1)', () => {
    /** Review 102's `borrow1`: a recent conversation of eight turns, one minute apart, one of them the answer. */
    const CHATTER: readonly (readonly ['USER' | 'ASSISTANT', string])[] = [
      ['USER', 'My cat Biscuit turned twelve today'],
      ['ASSISTANT', 'Twelve is a good age for a cat!'],
      ['USER', 'I booked a dentist appointment for Monday'],
      ['ASSISTANT', 'Good luck at the dentist.'],
      ['USER', 'Priya cancelled the book club meeting'],
      ['ASSISTANT', 'That is a shame.'],
      ['USER', 'I am thinking of painting the kitchen green'],
      ['ASSISTANT', 'Green kitchens are cosy.'],
    ];
    const PRIYA = 'Priya cancelled the book club meeting';
    const ASKED = 'What did Priya cancel?';

    async function borrow1(): Promise<Key> {
      const key = await newKey();
      const now = Date.now();
      await key.api.request(StoreMemoriesDocument, {
        inputs: CHATTER.map(([role, content], at) => ({
          content,
          role,
          createdAt: new Date(now - (CHATTER.length - at) * 60_000).toISOString(),
          vault: { kind: 'SESSION' as const, id: 'borrow1' },
        })),
      });
      return key;
    }

    it('default windows: the answer is injected, chatter sharing no word of the question is not borrowed in', async () => {
      const key = await borrow1();
      const read = await subscribedChat(key, { sessionId: 'borrow1' }, ASKED);
      const lines = await injectedMemories();
      expect(lines).toContain(PRIYA);
      // HOT keeps its own default limit (4) of its best; nothing past it
      // comes from the places WORKING and LONG_TERM leave free, for none of
      // the other turns says "Priya" or "cancel".
      expect(read.hits.filter((hit) => hit.window === 'HOT').length).toBeLessThanOrEqual(4);
      expect(lines.length).toBeLessThanOrEqual(4);
      expect(read.hits.map((hit) => hit.memory.content).sort()).toEqual([...lines].sort());
    });

    it('windows the caller names are never read past their limits (GraphQL windows, X-Memory-Windows)', async () => {
      const key = await borrow1();
      const windows = [
        { window: 'HOT', limit: 1 },
        { window: 'LONG_TERM', limit: 4 },
      ];
      const read = await subscribedChat(key, { sessionId: 'borrow1', windows }, ASKED);
      expect(read.hits.map((hit) => [hit.window, hit.memory.content])).toEqual([['HOT', PRIYA]]);
      expect(await injectedMemories()).toEqual([PRIYA]);

      const dropIn = await completion(
        key,
        { 'x-session-id': 'borrow1', 'x-memory-windows': 'HOT:1,LONG_TERM:4' },
        ASKED,
      );
      expect(await injectedMemories()).toEqual([PRIYA]);
      expect(dropIn.receipt.hits).toHaveLength(1);
    });
  });

  it('extensions.memory.windows counts the memories injected, as the receipt lists them (review 102 #3)', async () => {
    const key = await carlosAndKenji();
    async function chatExtensions(input: Record<string, unknown>) {
      const body = await postChat<{ chat: { memory: { hits: { window: string }[] } } }>(
        key.secret,
        `mutation($input: ChatInput!) { chat(input: $input) { memory { hits { window } } } }`,
        {
          model: 'openai/gpt-4o',
          sessionId: 'carlos-kenji',
          memoryMode: 'READ',
          messages: [{ role: 'USER', content: QUESTION }],
          ...input,
        },
      );
      expect(body.errors).toBeUndefined();
      const receipt = body.extensions as {
        memory: { windows: { window: string; hits: number }[] };
      };
      const counted = Object.fromEntries(
        receipt.memory.windows
          .filter(({ hits }) => hits > 0)
          .map(({ window, hits }) => [window, hits]),
      );
      const injected: Record<string, number> = {};
      for (const { window } of body.data!.chat.memory.hits)
        injected[window] = (injected[window] ?? 0) + 1;
      return { counted, injected };
    }
    // Room for no memory at all: nothing injected, nothing counted.
    const none = await chatExtensions({ contextLimit: 1 });
    expect(none.injected).toEqual({});
    expect(none.counted).toEqual({});
    // Room for one: the window of that one memory, once.
    const one = await chatExtensions({ contextLimit: key.tokens.get(ANSWER)! });
    expect(Object.values(one.injected).reduce((a, b) => a + b, 0)).toBe(1);
    expect(one.counted).toEqual(one.injected);
    const open = await chatExtensions({});
    expect(Object.keys(open.injected).length).toBeGreaterThan(0);
    expect(open.counted).toEqual(open.injected);
  });
});
