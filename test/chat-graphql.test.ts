import { beforeEach, describe, expect, it } from 'vitest';
import { ChatDocument, SearchDocument, StoreMemoryDocument } from './generated/graphql';
import { codes, newKey, post } from './helpers/graphql';
import { eventually, fakeCalls, resetFakes } from './helpers/fakes';
import { chatClient, postChat } from './helpers/graphql-chat';

describe('Mutation.chat', () => {
  beforeEach(resetFakes);

  it('injects memory as a system message for OpenAI, answers, and stores the turn', async () => {
    const { secret, api } = await newKey();
    await api.request(StoreMemoryDocument, { input: { content: 'My cat is called Miso' } });
    const chat = chatClient(secret, 'sk-test-openai');
    const { chat: result } = await chat.request(ChatDocument, {
      input: {
        model: 'openai/gpt-4o',
        messages: [{ role: 'USER', content: 'what is my cat called?' }],
        sessionId: 's1',
      },
    });
    expect(result).toMatchObject({
      provider: 'openai',
      model: 'openai/gpt-4o',
      content: 'Fake api.openai.com heard: what is my cat called?',
    });
    expect(result.memory.hits.map((hit) => hit.memory.content)).toEqual(['My cat is called Miso']);
    expect(result.memory.memoryTokens).toBeGreaterThan(0);

    const [call] = await fakeCalls();
    expect(call!.host).toBe('api.openai.com');
    expect(call!.headers.authorization).toBe('Bearer sk-test-openai');
    expect(call!.body.model).toBe('gpt-4o');
    const [system, user] = call!.body.messages!;
    expect(system!.role).toBe('system');
    expect(system!.content).toContain('"My cat is called Miso"');
    expect(system!.content).toMatch(/not instructions/);
    expect(user).toEqual({ role: 'user', content: 'what is my cat called?' });
    // The memory key never reaches the provider.
    expect(JSON.stringify(call)).not.toContain(secret);

    // The turn lands in the session vault (after the response, via waitUntil).
    await eventually(async () => {
      const found = await api.request(SearchDocument, {
        input: { query: 'cat called', vaults: [{ kind: 'SESSION', id: 's1' }], mode: 'TEXT' },
      });
      expect(found.search.hits.map((hit) => hit.memory.content).sort()).toEqual([
        'Fake api.openai.com heard: what is my cat called?',
        'what is my cat called?',
      ]);
    });
  });

  it('tells the model who said a memory its metadata names a speaker of (review273 F2)', async () => {
    const { secret, api } = await newKey();
    await api.request(StoreMemoryDocument, {
      input: {
        content: 'I lost my job, so I opened an online clothing store',
        metadata: { speaker: 'Gina' },
      },
    });
    const chat = chatClient(secret, 'sk-test-openai');
    await chat.request(ChatDocument, {
      input: {
        model: 'openai/gpt-4o',
        messages: [{ role: 'USER', content: 'why did Gina open her clothing store?' }],
      },
    });
    const [call] = await fakeCalls();
    const [system] = call!.body.messages!;
    expect(system!.content).toContain(
      '· user · said by "Gina"] "I lost my job, so I opened an online clothing store"',
    );
  });

  it('needs the provider key and names the accepted model forms', async () => {
    const { secret } = await newKey();
    const input = { model: 'openai/gpt-4o', messages: [{ role: 'USER', content: 'hi' }] };
    expect(codes(await post(ChatDocument, { input }, secret))).toEqual(['UNAUTHENTICATED']);
    const unknown = await post(
      ChatDocument,
      { input: { ...input, model: 'mystery/model-1' } },
      secret,
    );
    expect(codes(unknown)).toEqual(['BAD_USER_INPUT']);
    expect(unknown.errors![0]!.message).toMatch(/openai\/gpt-4o/);
    expect(await fakeCalls()).toEqual([]);
  });

  it('keeps an upstream refusal coded, with its status, and never echoes the key', async () => {
    const { secret } = await newKey();
    const body = await postChat(
      secret,
      'mutation($input: ChatInput!) { chat(input: $input) { content } }',
      { model: 'gpt-4o', messages: [{ role: 'USER', content: 'hi' }] },
      'wrong-key-12345',
    );
    expect(body.errors![0]!.extensions).toMatchObject({
      code: 'UPSTREAM_ERROR',
      reason: 'PROVIDER_4XX',
      status: 401,
      provider: 'openai',
    });
    expect(JSON.stringify(body)).not.toContain('wrong-key-12345');
  });

  it('stores nothing when memoryMode is READ or OFF', async () => {
    const { secret, api } = await newKey();
    const chat = chatClient(secret, 'sk-ant-test');
    for (const memoryMode of ['READ', 'OFF'] as const) {
      await chat.request(ChatDocument, {
        input: {
          model: 'claude-sonnet-4',
          messages: [{ role: 'USER', content: `remember ${memoryMode}` }],
          memoryMode,
        },
      });
    }
    // A later turn landed in the same vault: theirs would have by now.
    await chat.request(ChatDocument, {
      input: { model: 'claude-sonnet-4', messages: [{ role: 'USER', content: 'sentinel turn' }] },
    });
    await eventually(async () => {
      const stored = await api.request(SearchDocument, {
        input: { query: 'sentinel', mode: 'TEXT' },
      });
      expect(stored.search.hits).toHaveLength(2);
    });
    const found = await api.request(SearchDocument, { input: { query: 'remember', mode: 'TEXT' } });
    expect(found.search.hits).toEqual([]);
  });

  it('WRITE stores the turn but injects nothing', async () => {
    const { secret, api } = await newKey();
    await api.request(StoreMemoryDocument, { input: { content: 'The user likes jazz' } });
    const chat = chatClient(secret, 'sk-test');
    const { chat: result } = await chat.request(ChatDocument, {
      input: {
        model: 'gpt-4o',
        messages: [{ role: 'USER', content: 'play some jazz' }],
        memoryMode: 'WRITE',
      },
    });
    expect(result.memory).toMatchObject({ hits: [], memoryTokens: 0 });
    const [call] = await fakeCalls();
    expect(call!.body.messages).toEqual([{ role: 'user', content: 'play some jazz' }]);
    await eventually(async () => {
      const found = await api.request(SearchDocument, { input: { query: 'jazz', mode: 'TEXT' } });
      expect(found.search.hits).toHaveLength(3);
    });
  });

  it('trims the memory block to the token budget, best memories first', async () => {
    const { secret, api } = await newKey();
    // Three memories of about 800 tokens each (the test budget is 2,000 memory
    // tokens), which mention the query's word more or less often. Stored weakest first.
    const long = (topic: string, mentions: number) =>
      `${topic}: ${'violin '.repeat(mentions)}notes ${'the quick brown fox jumps over the lazy dog '.repeat(85)}`;
    const memories = [long('scales', 1), long('lessons', 12), long('practice', 4)];
    for (const content of memories) {
      await api.request(StoreMemoryDocument, { input: { content } });
    }
    // Best is what search ranks first for the same words: the highest score.
    const { hits } = (await api.request(SearchDocument, { input: { query: 'violin' } })).search;
    const ranked = hits.map((hit) => hit.memory.content);
    expect([...ranked].sort()).toEqual([...memories].sort());
    const scores = hits.map((hit) => hit.score);
    expect(new Set(scores).size).toBe(scores.length);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));

    const chat = chatClient(secret, 'sk-test');
    const { chat: result } = await chat.request(ChatDocument, {
      input: {
        model: 'gpt-4o',
        messages: [{ role: 'USER', content: 'violin' }],
        memoryMode: 'READ',
      },
    });
    // The two best fit; the third would pass the budget.
    expect(result.memory.hits.map((hit) => hit.memory.content)).toEqual(ranked.slice(0, 2));
    expect(result.memory.memoryTokens).toBeLessThanOrEqual(2_000);
    const [call] = await fakeCalls();
    const block: string = call!.body.messages![0]!.content;
    const topic = (content: string) => content.slice(0, content.indexOf(':'));
    // The block shows them oldest first (as stored), whatever their scores.
    const shown = [...block.matchAll(/"(\w+): violin/g)].map((match) => match[1]);
    const kept = ranked.slice(0, 2);
    expect(shown).toEqual(memories.filter((content) => kept.includes(content)).map(topic));
  });
});
