import { beforeEach, describe, expect, it } from 'vitest';
import { StoreMemoriesDocument } from './generated/graphql';
import { resetFakes } from './helpers/fakes';
import { decodeReceipt, injectedMemories, openAiClient } from './helpers/drop-in';
import { newKey, post } from './helpers/graphql';
import { postChat } from './helpers/graphql-chat';

// The rough edges of KRONOS windows in chat and search found by outside
// review 253: one content found in several windows (F2), a query whose
// dates all lie before the windows read (F3), and the freed places of
// windows that found nothing (F8).

type Key = Awaited<ReturnType<typeof newKey>>;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The chats' and searches' `now`: explicit, so that every window is where the test says. */
const NOW = '2026-11-28T06:00:00Z';
const NOW_MS = Date.parse(NOW);

async function storeIn(
  key: Key,
  session: string,
  memories: readonly (readonly [string, number])[],
) {
  await key.api.request(StoreMemoriesDocument, {
    inputs: memories.map(([content, ago]) => ({
      content,
      createdAt: new Date(NOW_MS - ago).toISOString(),
      vault: { kind: 'SESSION' as const, id: session },
    })),
  });
}

interface ChatMemory {
  memoryTokens: number;
  hits: {
    score: number;
    window: string;
    memory: { content: string; tokens: number; createdAt: string };
  }[];
  notice: { reason: string; message: string } | null;
}

const CHAT = `mutation($input: ChatInput!) {
  chat(input: $input) {
    memory {
      memoryTokens
      hits { score window memory { content tokens createdAt } }
      notice { reason message }
    }
  }
}`;

async function chatMemory(key: Key, content: string, more: Record<string, unknown> = {}) {
  const result = await postChat<{ chat: { memory: ChatMemory } }>(key.secret, CHAT, {
    model: 'openai/gpt-4o',
    memoryMode: 'READ',
    now: NOW,
    messages: [{ role: 'USER', content }],
    ...more,
  });
  expect(result.errors).toBeUndefined();
  return result.data!.chat.memory;
}

interface Searched {
  memoryTokens: number;
  hits: { window: string; memory: { content: string; tokens: number } }[];
  notice: { reason: string; message: string } | null;
}

const SEARCH = `query($input: SearchInput!) {
  search(input: $input) {
    memoryTokens
    hits { window memory { content tokens } }
    notice { reason message }
  }
}`;

async function search(key: Key, query: string, more: Record<string, unknown> = {}) {
  const result = await post<{ search: Searched }>(
    SEARCH,
    { input: { query, now: NOW, ...more } },
    key.secret,
  );
  expect(result.errors).toBeUndefined();
  return result.data!.search;
}

