import OpenAI from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { beforeEach, describe, expect, it } from 'vitest';
import { eventually, resetFakes } from '../helpers/fakes';
import { BASE_URL, workerFetch } from '../helpers/graphql';
import {
  keyWithMemory,
  openAiClient,
  PIXEL_PNG,
  postJson,
  replay,
  upstreamCalls,
  vaultContents,
  weatherTool,
} from '../helpers/drop-in';

/** The request of issue 17: tools, tool choice, JSON mode, sampling, stop, seed, text and image parts. */
const headline = {
  model: 'gpt-4o',
  messages: [
    {
      role: 'user' as const,
      content: [
        { type: 'text' as const, text: 'I live here: weather in Paris? answer in json' },
        { type: 'image_url' as const, image_url: { url: PIXEL_PNG, detail: 'low' as const } },
      ],
    },
  ],
  tools: [weatherTool],
  tool_choice: 'auto' as const,
  response_format: { type: 'json_object' as const },
  top_p: 0.9,
  stop: ['END'],
  seed: 42,
} satisfies ChatCompletionCreateParamsNonStreaming;

/** The upstream body without the memory message the router added (checked to be one). */
function withoutMemory(body: Record<string, unknown>) {
  const messages = body.messages as { role: string; content: string }[];
  expect(messages[0]!.role).toBe('system');
  expect(messages[0]!.content).toContain('"The user lives in Lisbon"');
  return { ...body, messages: messages.slice(1) };
}

