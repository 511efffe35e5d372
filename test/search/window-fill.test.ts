import type { GraphQLClient } from 'graphql-request';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ChatDocument,
  SearchDocument,
  StoreMemoriesDocument,
  UsageDocument,
} from '../generated/graphql';
import { fakeCalls, resetFakes } from '../helpers/fakes';
import { withoutRequestId, newKey, post } from '../helpers/graphql';
import { chatClient as chatClientWithKeys, sendChatRequest } from '../helpers/graphql-chat';

/**
 * A window returns what it promises: its limit of distinct memories when the
 * vault has them (duplicates skipped before the cut, not after it), memories
 * a fast client clock stamped a little ahead, and no memory without evidence
 * for the query. The outside review's repros (review 80).
 */
type Key = Awaited<ReturnType<typeof newKey>>;
type Mode = 'TEXT' | 'VECTOR' | 'HYBRID';

const REPEATED = 'ok thanks';
const DISTINCT = [
  'thanks for the ramen recipe',
  'thanks Marco for the lift',
  'thanks, the dentist was fine',
  'no thanks, I already ate',
];

async function usageOf(key: Key): Promise<number> {
  return (await key.api.request(UsageDocument, {})).usage.memoryTokens;
}

function chatClient(key: Key): GraphQLClient {
  return chatClientWithKeys(key.secret, 'sk-test-openai');
}

/** The memory block the fake provider received in the chat's one call (its system message). */
async function injectedBlock(): Promise<string> {
  const [call] = (await fakeCalls()).filter((seen) => seen.host === 'api.openai.com');
  const first = call!.body.messages![0]!;
  return first.role === 'system' ? String(first.content) : '';
}