describe('F2: one content found in several windows', () => {
  beforeEach(resetFakes);

  const MANGO = 'Mango sorbet is my favourite dessert';
  /** The review's vault: the same words in HOT, WORKING, LONG_TERM and ARCHIVE, one copy in other punctuation. */
  const COPIES: readonly (readonly [string, number])[] = [
    [MANGO, 1 * HOUR],
    [MANGO, 10 * DAY],
    [MANGO, 119 * DAY],
    ['mango sorbet is my favourite dessert!', 25 * HOUR],
    ['Pistachio gelato is a favourite of my sister', 2 * HOUR],
    ['The dessert menu at Lupa changed in October', 40 * DAY],
  ];

  it('chat injects it once, by its best hit (ties to the most recent), billed once', async () => {
    const key = await newKey();
    await storeIn(key, 'dup', COPIES);
    const memory = await chatMemory(key, 'What is my favourite dessert?', { sessionId: 'dup' });
    const mangoes = memory.hits.filter((hit) => /mango sorbet/i.test(hit.memory.content));
    expect(mangoes).toHaveLength(1);
    // All copies score alike: the one stored an hour ago (HOT) stands for them.
    expect(mangoes[0]).toMatchObject({
      window: 'HOT',
      memory: { content: MANGO, createdAt: new Date(NOW_MS - HOUR).toISOString() },
    });
    expect(memory.hits.map((hit) => hit.memory.content).sort()).toEqual(
      [
        MANGO,
        'Pistachio gelato is a favourite of my sister',
        'The dessert menu at Lupa changed in October',
      ].sort(),
    );
    expect(memory.memoryTokens).toBe(memory.hits.reduce((sum, hit) => sum + hit.memory.tokens, 0));
    const injected = await injectedMemories();
    expect(injected).toHaveLength(3);
    expect(injected.filter((text) => /mango sorbet/i.test(text))).toEqual([MANGO]);
  });

  it("the places its copies took in full windows go to those windows' next best", async () => {
    const key = await newKey();
    // Each default window (4 places) holds a copy and four other desserts:
    // twelve places for thirteen contents.
    const others = (window: string, ago: number) =>
      ['Tiramisu', 'Baklava', 'Pavlova', 'Cannoli'].map(
        (dessert, at) =>
          [`${dessert} is my favourite dessert in ${window}`, ago + at * 60_000] as const,
      );
    await storeIn(key, 'dup-full', [
      [MANGO, 1 * HOUR],
      ...others('Hanoi', 2 * HOUR),
      [MANGO, 1 * DAY],
      ...others('Lima', 1 * DAY + HOUR),
      [MANGO, 10 * DAY],
      ...others('Oslo', 10 * DAY + HOUR),
    ]);
    const memory = await chatMemory(key, 'What is my favourite dessert?', {
      sessionId: 'dup-full',
    });
    const contents = memory.hits.map((hit) => hit.memory.content);
    expect(contents).toHaveLength(12);
    expect(new Set(contents).size).toBe(12);
    expect(contents.filter((content) => content === MANGO)).toHaveLength(1);
  });

  it('the drop-in route injects it once as well', async () => {
    const key = await newKey();
    await storeIn(key, 'dup-drop-in', COPIES);
    const openai = openAiClient(key.secret, {
      'x-session-id': 'dup-drop-in',
      'x-memory-mode': 'read',
      'x-memory-now': NOW,
    });
    const { response } = await openai.chat.completions
      .create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'What is my favourite dessert?' }],
      })
      .withResponse();
    const injected = await injectedMemories();
    expect(injected.filter((text) => /mango sorbet/i.test(text))).toEqual([MANGO]);
    const receipt = decodeReceipt(response.headers.get('x-memory-receipt'));
    expect(receipt.hits).toHaveLength(injected.length);
  });
});