describe('the official openai SDK against /v1/chat/completions', () => {
  beforeEach(resetFakes);

  it('forwards every field of the headline request and returns the tool call unchanged', async () => {
    const { secret } = await keyWithMemory();
    const completion = await openAiClient(secret).chat.completions.create(headline);
    const [call] = await upstreamCalls('api.openai.com');
    // Every field arrived as the SDK sent it; only the memory message was added.
    expect(withoutMemory(call!.body)).toEqual(JSON.parse(JSON.stringify(headline)));
    expect(call!.headers.accept).toBe('application/json');
    expect(call!.headers.authorization).toBe('Bearer sk-test-openai');

    const toolCall = completion.choices[0]!.message.tool_calls![0]!;
    expect(completion.choices[0]!.finish_reason).toBe('tool_calls');
    expect(toolCall.type === 'function' && toolCall.function.name).toBe('get_weather');
    expect(toolCall.type === 'function' && JSON.parse(toolCall.function.arguments)).toEqual({
      city: 'Paris',
      unit: 'celsius',
    });

    // The body is the provider's, byte for byte: usage as it reported it.
    const direct = await (await replay(call!)).text();
    expect(completion.usage).toEqual(JSON.parse(direct).usage);
    const raw = await postJson('/v1/chat/completions', headline, {
      authorization: `Bearer ${secret}`,
      'x-provider-key': 'sk-test-openai',
    });
    const last = (await upstreamCalls('api.openai.com')).at(-1)!;
    expect(await raw.text()).toBe(await (await replay(last)).text());
  });

  it('streams the headline request upstream only when asked, with tool-call deltas and usage', async () => {
    const { secret } = await keyWithMemory();
    const stream = await openAiClient(secret).chat.completions.create({
      ...headline,
      stream: true,
      stream_options: { include_usage: true },
    });
    let name = '';
    let args = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined = null;
    let toolCallChunks = 0;
    for await (const chunk of stream) {
      for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
        toolCallChunks++;
        name += delta.function?.name ?? '';
        args += delta.function?.arguments ?? '';
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(toolCallChunks).toBeGreaterThan(1);
    expect(name).toBe('get_weather');
    expect(JSON.parse(args)).toEqual({ city: 'Paris', unit: 'celsius' });
    expect(finish).toBe('tool_calls');

    const [call] = await upstreamCalls('api.openai.com');
    expect(withoutMemory(call!.body)).toEqual({
      ...JSON.parse(JSON.stringify(headline)),
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(call!.headers.accept).toBe('text/event-stream');
    const direct = await (await replay(call!)).text();
    const reported = direct
      .split('\n')
      .filter((line) => line.startsWith('data: {'))
      .map((line) => JSON.parse(line.slice(6)) as { usage?: unknown })
      .find((chunk) => chunk.usage)?.usage;
    expect(usage).toEqual(reported);

    // Byte for byte, streamed too.
    const raw = await postJson(
      '/v1/chat/completions',
      { ...headline, stream: true },
      { authorization: `Bearer ${secret}`, 'x-provider-key': 'sk-test-openai' },
    );
    expect(raw.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const last = (await upstreamCalls('api.openai.com')).at(-1)!;
    expect(await raw.text()).toBe(await (await replay(last)).text());
  });

  it('runs a tool round trip and stores the user’s words and the final answer, not the plumbing', async () => {
    const { secret, api } = await keyWithMemory();
    const client = openAiClient(secret, { 'x-session-id': 'trip-1' });
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'user', content: 'What is the weather in Paris?' },
    ];
    const first = await client.chat.completions.create({
      model: 'gpt-4o',
      messages,
      tools: [weatherTool],
    });
    const assistant = first.choices[0]!.message;
    const call = assistant.tool_calls![0]!;
    messages.push(assistant, {
      role: 'tool',
      tool_call_id: call.id,
      content: JSON.stringify({ temperature: 21, sky: 'clear' }),
    });
    const second = await client.chat.completions.create({
      model: 'gpt-4o',
      messages,
      tools: [weatherTool],
    });
    expect(second.choices[0]!.message.content).toBe(
      'Fake api.openai.com heard tool result: {"temperature":21,"sky":"clear"}',
    );
    // The memory query is the user's words, never the tool result: the same memories both times.
    const calls = await upstreamCalls('api.openai.com');
    expect(calls[1]!.body.messages[0].content).toBe(calls[0]!.body.messages[0].content);

    await eventually(async () =>
      expect(
        await vaultContents(api, 'weather Paris temperature', { kind: 'SESSION', id: 'trip-1' }),
      ).toEqual([
        'Fake api.openai.com heard tool result: {"temperature":21,"sky":"clear"}',
        'What is the weather in Paris?',
      ]),
    );
  });

  it('passes json_schema through and returns the structured answer', async () => {
    const { secret } = await keyWithMemory();
    const schema = {
      type: 'object',
      properties: { city: { type: 'string' }, population: { type: 'integer' } },
      required: ['city', 'population'],
      additionalProperties: false,
    };
    const completion = await openAiClient(secret).chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Tell me about Lisbon' }],
      response_format: { type: 'json_schema', json_schema: { name: 'city', schema, strict: true } },
    });
    expect(JSON.parse(completion.choices[0]!.message.content!)).toEqual({
      city: 'Lisbon',
      population: 1,
    });
    const [call] = await upstreamCalls('api.openai.com');
    expect(call!.body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'city', schema, strict: true },
    });
  });

  it('sends an image part to the model, which sees it', async () => {
    const { secret } = await keyWithMemory();
    const completion = await openAiClient(secret).chat.completions.create({
      model: 'gpt-4o',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is in this picture?' },
            { type: 'image_url', image_url: { url: PIXEL_PNG } },
          ],
        },
      ],
    });
    expect(completion.choices[0]!.message.content).toBe(
      'Fake api.openai.com heard: what is in this picture? (and saw 1 image: image/png)',
    );
  });

  it('keeps the caller’s system prefix first, and uses a developer message when the caller does', async () => {
    const { secret } = await keyWithMemory();
    await openAiClient(secret).chat.completions.create({
      model: 'o3-mini',
      max_completion_tokens: 100,
      messages: [
        { role: 'developer', content: 'Be terse.' },
        { role: 'user', content: 'where do I live?' },
      ],
    });
    const [call] = await upstreamCalls('api.openai.com');
    expect(call!.body.messages.map((m: { role: string }) => m.role)).toEqual([
      'developer',
      'developer',
      'user',
    ]);
    expect(call!.body.messages[0]).toEqual({ role: 'developer', content: 'Be terse.' });
    expect(call!.body.messages[1].content).toContain('"The user lives in Lisbon"');
  });

  it('works with only baseURL and the memory key once an admin stored the provider key', async () => {
    const { secret, adminToken } = await keyWithMemory();
    const stored = await postJson(
      '/graphql',
      {
        query:
          'mutation($input: SetProviderKeyInput!) { setProviderKey(input: $input) { provider fingerprint last4 memoryKeyId } }',
        variables: { input: { provider: 'OPENAI', key: 'sk-stored-openai-key-7890' } },
      },
      { authorization: `Bearer ${adminToken}` },
    );
    const saved = (await stored.json()) as {
      data: { setProviderKey: { last4: string; fingerprint: string } };
    };
    expect(saved.data.setProviderKey.last4).toBe('7890');
    expect(JSON.stringify(saved)).not.toContain('sk-stored-openai-key');

    const plain = new OpenAI({
      apiKey: secret,
      baseURL: `${BASE_URL}/v1`,
      fetch: workerFetch,
      maxRetries: 0,
    });
    const completion = await plain.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'where do I live?' }],
    });
    expect(completion.choices[0]!.message.content).toBe(
      'Fake api.openai.com heard: where do I live?',
    );
    const [call] = await upstreamCalls('api.openai.com');
    expect(call!.headers.authorization).toBe('Bearer sk-stored-openai-key-7890');
    // The memory key never reaches the provider.
    expect(JSON.stringify(call)).not.toContain(secret);
  });
});
