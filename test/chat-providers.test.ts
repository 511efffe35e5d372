import { beforeEach, describe, expect, it } from 'vitest';
import {
  ChatDocument,
  ChatWithToolsDocument,
  SearchDocument,
  StoreMemoryDocument,
} from './generated/graphql';
import { newKey, post } from './helpers/graphql';
import { chatClient, postWithProviderKey } from './helpers/graphql-chat';
import { sharesAWord } from './helpers/drop-in';
import { eventually, fakeCalls, resetFakes, scriptFake } from './helpers/fakes';

async function setUp(providerKey: string) {
  const key = await newKey();
  await key.api.request(StoreMemoryDocument, { input: { content: 'The user is vegetarian' } });
  const chat = chatClient(key.secret, providerKey);
  return { ...key, chat };
}

const ask = (model: string) => ({
  input: {
    model,
    messages: [
      { role: 'SYSTEM' as const, content: 'Be brief.' },
      { role: 'USER' as const, content: 'suggest a vegetarian dinner' },
    ],
    temperature: 0.2,
    maxTokens: 300,
  },
});

describe('providers', () => {
  beforeEach(resetFakes);

  it('Anthropic: memory goes in `system`, after the caller’s system text', async () => {
    const { chat, secret } = await setUp('sk-ant-test');
    const { chat: result } = await chat.request(ChatDocument, ask('anthropic/claude-sonnet-4'));
    expect(result.provider).toBe('anthropic');
    expect(result.content).toBe('Fake api.anthropic.com heard: suggest a vegetarian dinner');
    const [call] = await fakeCalls();
    expect(call!.path).toBe('/v1/messages');
    expect(call!.headers).toEqual({
      'x-api-key': 'sk-ant-test',
      'anthropic-version': '2023-06-01',
      accept: 'text/event-stream',
    });
    expect(call!.body).toMatchObject({
      model: 'claude-sonnet-4',
      max_tokens: 300,
      temperature: 0.2,
      stream: true,
    });
    expect(call!.body.system!.startsWith('Be brief.')).toBe(true);
    expect(call!.body.system).toContain('"The user is vegetarian"');
    expect(call!.body.messages).toEqual([{ role: 'user', content: 'suggest a vegetarian dinner' }]);
    expect(JSON.stringify(call)).not.toContain(secret);
  });

  it('Gemini: memory goes in `systemInstruction`, the key in x-goog-api-key', async () => {
    const { chat } = await setUp('AIza-test');
    const { chat: result } = await chat.request(ChatDocument, ask('gemini-2.5-flash'));
    expect(result.provider).toBe('google');
    const [call] = await fakeCalls();
    expect(call!.host).toBe('generativelanguage.googleapis.com');
    expect(call!.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    expect(call!.headers).toEqual({ 'x-goog-api-key': 'AIza-test', accept: 'text/event-stream' });
    expect(call!.body.systemInstruction!.parts[0]!.text).toContain('"The user is vegetarian"');
    expect(call!.body.contents).toEqual([
      { role: 'user', parts: [{ text: 'suggest a vegetarian dinner' }] },
    ]);
    expect(call!.body.generationConfig).toEqual({ temperature: 0.2, maxOutputTokens: 300 });
  });

  it('OpenRouter and an OpenAI-compatible server speak the OpenAI format at their own URLs', async () => {
    const { chat } = await setUp('sk-or-test');
    await chat.request(ChatDocument, ask('openrouter/meta-llama/llama-3.3-70b'));
    await chat.request(ChatDocument, ask('compatible/llama3.2'));
    const [openrouter, local] = await fakeCalls();
    expect([openrouter!.host, openrouter!.path, openrouter!.body.model]).toEqual([
      'openrouter.ai',
      '/api/v1/chat/completions',
      'meta-llama/llama-3.3-70b',
    ]);
    // Memory joins the caller's system message after its own words (one
    // system message: open models' chat templates refuse a second), so the
    // prefix stays first (and cacheable).
    expect(openrouter!.body.messages!.map((m: { role: string }) => m.role)).toEqual([
      'system',
      'user',
    ]);
    expect(openrouter!.body.messages![0]!.content).toMatch(/^Be brief\.\n\n/);
    expect(openrouter!.body.messages![0]!.content).toContain('"The user is vegetarian"');
    expect(openrouter!.headers['x-title']).toBe('MemoryRouter');
    expect(openrouter!.body.stream_options).toEqual({ include_usage: true });
    expect([local!.host, local!.path, local!.body.model]).toEqual([
      'llm.local.test',
      '/v1/chat/completions',
      'llama3.2',
    ]);
  });

  it('memoryPlacement USER puts memory before the first user message’s words, for every chat-completions provider', async () => {
    const { chat } = await setUp('sk-or-test');
    const user = (model: string) => ({
      // READ: no turn is stored, so each call reads the same one memory.
      input: { ...ask(model).input, memoryMode: 'READ' as const, memoryPlacement: 'USER' as const },
    });
    await chat.request(ChatDocument, user('openai/gpt-4o'));
    await chat.request(ChatDocument, user('openrouter/google/gemma-2-9b-it'));
    await chat.request(ChatDocument, user('compatible/gemma-2-9b-it'));
    const calls = await fakeCalls();
    expect(calls.map((call) => call.host)).toEqual([
      'api.openai.com',
      'openrouter.ai',
      'llm.local.test',
    ]);
    for (const call of calls) {
      const [system, first] = call.body.messages!;
      // The caller's system message as it sent it, no memory system message added.
      expect(call.body.messages!.map((m: { role: string }) => m.role)).toEqual(['system', 'user']);
      expect(system.content).toBe('Be brief.');
      expect(first.content).toContain('"The user is vegetarian"');
      expect(first.content.endsWith('\n\nsuggest a vegetarian dinner')).toBe(true);
    }
    // SYSTEM is today's default, as leaving it out.
    await resetFakes();
    await chat.request(ChatDocument, {
      input: {
        ...ask('compatible/gemma-2-9b-it').input,
        memoryMode: 'READ' as const,
        memoryPlacement: 'SYSTEM' as const,
      },
    });
    const [system] = (await fakeCalls())[0]!.body.messages!;
    expect(system.content).toMatch(/^Be brief\.\n\n/);
    expect(system.content).toContain('"The user is vegetarian"');
  });

  it('memoryPlacement USER is refused for Anthropic models, before any call', async () => {
    const { secret } = await setUp('sk-ant-test');
    for (const model of ['anthropic/claude-sonnet-4', 'anthropic/claude-opus-4-1']) {
      const body = await postWithProviderKey(
        secret,
        `mutation ($input: ChatInput!) { chat(input: $input) { content } }`,
        { input: { ...ask(model).input, memoryPlacement: 'USER' } },
        'sk-ant-test',
      );
      expect(body.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'MEMORY_PLACEMENT',
      });
    }
    expect(await fakeCalls()).toEqual([]);
  });

  it('an OpenAI-compatible server is asked for usage too, so ChatResult.usage is filled', async () => {
    const { chat } = await setUp('');
    const { chat: result } = await chat.request(ChatWithToolsDocument, ask('compatible/llama3.2'));
    const [call] = await fakeCalls();
    expect(call!.host).toBe('llm.local.test');
    expect(call!.body.stream_options).toEqual({ include_usage: true });
    expect(result.usage).toEqual({
      inputTokens: expect.any(Number),
      outputTokens: expect.any(Number),
    });
    expect(result.usage!.outputTokens).toBeGreaterThan(0);
  });

  it('a rate limit keeps its retry-after, a 5xx its status', async () => {
    const { secret } = await setUp('');
    const providerKey = 'sk-test';
    await scriptFake({ host: 'api.openai.com', status: 429, headers: { 'retry-after': '7' } });
    const limited = await postWith(secret, providerKey, ask('gpt-4o'));
    expect(limited.errors![0]!.extensions).toMatchObject({
      code: 'UPSTREAM_ERROR',
      reason: 'PROVIDER_4XX',
      status: 429,
      retryAfter: 7,
    });
    // Only `retry-after-ms` (Azure OpenAI, compatible servers): the same advice, in whole seconds (review274 F2).
    await scriptFake({
      host: 'api.openai.com',
      status: 429,
      headers: { 'retry-after-ms': '1500' },
    });
    const inMilliseconds = await postWith(secret, providerKey, ask('gpt-4o'));
    expect(inMilliseconds.errors![0]!.extensions).toMatchObject({ status: 429, retryAfter: 2 });
    await scriptFake({ host: 'api.openai.com', status: 503 });
    const down = await postWith(secret, providerKey, ask('gpt-4o'));
    expect(down.errors![0]!.extensions).toMatchObject({
      code: 'UPSTREAM_ERROR',
      status: 503,
      reason: 'PROVIDER_5XX',
    });
  });

  it('a stream cut mid-way or gone silent is an error, and nothing of it is stored', async () => {
    const { secret, api, chat } = await setUp('sk-test');
    const providerKey = 'sk-ant-test';
    await scriptFake({ host: 'api.anthropic.com', mode: 'cut' });
    const cut = await postWith(secret, providerKey, ask('claude-sonnet-4'));
    expect(cut.errors![0]!.extensions).toMatchObject({
      code: 'UPSTREAM_ERROR',
      reason: 'STREAM_BROKEN',
    });
    await scriptFake({ host: 'api.anthropic.com', mode: 'hang' });
    const silent = await postWith(secret, providerKey, ask('claude-sonnet-4'));
    expect(silent.errors![0]!.extensions).toMatchObject({
      code: 'UPSTREAM_ERROR',
      reason: 'TIMEOUT',
    });
    // A later turn landed in the same vault: the failed ones would have by now.
    await chat.request(ChatDocument, {
      input: { model: 'gpt-4o', messages: [{ role: 'USER', content: 'sentinel marker' }] },
    });
    await eventually(async () => {
      const found = await api.request(SearchDocument, {
        input: { query: 'sentinel', mode: 'TEXT' },
      });
      // Neighbours of the sentinel turns come back too (contextual ranking).
      const sentinels = found.search.hits.filter((hit) => hit.memory.content.includes('sentinel'));
      expect(sentinels).toHaveLength(2);
    });
    const stored = await api.request(SearchDocument, {
      input: { query: 'vegetarian dinner', mode: 'TEXT' },
    });
    // Only memories holding these words: neighbours come back by context too.
    expect(
      stored.search.hits
        .map((hit) => hit.memory.content)
        .filter((content) => sharesAWord(content, 'vegetarian dinner')),
    ).toEqual(['The user is vegetarian']);
  });
});

function postWith(secret: string, providerKey: string, variables: ReturnType<typeof ask>) {
  return postWithProviderKey(
    secret,
    'mutation($input: ChatInput!) { chat(input: $input) { content } }',
    variables,
    providerKey,
  );
}

export { post };