describe('F3: a query whose dates all lie before the windows read', () => {
  beforeEach(resetFakes);

  const SUSHI = 'Dinner was sushi at Nobu';
  /** Eight recent dinners and one of May 2023 (ARCHIVE as of NOW). */
  async function dinners(session: string): Promise<Key> {
    const key = await newKey();
    await storeIn(key, session, [
      ...['pho', 'tacos', 'ramen', 'lasagna', 'falafel', 'paella', 'curry', 'risotto'].map(
        (dish, at) => [`Dinner was ${dish} at the corner place`, (at + 1) * 20 * HOUR] as const,
      ),
      [SUSHI, NOW_MS - Date.parse('2023-05-10T19:00:00Z')],
    ]);
    return key;
  }
  const QUESTION = 'What did I have for dinner in May 2023?';

  it('search gives OLDER_MEMORIES_NOT_SEARCHED with its hits of other times; not for a date the windows hold', async () => {
    const key = await dinners('dates');
    const vaults = [{ kind: 'SESSION', id: 'dates' }];
    const found = await search(key, QUESTION, { vaults });
    expect(found.hits.length).toBeGreaterThan(0);
    expect(found.hits.map((hit) => hit.memory.content)).not.toContain(SUSHI);
    expect(found.notice?.reason).toBe('OLDER_MEMORIES_NOT_SEARCHED');
    expect(found.notice?.message).toMatch(/every date the query names lies before/);
    expect(found.notice?.message).toMatch(/LONG_TERM, reaches back to 2026-08-30T06:00:00.000Z/);
    // Listing ARCHIVE reads it: no notice, and the May 2023 dinner is found.
    const listed = await search(key, QUESTION, {
      vaults,
      windows: [
        { window: 'LONG_TERM', limit: 4 },
        { window: 'ARCHIVE', limit: 4 },
      ],
    });
    expect(listed.hits.map((hit) => hit.memory.content)).toContain(SUSHI);
    expect(listed.notice).toBeNull();
    expect(
      (await search(key, 'What did I have for dinner yesterday?', { vaults })).notice,
    ).toBeNull();
  });

  it('no notice when no vault searched holds a memory of those dates (ARCHIVE would find none of them)', async () => {
    const key = await dinners('dates-none');
    // An older dinner in ARCHIVE, of another month than the one asked about.
    await storeIn(key, 'dates-none', [
      ['Dinner was dumplings downtown', NOW_MS - Date.parse('2023-09-02T19:00:00Z')],
    ]);
    const vaults = [{ kind: 'SESSION', id: 'dates-none' }];
    const june = await search(key, 'What did I have for dinner in June 2023?', { vaults });
    expect(june.hits.length).toBeGreaterThan(0);
    expect(june.notice).toBeNull();
    // Listing ARCHIVE indeed finds nothing of June 2023.
    const listed = await search(key, 'What did I have for dinner in June 2023?', {
      vaults,
      windows: [{ window: 'ARCHIVE', limit: 10 }],
    });
    expect(listed.hits.map((hit) => hit.memory.content).sort()).toEqual(
      ['Dinner was dumplings downtown', SUSHI].sort(),
    );
    // Of May 2023 it holds one: said, as before.
    expect((await search(key, QUESTION, { vaults })).notice?.reason).toBe(
      'OLDER_MEMORIES_NOT_SEARCHED',
    );
  });

  it('chat that names no windows reads every vault in ARCHIVE for it: the May 2023 dinner is injected', async () => {
    const key = await dinners('dates-chat');
    const memory = await chatMemory(key, QUESTION, { sessionId: 'dates-chat' });
    expect(memory.hits).toContainEqual(
      expect.objectContaining({
        window: 'ARCHIVE',
        memory: expect.objectContaining({ content: SUSHI }),
      }),
    );
    expect(memory.notice).toBeNull();
    expect(await injectedMemories()).toContain(SUSHI);
    // A message whose dates the windows hold finds that day's dinner; the
    // session's ARCHIVE is read too (review 273 F3), its hits by score.
    const recent = await chatMemory(key, 'What did I have for dinner yesterday?', {
      sessionId: 'dates-chat',
    });
    expect(recent.hits.map((hit) => hit.memory.content)).toContain(
      'Dinner was pho at the corner place',
    );
    expect(recent.notice).toBeNull();
  });

  it('chat with named windows reads them as named and its receipt says so, with hits (GraphQL and drop-in)', async () => {
    const key = await dinners('dates-named');
    const memory = await chatMemory(key, QUESTION, {
      sessionId: 'dates-named',
      windows: [
        { window: 'HOT', limit: 4 },
        { window: 'WORKING', limit: 4 },
        { window: 'LONG_TERM', limit: 4 },
      ],
    });
    expect(memory.hits.length).toBeGreaterThan(0);
    expect(memory.hits.map((hit) => hit.memory.content)).not.toContain(SUSHI);
    expect(memory.notice?.reason).toBe('OLDER_MEMORIES_NOT_SEARCHED');

    const openai = openAiClient(key.secret, {
      'x-session-id': 'dates-named',
      'x-memory-mode': 'read',
      'x-memory-now': NOW,
      'x-memory-windows': 'HOT=4,WORKING=4,LONG_TERM=4',
    });
    const { response } = await openai.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: QUESTION }] })
      .withResponse();
    expect(response.headers.get('x-memory-notice')).toBe('OLDER_MEMORIES_NOT_SEARCHED');
    expect(decodeReceipt(response.headers.get('x-memory-receipt')).hits.length).toBeGreaterThan(0);
  });
});

