import Anthropic, { APIError } from '@anthropic-ai/sdk';
import { beforeEach, describe, expect, it } from 'vitest';
import { StoreMemoryDocument } from '../generated/graphql';
import { eventually, resetFakes, scriptFake } from '../helpers/fakes';
import {
  anthropicClient,
  keyWithMemory,
  postJson,
  replay,
  upstreamCalls,
  vaultContents,
} from '../helpers/drop-in';

const anthropic = anthropicClient;

const weather: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Current weather in a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

const LONG_RULES = `You are a travel assistant. ${'Follow the house style carefully. '.repeat(60)}`;

describe('the official Anthropic SDK against /v1/messages', () => {
  beforeEach(resetFakes);

  it('runs a tool round trip; the turn stored is the user’s words and the final answer', async () => {
    const { secret, api } = await keyWithMemory();
    const client = anthropic(secret, { 'x-conversation-id': 'claude-trip' });
    const messages: Anthropic.MessageParam[] = [
      { role: 'user', content: 'I live here: what is the weather in Paris?' },
    ];
    const first = await client.messages.create({
      model: 'claude-sonnet-4',
      max_tokens: 300,
      tools: [weather],
      messages,
    });
    expect(first.stop_reason).toBe('tool_use');
    const use = first.content.find((block) => block.type === 'tool_use')!;
    expect(use).toMatchObject({ name: 'get_weather', input: { city: 'Paris' } });
    messages.push(
      { role: 'assistant', content: first.content },
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: use.id, content: 'sunny, 24°C' }],
      },
    );
    const second = await client.messages.create({
      model: 'claude-sonnet-4',
      max_tokens: 300,
      tools: [weather],
      messages,
    });
    expect(second.content).toEqual([
      { type: 'text', text: 'Fake api.anthropic.com heard tool result: sunny, 24°C' },
    ]);
    expect(second.stop_reason).toBe('end_turn');

    const [call1, call2] = await upstreamCalls('api.anthropic.com');
    // Memory is a last system block; the query was the user's words both times.
    // The block opens with the time of each call ("It is now …;", to the
    // second), so the two calls may fall either side of a second: compared
    // without it, and each checked to carry one.
    const withoutNow = (system: unknown) =>
      JSON.parse(JSON.stringify(system).replace(/It is now [^;]+;/g, 'It is now …;')) as unknown;
    expect(JSON.stringify(call1!.body.system)).toMatch(/It is now [^;]+;/);
    expect(JSON.stringify(call2!.body.system)).toMatch(/It is now [^;]+;/);
    expect(withoutNow(call1!.body.system)).toEqual(withoutNow(call2!.body.system));
    expect(call2!.body.system.at(-1).text).toContain('"The user lives in Lisbon"');
    expect(call2!.body.tools).toEqual([weather]);
    await eventually(async () =>
      expect(
        await vaultContents(api, 'weather Paris sunny', { kind: 'EPHEMERAL', id: 'claude-trip' }),
      ).toEqual([
        'Fake api.anthropic.com heard tool result: sunny, 24°C',
        'I live here: what is the weather in Paris?',
      ]),
    );
  });

  it('keeps the client’s cache_control breakpoints hitting while memory changes', async () => {
    const { secret, api } = await keyWithMemory();
    const ask = (question: string) =>
      anthropic(secret).messages.create({
        model: 'claude-sonnet-4',
        max_tokens: 200,
        system: [{ type: 'text', text: LONG_RULES, cache_control: { type: 'ephemeral' } }],
        messages: [{ role: 'user', content: question }],
      });
    const first = await ask('where do I live?');
    await api.request(StoreMemoryDocument, {
      input: { content: 'The user moved to Porto last week' },
    });
    const second = await ask('where do I live now?');
    expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(0);
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);

    const [call1, call2] = await upstreamCalls('api.anthropic.com');
    // The client's block first and untouched, memory after it — and memory did change.
    expect(call2!.body.system[0]).toEqual({
      type: 'text',
      text: LONG_RULES,
      cache_control: { type: 'ephemeral' },
    });
    expect(call2!.body.system[1].text).toContain('Porto');
    expect(call1!.body.system[1].text).not.toContain('Porto');
  });

  it('puts memory after a breakpoint inside the messages, so that prefix still hits', async () => {
    const { secret } = await keyWithMemory();
    const document = `Itinerary: ${'day trip, museum, dinner; '.repeat(80)}`;
    const history = (question: string): Anthropic.MessageParam[] => [
      {
        role: 'user',
        content: [
          { type: 'text', text: document, cache_control: { type: 'ephemeral' } },
          { type: 'text', text: question },
        ],
      },
    ];
    const first = await anthropic(secret).messages.create({
      model: 'claude-sonnet-4',
      max_tokens: 200,
      system: 'Plan trips.',
      messages: history('what should I see in Lisbon?'),
    });
    const second = await anthropic(secret).messages.create({
      model: 'claude-sonnet-4',
      max_tokens: 200,
      system: 'Plan trips.',
      messages: history('and where should I eat in Lisbon?'),
    });
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    const [, call] = await upstreamCalls('api.anthropic.com');
    expect(call!.body.system).toBe('Plan trips.');
    const blocks = call!.body.messages[0].content;
    expect(blocks[0]).toEqual({
      type: 'text',
      text: document,
      cache_control: { type: 'ephemeral' },
    });
    // The memory block: the first call's question, stored as it was said.
    expect(blocks[1].text).toContain('<memories>');
    expect(blocks[1].text).toContain('"what should I see in Lisbon?"');
    expect(blocks[2]).toEqual({ type: 'text', text: 'and where should I eat in Lisbon?' });
  });

  it('streams text, thinking and tool use through unchanged', async () => {
    const { secret } = await keyWithMemory();
    const stream = anthropic(secret).messages.stream({
      model: 'claude-sonnet-4',
      max_tokens: 2048,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tools: [weather],
      messages: [{ role: 'user', content: 'Is it raining in Oslo?' }],
    });
    const message = await stream.finalMessage();
    expect(message.content.map((block) => block.type)).toEqual(['thinking', 'tool_use']);
    expect(message.content[1]).toMatchObject({
      type: 'tool_use',
      name: 'get_weather',
      input: { city: 'Oslo' },
    });
    expect(message.stop_reason).toBe('tool_use');
    expect(message.usage.output_tokens).toBeGreaterThan(1);
    const [call] = await upstreamCalls('api.anthropic.com');
    expect(call!.body.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
    // The SDK's own API version reaches Anthropic.
    expect(call!.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    const text = await anthropic(secret)
      .messages.stream({
        model: 'claude-haiku-4-5',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'hello there' }],
      })
      .finalText();
    expect(text).toBe('Fake api.anthropic.com heard: hello there');
  });

  it('returns the provider’s body byte for byte, and the receipt in headers', async () => {
    const { secret } = await keyWithMemory();
    const body = {
      model: 'claude-sonnet-4',
      max_tokens: 100,
      top_k: 5,
      stop_sequences: ['END'],
      metadata: { user_id: 'u-1' },
      messages: [{ role: 'user', content: 'where do I live?' }],
    };
    const response = await postJson('/v1/messages', body, {
      'x-api-key': secret,
      'x-provider-key': 'sk-ant-test',
      'anthropic-version': '2023-06-01',
    });
    const [call] = await upstreamCalls('api.anthropic.com');
    const { system, ...rest } = call!.body;
    expect(rest).toEqual(body);
    expect(system).toHaveLength(1);
    expect(call!.headers['anthropic-version']).toBe('2023-06-01');
    expect(await response.text()).toBe(await (await replay(call!)).text());
    expect(Number(response.headers.get('x-memory-tokens'))).toBeGreaterThan(0);
    expect(response.headers.get('request-id')).toMatch(/^req_fake/);
  });

  it('raises the SDK’s typed errors: ours with our message, the provider’s as it sent them', async () => {
    const { secret } = await keyWithMemory();
    const call = (client: Anthropic, model = 'claude-sonnet-4') =>
      client.messages.create({
        model,
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      });
    await expect(call(anthropic('mk_nope'))).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    const notFound = call(anthropic(secret), 'claude-nope-9').catch((error: unknown) => error);
    expect(await notFound).toBeInstanceOf(Anthropic.NotFoundError);
    // Anthropic's own 404, as it sent it, with our reason beside its fields.
    expect(((await notFound) as APIError).error).toMatchObject({
      type: 'error',
      error: { type: 'not_found_error', message: 'model: claude-nope-9', reason: 'PROVIDER_4XX' },
    });

    await scriptFake({ host: 'api.anthropic.com', status: 429, headers: { 'retry-after': '12' } });
    const limited = (await call(anthropic(secret)).catch((error: unknown) => error)) as APIError;
    expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
    expect(limited.headers?.get('retry-after')).toBe('12');
    expect(limited.error).toMatchObject({
      error: { type: 'rate_limit_error', reason: 'PROVIDER_4XX' },
      // Anthropic's own request id, for its support.
      request_id: expect.stringMatching(/^req_fake/),
    });
    expect(limited.requestID).toMatch(/^req_fake/);

    await scriptFake({ host: 'api.anthropic.com', status: 529 });
    const overloaded = (await call(anthropic(secret)).catch((error: unknown) => error)) as APIError;
    expect(overloaded).toBeInstanceOf(Anthropic.InternalServerError);
    expect(overloaded.status).toBe(529);
    expect(overloaded.error).toMatchObject({
      error: { type: 'overloaded_error', reason: 'PROVIDER_5XX' },
    });

    await scriptFake({ host: 'api.anthropic.com', mode: 'midstream-error' });
    const broken = anthropic(secret).messages.stream({
      model: 'claude-sonnet-4',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'tell me a long story' }],
    });
    const failure = (await broken.finalMessage().catch((error: unknown) => error)) as APIError;
    expect(failure).toBeInstanceOf(APIError);
    expect(failure.error).toMatchObject({
      error: { type: 'overloaded_error', message: 'Overloaded', reason: 'STREAM_BROKEN' },
    });
  });
});