describe('a window returns its limit of distinct memories', () => {
  beforeEach(resetFakes);

  it('fills a window past a content stored six times, in every mode, and bills what it returns', async () => {
    const key = await newKey();
    const vault = { kind: 'SESSION' as const, id: 'dup' };
    await key.api.request(StoreMemoriesDocument, {
      inputs: [...Array<string>(6).fill(REPEATED), ...DISTINCT].map((content) => ({
        content,
        vault,
      })),
    });
    for (const mode of ['TEXT', 'VECTOR', 'HYBRID'] as Mode[]) {
      const before = await usageOf(key);
      const { search } = await key.api.request(SearchDocument, {
        input: { query: 'thanks', mode, vaults: [vault], windows: [{ window: 'HOT', limit: 5 }] },
      });
      const contents = search.hits.map((hit) => hit.memory.content);
      expect([...contents].sort(), mode).toEqual([REPEATED, ...DISTINCT].sort());
      const returned = search.hits.reduce((sum, hit) => sum + hit.memory.tokens, 0);
      expect(search.memoryTokens, mode).toBe(returned);
      expect((await usageOf(key)) - before, mode).toBe(returned);
    }
  });

  it('fills a window when the duplicates outrank every other match', async () => {
    // 14 copies of a turn holding the query's rare word, and 9 other
    // memories holding it once among more words (they rank below the copies).
    const key = await newKey();
    const vault = { kind: 'SESSION' as const, id: 'sister' };
    const copy = 'Called mum, she says hello to my sister';
    const others = Array.from(
      { length: 9 },
      (_, i) => `Note ${i}: my sister and I planned the trip, the tickets and the hotel rooms`,
    );
    await key.api.request(StoreMemoriesDocument, {
      inputs: [...Array<string>(14).fill(copy), ...others].map((content) => ({ content, vault })),
    });
    const { search } = await key.api.request(SearchDocument, {
      input: {
        // "mum" and "sister": "say" shapes the question and is no query word.
        query: 'what did mum say about my sister',
        mode: 'TEXT',
        vaults: [vault],
        windows: [{ window: 'HOT', limit: 8 }],
      },
    });
    const contents = search.hits.map((hit) => hit.memory.content);
    expect(contents).toHaveLength(8);
    expect(contents[0]).toBe(copy);
    expect(new Set(contents).size).toBe(8);
  });

  it('fills each window of a HYBRID search from its own memories', async () => {
    // The fill ranks a window again, reusing what the window's first ranking
    // found; each window's own, never another's.
    const key = await newKey();
    const vault = { kind: 'SESSION' as const, id: 'two-windows' };
    const yesterday = new Date(Date.now() - 86_400_000).toISOString();
    const older = ['thanks for the concert tickets', 'thanks, the train was on time'];
    await key.api.request(StoreMemoriesDocument, {
      inputs: [
        ...[...Array<string>(6).fill(REPEATED), ...DISTINCT].map((content) => ({
          content,
          vault,
        })),
        ...older.map((content) => ({ content, vault, createdAt: yesterday })),
      ],
    });
    const { search } = await key.api.request(SearchDocument, {
      input: {
        query: 'thanks',
        mode: 'HYBRID',
        vaults: [vault],
        windows: [
          { window: 'HOT', limit: 5 },
          { window: 'WORKING', limit: 5 },
        ],
      },
    });
    const inWindow = (window: string) =>
      search.hits
        .filter((hit) => hit.window === window)
        .map((hit) => hit.memory.content)
        .sort();
    expect(inWindow('HOT')).toEqual([REPEATED, ...DISTINCT].sort());
    expect(inWindow('WORKING')).toEqual([...older].sort());
  });

  it('fills a window across vaults that both repeat a content, and so does chat', async () => {
    const key = await newKey();
    const session = { kind: 'SESSION' as const, id: 'both' };
    await key.api.request(StoreMemoriesDocument, {
      inputs: [
        ...[...Array<string>(6).fill(REPEATED), DISTINCT[0]!, DISTINCT[1]!].map((content) => ({
          content,
        })),
        ...[...Array<string>(6).fill(REPEATED), DISTINCT[2]!, DISTINCT[3]!].map((content) => ({
          content,
          vault: session,
        })),
      ],
    });
    for (const mode of ['TEXT', 'HYBRID'] as Mode[]) {
      const before = await usageOf(key);
      const { search } = await key.api.request(SearchDocument, {
        input: {
          query: 'thanks',
          mode,
          vaults: [{ kind: 'CORE' }, session],
          windows: [{ window: 'HOT', limit: 5 }],
        },
      });
      const contents = search.hits.map((hit) => hit.memory.content);
      expect([...contents].sort(), mode).toEqual([REPEATED, ...DISTINCT].sort());
      const returned = search.hits.reduce((sum, hit) => sum + hit.memory.tokens, 0);
      expect((await usageOf(key)) - before, mode).toBe(returned);
    }

    const { chat } = await chatClient(key).request(ChatDocument, {
      input: {
        model: 'openai/gpt-4o',
        // "thanks" alone is small talk, which reads no memory: a word of its own.
        messages: [{ role: 'USER', content: 'thanks received' }],
        sessionId: 'both',
        memoryMode: 'READ',
        windows: [{ window: 'HOT', limit: 5 }],
      },
    });
    // "ok thanks" is small talk alone, which chat never injects (review
    // 104 #6); it took one place of the window, not six.
    expect(chat.memory.hits.map((hit) => hit.memory.content).sort()).toEqual([...DISTINCT].sort());
    const block = await injectedBlock();
    for (const content of DISTINCT) expect(block.split(`"${content}"`), content).toHaveLength(2);
    expect(block).not.toContain(`"${REPEATED}"`);
  });
});

describe('a memory stamped a little ahead of the server', () => {
  it('is found at once by a search at server time, and not by a replay before it', async () => {
    const { api } = await newKey();
    const vault = { kind: 'SESSION' as const, id: 'skew' };
    const ahead = new Date(Date.now() + 45_000).toISOString();
    await api.request(StoreMemoriesDocument, {
      inputs: [{ content: 'skewed clock zebra note', createdAt: ahead, vault }],
    });
    for (const mode of ['TEXT', 'HYBRID', 'VECTOR'] as Mode[]) {
      const { search } = await api.request(SearchDocument, {
        input: { query: 'zebra', mode, vaults: [vault] },
      });
      expect(
        search.hits.map((hit) => [hit.window, hit.memory.content]),
        mode,
      ).toEqual([['HOT', 'skewed clock zebra note']]);
    }
    // A search as of a time before its stamp does not see it yet.
    const { search: replay } = await api.request(SearchDocument, {
      input: { query: 'zebra', mode: 'TEXT', vaults: [vault], now: new Date().toISOString() },
    });
    expect(replay.hits).toEqual([]);
  });
});

