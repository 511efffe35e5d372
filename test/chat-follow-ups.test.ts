import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StoreMemoriesDocument } from './generated/graphql';
import { resetFakes } from './helpers/fakes';
import { decodeReceipt, openAiClient } from './helpers/drop-in';
import { newKey } from './helpers/graphql';
import { postChat } from './helpers/graphql-chat';

// A follow-up turn with no content words of its own ("When was that?") or
// almost none ("And who went with her?") reads memory with the user's turn
// before it too; one that has nothing to read even so says why in the
// receipt, as `search`'s NO_CONTENT_WORDS notice does (outside review 213 #7).

type Key = Awaited<ReturnType<typeof newKey>>;

const SESSION = 'friends';
const CAMPING = 'What did Melanie say about her camping trip?';
const WITH_HER = 'Melanie: My brother and both kids came camping with me at the lake.';
const MARSHMALLOWS =
  'Melanie: The camping trip was lovely, we explored nature and roasted marshmallows.';

async function friends(): Promise<Key> {
  const key = await newKey();
  const now = Date.now();
  const turns = [
    MARSHMALLOWS,
    WITH_HER,
    'John: I went to the gym after work, then went home early.',
    'Caroline: I went to a poetry reading downtown, it went well.',
    'John: Went mountaineering with my dad last month.',
    'Caroline: We went to the pride parade together.',
  ];
  await key.api.request(StoreMemoriesDocument, {
    inputs: turns.map((content, at) => ({
      content,
      createdAt: new Date(now - 3 * 86_400_000 + at * 60_000).toISOString(),
      vault: { kind: 'SESSION' as const, id: SESSION },
    })),
  });
  return key;
}

const CHAT = `mutation($input: ChatInput!) {
  chat(input: $input) {
    memory { memoryTokens hits { memory { content } } readSkipped { reason message } }
  }
}`;

interface Memory {
  memoryTokens: number;
  hits: { memory: { content: string } }[];
  readSkipped: { reason: string; message: string } | null;
}

async function chatMemory(key: Key, messages: { role: string; content: string }[]) {
  const result = await postChat<{ chat: { memory: Memory } }>(key.secret, CHAT, {
    model: 'openai/gpt-4o',
    sessionId: SESSION,
    memoryMode: 'READ',
    messages,
  });
  expect(result.errors).toBeUndefined();
  return result.data!.chat.memory;
}

const history = (followUp: string) => [
  { role: 'USER', content: CAMPING },
  { role: 'ASSISTANT', content: 'She said they had a lovely time by the lake.' },
  { role: 'USER', content: followUp },
];

// Every chat here only reads (memoryMode READ): one key serves them all.
let key: Key;
beforeAll(async () => {
  key = await friends();
});

describe('a follow-up reads memory with the turn before it', () => {
  beforeEach(resetFakes);

  it('"And who went with her?" after a question about the camping trip finds who went camping, not every "went"', async () => {
    const memory = await chatMemory(key, history('And who went with her?'));
    const contents = memory.hits.map((hit) => hit.memory.content);
    // The camping memories first, ahead of every memory that only says "went".
    expect(contents.slice(0, 2)).toEqual(expect.arrayContaining([WITH_HER, MARSHMALLOWS]));
  });

  it('"When was that?" after it reads the camping memories instead of nothing', async () => {
    const memory = await chatMemory(key, history('When was that?'));
    expect(memory.readSkipped).toBeNull();
    expect(memory.memoryTokens).toBeGreaterThan(0);
    expect(memory.hits.map((hit) => hit.memory.content)).toEqual(
      expect.arrayContaining([MARSHMALLOWS, WITH_HER]),
    );

    // The drop-in routes read it the same way.
    const openai = openAiClient(key.secret, { 'x-session-id': SESSION, 'x-memory-mode': 'read' });
    const { response } = await openai.chat.completions
      .create({
        model: 'gpt-4o',
        messages: history('When was that?').map(({ role, content }) => ({
          role: role === 'USER' ? ('user' as const) : ('assistant' as const),
          content,
        })),
      })
      .withResponse();
    expect(response.headers.get('x-memory-read-skipped')).toBeNull();
    expect(Number(response.headers.get('x-memory-tokens'))).toBeGreaterThan(0);
  });

  it('a question of two content words of its own is read alone', async () => {
    const memory = await chatMemory(key, history('Did John go mountaineering?'));
    const contents = memory.hits.map((hit) => hit.memory.content);
    expect(contents[0]).toBe('John: Went mountaineering with my dad last month.');
    expect(contents).not.toContain(WITH_HER);
  });
});

describe('a chat read with nothing to search says so', () => {
  beforeEach(resetFakes);

  it('"When was that?" with no earlier turn: readSkipped NO_CONTENT_WORDS, naming the words, in GraphQL and on the drop-in route', async () => {
    const memory = await chatMemory(key, [{ role: 'USER', content: 'When was that?' }]);
    expect(memory).toMatchObject({
      memoryTokens: 0,
      hits: [],
      readSkipped: { reason: 'NO_CONTENT_WORDS' },
    });
    expect(memory.readSkipped!.message).toMatch(/"when", "was", "that"/);

    const openai = openAiClient(key.secret, { 'x-session-id': SESSION, 'x-memory-mode': 'read' });
    const { response } = await openai.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Who said that?' }] })
      .withResponse();
    expect(response.headers.get('x-memory-read-skipped')).toBe('NO_CONTENT_WORDS');
    expect(decodeReceipt(response.headers.get('x-memory-receipt'))).toMatchObject({
      memoryTokens: 0,
      readSkipped: { reason: 'NO_CONTENT_WORDS' },
    });
  });
});
