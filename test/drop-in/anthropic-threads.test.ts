import Anthropic from '@anthropic-ai/sdk';
import { betaTool } from '@anthropic-ai/sdk/helpers/beta/json-schema';
import { beforeEach, describe, expect, it } from 'vitest';
import { CreateMemoryKeyDocument, SetProviderKeyDocument } from '../generated/graphql';
import { eventually, resetFakes, scriptFake } from '../helpers/fakes';
import { BASE_URL, workerFetch } from '../helpers/graphql';
import {
  anthropicClient,
  errorOf,
  keyWithMemory,
  sessionMemories,
  upstreamCalls,
} from '../helpers/drop-in';

// Anthropic's message threads (review 248 A7), which the SDK's
// beta.messages.toolRunner() uses by default: the create call sends the
// user's words and gets memory in `system`, which Anthropic keeps for the
// thread; each continuation sends only tool results and may not send
// `system` again. The fake holds threads as Anthropic does and refuses a
// continuation that repeats `system`.

const weather = betaTool({
  name: 'get_weather',
  description: 'Current weather in a city',
  inputSchema: {
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
  },
  run: () => 'sunny, 24°C',
});

/** What the fake model read on a thread's turn: the held system included. */
type ThreadCall = { thread?: { system: unknown; messages: unknown[] } };