describe('HYBRID returns no memory without evidence for the query', () => {
  beforeEach(resetFakes);

  const NOTES = [
    'Standup is at nine thirty',
    'Gym membership expires soon',
    'Wifi password is on the fridge',
    'Dentist appointment next Tuesday',
    'The printer on floor two is broken',
    'Renew the car insurance in March',
  ];
  const QUESTION = 'Which zebra crossed the savannah?';

  it('neither returns nor bills nor injects memories no word or vector points to', async () => {
    const key = await newKey();
    await key.api.request(StoreMemoriesDocument, {
      inputs: NOTES.map((content) => ({ content })),
    });
    const before = await usageOf(key);
    const { search } = await key.api.request(SearchDocument, { input: { query: QUESTION } });
    expect(search.hits).toEqual([]);
    expect(search.memoryTokens).toBe(0);
    expect(await usageOf(key)).toBe(before);
    // VECTOR is the way to ask for the nearest memories whatever their evidence.
    const { search: nearest } = await key.api.request(SearchDocument, {
      input: { query: QUESTION, mode: 'VECTOR', windows: [{ window: 'HOT', limit: 3 }] },
    });
    expect(nearest.hits).toHaveLength(3);
    // A word of the query still finds its memory, with a score above 0.
    const { search: found } = await key.api.request(SearchDocument, {
      input: { query: 'When is the dentist appointment?' },
    });
    expect(found.hits.map((hit) => hit.memory.content)).toContain(
      'Dentist appointment next Tuesday',
    );
    for (const hit of found.hits) expect(hit.score).toBeGreaterThan(0);

    const { chat } = await chatClient(key).request(ChatDocument, {
      input: {
        model: 'openai/gpt-4o',
        messages: [{ role: 'USER', content: QUESTION }],
        memoryMode: 'READ',
      },
    });
    expect(chat.memory.hits).toEqual([]);
    expect(chat.memory.memoryTokens).toBe(0);
    const block = await injectedBlock();
    for (const note of NOTES) expect(block).not.toContain(note);
  });
});

describe('an empty list of windows', () => {
  const CHAT = `mutation($input: ChatInput!) { chat(input: $input) { content } }`;

  it('is refused with INVALID_WINDOWS by search and by chat, before anything runs', async () => {
    const key = await newKey();
    const search = await post(
      SearchDocument,
      { input: { query: 'anything', windows: [] } },
      key.secret,
    );
    expect(search.errors?.map((error) => withoutRequestId(error.extensions))).toEqual([
      { code: 'BAD_USER_INPUT', reason: 'INVALID_WINDOWS' },
    ]);
    expect(search.data ?? null).toBeNull();
    await resetFakes();
    const response = await sendChatRequest(
      key.secret,
      CHAT,
      {
        input: {
          model: 'openai/gpt-4o',
          messages: [{ role: 'USER', content: 'anything' }],
          memoryMode: 'READ',
          windows: [],
        },
      },
      {
        providerKey: 'sk-test-openai',
        headers: { accept: 'application/graphql-response+json' },
      },
    );
    const chat = (await response.json()) as {
      errors?: { extensions?: { code?: string; reason?: string } }[];
    };
    expect(chat.errors?.map((error) => withoutRequestId(error.extensions))).toEqual([
      { code: 'BAD_USER_INPUT', reason: 'INVALID_WINDOWS' },
    ]);
    // The provider was never called.
    expect((await fakeCalls()).filter((seen) => seen.host === 'api.openai.com')).toEqual([]);
  });
});
