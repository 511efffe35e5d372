import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StoreMemoriesDocument } from './generated/graphql';
import { resetFakes } from './helpers/fakes';
import { decodeReceipt, injectedMemories, openAiClient } from './helpers/drop-in';
import { newKey, post } from './helpers/graphql';
import { postChat } from './helpers/graphql-chat';

// CORE is the key's vault of lasting facts: a chat that names no windows
// reads it in ARCHIVE too, so a fact told 95 days ago still reaches the
// model; so it does the session's (review 273 F3). A search or chat that finds
// nothing in the windows it read, while ARCHIVE (not read) holds matches,
// says so (OLDER_MEMORIES_NOT_SEARCHED) instead of an empty answer that
// reads as "no memory" (outside review 213 #1).

type Key = Awaited<ReturnType<typeof newKey>>;

const DAY = 86_400_000;
const PEANUTS = 'I am allergic to peanuts';
const VOLVO = 'My car is a red Volvo, bought used';
const SESSION = 'garage';

let key: Key;
beforeAll(async () => {
  key = await newKey();
  const now = Date.now();
  await key.api.request(StoreMemoriesDocument, {
    inputs: [
      { content: PEANUTS, createdAt: new Date(now - 95 * DAY).toISOString() },
      { content: 'My daughter is called Ana', createdAt: new Date(now - 30 * DAY).toISOString() },
      {
        content: VOLVO,
        createdAt: new Date(now - 120 * DAY).toISOString(),
        vault: { kind: 'SESSION' as const, id: SESSION },
      },
      {
        content: 'Booked the tyre change for Friday',
        createdAt: new Date(now - 2 * DAY).toISOString(),
        vault: { kind: 'SESSION' as const, id: SESSION },
      },
    ],
  });
});

const CHAT = `mutation($input: ChatInput!) {
  chat(input: $input) {
    memory {
      memoryTokens
      hits { window memory { content } }
      notice { reason message }
    }
  }
}`;

interface Memory {
  memoryTokens: number;
  hits: { window: string; memory: { content: string } }[];
  notice: { reason: string; message: string } | null;
}

async function chatMemory(content: string, more: Record<string, unknown> = {}) {
  const result = await postChat<{ chat: { memory: Memory } }>(key.secret, CHAT, {
    model: 'openai/gpt-4o',
    memoryMode: 'READ',
    messages: [{ role: 'USER', content }],
    ...more,
  });
  expect(result.errors).toBeUndefined();
  return result.data!.chat.memory;
}

const SEARCH = `query($input: SearchInput!) {
  search(input: $input) { hits { window memory { content } } notice { reason message } }
}`;

async function search(query: string, more: Record<string, unknown> = {}) {
  const result = await post<{
    search: {
      hits: { memory: { content: string } }[];
      notice: { reason: string; message: string } | null;
    };
  }>(SEARCH, { input: { query, ...more } }, key.secret);
  expect(result.errors).toBeUndefined();
  return result.data!.search;
}

describe("a chat reads CORE's old facts", () => {
  beforeEach(resetFakes);

  it('"I am allergic to peanuts", stored 95 days ago in CORE, reaches the model when the chat names no windows', async () => {
    const memory = await chatMemory('Can I eat peanut butter? What am I allergic to?');
    expect(memory.hits).toContainEqual({ window: 'ARCHIVE', memory: { content: PEANUTS } });
    expect(memory.memoryTokens).toBeGreaterThan(0);
    expect(await injectedMemories()).toContain(PEANUTS);
  });

  it("a session's old turns are read in ARCHIVE too (GraphQL and drop-in; review 273 F3)", async () => {
    const memory = await chatMemory('What colour is my Volvo?', { sessionId: SESSION });
    expect(memory.hits).toContainEqual({ window: 'ARCHIVE', memory: { content: VOLVO } });
    expect(memory.notice).toBeNull();

    await resetFakes();
    const openai = openAiClient(key.secret, { 'x-session-id': SESSION, 'x-memory-mode': 'read' });
    const { response } = await openai.chat.completions
      .create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'What colour is my Volvo?' }],
      })
      .withResponse();
    expect(response.headers.get('x-memory-notice')).toBeNull();
    expect(await injectedMemories()).toContain(VOLVO);
    expect(decodeReceipt(response.headers.get('x-memory-receipt')).memoryTokens).toBeGreaterThan(0);
  });

  it('windows named without ARCHIVE are read as named: the CORE fact is not injected, and the receipt says why', async () => {
    const memory = await chatMemory('What am I allergic to?', {
      windows: [
        { window: 'HOT', limit: 4 },
        { window: 'WORKING', limit: 4 },
        { window: 'LONG_TERM', limit: 4 },
      ],
    });
    expect(memory.hits).toEqual([]);
    expect(memory.notice?.reason).toBe('OLDER_MEMORIES_NOT_SEARCHED');
  });
});

describe('search says when ARCHIVE, not searched, holds matches', () => {
  it('"what am I allergic to?" with the default windows: no hits, notice OLDER_MEMORIES_NOT_SEARCHED; listing ARCHIVE finds it', async () => {
    const found = await search('what am I allergic to?');
    expect(found.hits).toEqual([]);
    expect(found.notice?.reason).toBe('OLDER_MEMORIES_NOT_SEARCHED');
    expect(found.notice?.message).toMatch(/ARCHIVE/);
    const listed = await search('what am I allergic to?', {
      windows: [{ window: 'ARCHIVE', limit: 4 }],
    });
    expect(listed.hits.map((hit) => hit.memory.content)).toEqual([PEANUTS]);
    expect(listed.notice).toBeNull();
  });

  it('no notice when ARCHIVE holds nothing that matches either, nor when hits were found', async () => {
    expect(await search('where are the spare house keys?')).toEqual({ hits: [], notice: null });
    const found = await search('what is my daughter called?');
    expect(found.hits.length).toBeGreaterThan(0);
    expect(found.notice).toBeNull();
  });
});