describe('Anthropic message threads (toolRunner) through /v1/messages', () => {
  beforeEach(resetFakes);

  it('memory reaches every step through the thread, the user’s words and the answer are each stored once', async () => {
    const key = await keyWithMemory();
    const client = anthropicClient(key.secret, { 'x-session-id': 'runner' });
    const final = await client.beta.messages.toolRunner({
      model: 'claude-sonnet-4',
      max_tokens: 300,
      messages: [{ role: 'user', content: 'I live here: what is the weather in Paris?' }],
      tools: [weather],
    });
    expect(final.content).toEqual([
      { type: 'text', text: 'Fake api.anthropic.com heard tool result: sunny, 24°C' },
    ]);

    const [create, next] = await upstreamCalls('api.anthropic.com');
    expect(create!.body.thread).toEqual({ type: 'create' });
    expect(JSON.stringify(create!.body.system)).toContain('The user lives in Lisbon');
    // The continuation names the first answer, sends no system (Anthropic
    // would refuse it), and the model still reads the memory: the thread's.
    expect(next!.body.thread).toMatchObject({ type: 'continue' });
    expect(next!.body.system).toBeUndefined();
    expect(JSON.stringify((next as ThreadCall).thread!.system)).toContain(
      'The user lives in Lisbon',
    );

    await eventually(async () =>
      expect(await sessionMemories(key, 'runner')).toEqual([
        'USER: I live here: what is the weather in Paris?',
        'ASSISTANT: Fake api.anthropic.com heard tool result: sunny, 24°C',
      ]),
    );
  });

  it('streamed, and a thread continued with a new question: no system sent, its words stored', async () => {
    const key = await keyWithMemory();
    const client = anthropicClient(key.secret, { 'x-session-id': 'thread-stream' });
    const runner = client.beta.messages.toolRunner({
      model: 'claude-sonnet-4',
      max_tokens: 300,
      messages: [{ role: 'user', content: 'I live here: what is the weather in Paris?' }],
      tools: [weather],
      stream: true,
    });
    for await (const stream of runner) await stream.finalMessage();
    const last = await runner.done();
    expect(last.stop_reason).toBe('end_turn');

    // A second question on the same thread, as any client sends it.
    const calls = await upstreamCalls('api.anthropic.com');
    expect(calls).toHaveLength(2);
    const answered = await workerFetch(`${BASE_URL}/v1/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': key.secret,
        'x-provider-key': 'sk-ant-test',
        'anthropic-version': '2023-06-01',
        'anthropic-beta': 'message-threads-2026-08-12',
        'x-session-id': 'thread-stream',
      },
      body: JSON.stringify({
        model: 'claude-sonnet-4',
        max_tokens: 300,
        thread: { type: 'continue', previous_message_id: last.id },
        messages: [{ role: 'user', content: 'And where do I live again?' }],
      }),
    });
    expect(answered.status).toBe(200);
    expect(answered.headers.get('x-memory-turn')).toBe('stored');
    const third = (await upstreamCalls('api.anthropic.com'))[2]!;
    expect(third.body.system).toBeUndefined();
    expect(JSON.stringify((third as ThreadCall).thread!.system)).toContain(
      'The user lives in Lisbon',
    );
    await eventually(async () =>
      expect(await sessionMemories(key, 'thread-stream')).toEqual(
        expect.arrayContaining([
          'USER: I live here: what is the weather in Paris?',
          'ASSISTANT: Fake api.anthropic.com heard tool result: sunny, 24°C',
          'USER: And where do I live again?',
        ]),
      ),
    );
  });

  it('a paused thread turn stores the user’s words at once; its continuation (no messages) the answer', async () => {
    const key = await keyWithMemory();
    const client = anthropicClient(key.secret, { 'x-session-id': 'thread-paused' });
    const tools: Anthropic.Beta.BetaToolUnion[] = [
      { type: 'web_search_20250305', name: 'web_search', max_uses: 3 },
    ];
    await scriptFake({
      host: 'api.anthropic.com',
      reply: 'Searching museums near you in Lisbon',
      finish: 'pause_turn',
    });
    const first = await client.beta.messages
      .create({
        model: 'claude-sonnet-4-5',
        max_tokens: 500,
        tools,
        messages: [{ role: 'user', content: 'Find museums near where I live' }],
        thread: { type: 'create' },
        betas: ['message-threads-2026-08-12'],
      })
      .withResponse();
    expect(first.data.stop_reason).toBe('pause_turn');
    expect(first.response.headers.get('x-memory-turn')).toBe('stored');
    await scriptFake({ host: 'api.anthropic.com', reply: 'The Gulbenkian is a good pick.' });
    const second = await client.beta.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 500,
      messages: [],
      thread: { type: 'continue', previous_message_id: first.data.id },
      betas: ['message-threads-2026-08-12'],
    });
    expect(second.stop_reason).toBe('end_turn');
    await eventually(async () =>
      expect(await sessionMemories(key, 'thread-paused')).toEqual([
        'USER: Find museums near where I live',
        'ASSISTANT: The Gulbenkian is a good pick.',
      ]),
    );
  });

  it('with the account’s shared key, only the memory key that created a thread continues it', async () => {
    const a = await keyWithMemory('Key A private: my bank PIN hint is the cat name Whiskers');
    const b = (await a.admin.request(CreateMemoryKeyDocument, { name: 'B' })).createMemoryKey;
    await a.admin.request(SetProviderKeyDocument, {
      input: { provider: 'ANTHROPIC', key: 'sk-ant-account-shared' },
    });
    const shared = (secret: string) =>
      new Anthropic({ apiKey: secret, baseURL: BASE_URL, fetch: workerFetch, maxRetries: 0 });
    const question = {
      role: 'user' as const,
      content: 'What is my PIN hint? Check the weather in Paris too.',
    };
    const first = await shared(a.secret).beta.messages.create({
      model: 'claude-sonnet-4',
      max_tokens: 300,
      messages: [question],
      tools: [weather],
      thread: { type: 'create' },
      betas: ['message-threads-2026-08-12'],
    });
    const use = first.content.find((block) => block.type === 'tool_use')!;
    const continuation = {
      model: 'claude-sonnet-4',
      max_tokens: 300,
      thread: { type: 'continue' as const, previous_message_id: first.id },
      messages: [
        {
          role: 'user' as const,
          content: [{ type: 'tool_result' as const, tool_use_id: use.id, content: 'sunny' }],
        },
      ],
      betas: ['message-threads-2026-08-12'],
    };
    const before = (await upstreamCalls('api.anthropic.com')).length;
    const refused = await errorOf(() => shared(b.secret).beta.messages.create(continuation));
    expect(refused).toBeInstanceOf(Anthropic.PermissionDeniedError);
    const body = (refused as InstanceType<typeof Anthropic.APIError>).error as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(body.error).toMatchObject({ code: 'FORBIDDEN', reason: 'SHARED_PROVIDER_KEY' });
    expect(JSON.stringify(body)).not.toContain('Whiskers');
    expect(await upstreamCalls('api.anthropic.com')).toHaveLength(before);

    // The creator continues its own thread.
    const done = await shared(a.secret).beta.messages.create(continuation);
    expect(done.stop_reason).toBe('end_turn');
  });
});