describe('review 273 F1: a date without its year ("in May" asked in November)', () => {
  beforeEach(resetFakes);

  const RAMEN = 'Maya: had dinner at the ramen place downtown';
  const SOUP = 'Maya: dinner tonight was leftover soup';
  /** May's dinner (ARCHIVE as of NOW, 2026-11-28) and one of last week. */
  async function mayDinners(session: string): Promise<Key> {
    const key = await newKey();
    await storeIn(key, session, [
      [RAMEN, NOW_MS - Date.parse('2026-05-12T19:00:00Z')],
      [SOUP, NOW_MS - Date.parse('2026-11-20T19:00:00Z')],
    ]);
    return key;
  }

  it('search gives OLDER_MEMORIES_NOT_SEARCHED for the latest May, the coming one holding no memory', async () => {
    const key = await mayDinners('may');
    const vaults = [{ kind: 'SESSION', id: 'may' }];
    for (const question of [
      'what did I have for dinner in May?',
      'what did I have for dinner on May 12?',
      'what did I have for dinner on 12 May?',
      'what did I have for dinner on 5/12?',
      // A season without its year, read as "in May" is (it named no period before).
      'what did I have for dinner in spring?',
    ]) {
      const found = await search(key, question, { vaults });
      expect(
        found.hits.map((hit) => hit.memory.content),
        question,
      ).not.toContain(RAMEN);
      expect(found.notice?.reason, question).toBe('OLDER_MEMORIES_NOT_SEARCHED');
    }
    // A month the windows reach (this November) is searched: no notice.
    expect(
      (await search(key, 'what did I have for dinner in November?', { vaults })).notice,
    ).toBeNull();
    // Nor when the latest one holds no memory (last December): ARCHIVE would find none.
    expect(
      (await search(key, 'what did I have for dinner in December?', { vaults })).notice,
    ).toBeNull();
  });

  it("chat reads ARCHIVE for it: May's ramen dinner is injected", async () => {
    const key = await mayDinners('may-chat');
    const memory = await chatMemory(key, 'What did I have for dinner in May?', {
      sessionId: 'may-chat',
    });
    expect(memory.hits).toContainEqual(
      expect.objectContaining({
        window: 'ARCHIVE',
        memory: expect.objectContaining({ content: RAMEN }),
      }),
    );
    expect(await injectedMemories()).toContain(RAMEN);
  });
});

describe('F8: the places of windows that found nothing', () => {
  beforeEach(resetFakes);

  const RIVERS = ['Amazon', 'Nile', 'Volga', 'Danube', 'Rhine', 'Loire', 'Mekong', 'Yukon'];
  /** Sixteen kayak trips, one every 10 minutes before NOW: all HOT, nothing older. */
  const TRIPS = [...RIVERS, ...RIVERS.map((river) => `upper ${river}`)].map(
    (river, at) =>
      [`Our kayak trip went along the ${river} river`, (at + 1) * 10 * 60_000] as const,
  );

  it('one window that alone holds the answers fills every default place (4 + 4 + 4), GraphQL and drop-in', async () => {
    const key = await newKey();
    await storeIn(key, 'kayak', TRIPS);
    const memory = await chatMemory(key, 'kayak', { sessionId: 'kayak' });
    expect(memory.hits).toHaveLength(12);
    expect(new Set(memory.hits.map((hit) => hit.window))).toEqual(new Set(['HOT']));
    expect(memory.memoryTokens).toBe(memory.hits.reduce((sum, hit) => sum + hit.memory.tokens, 0));

    const openai = openAiClient(key.secret, {
      'x-session-id': 'kayak',
      'x-memory-mode': 'read',
      'x-memory-now': NOW,
    });
    await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'kayak' }],
    });
    expect(await injectedMemories()).toHaveLength(12);
  });

  it('windows the caller names keep their numbers', async () => {
    const key = await newKey();
    await storeIn(key, 'kayak-named', TRIPS);
    const memory = await chatMemory(key, 'kayak', {
      sessionId: 'kayak-named',
      windows: [
        { window: 'HOT', limit: 4 },
        { window: 'WORKING', limit: 4 },
      ],
    });
    expect(memory.hits).toHaveLength(4);
  });
});
