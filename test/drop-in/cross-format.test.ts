import Anthropic from '@anthropic-ai/sdk';
import type { APIError } from 'openai';
import OpenAI from 'openai';
import { beforeEach, describe, expect, it } from 'vitest';
import { resetFakes } from '../helpers/fakes';
import { BASE_URL, workerFetch } from '../helpers/graphql';
import {
  anthropicClient,
  keyWithMemory,
  PIXEL_PNG,
  postJson,
  upstreamCalls,
  weatherTool,
} from '../helpers/drop-in';

const openai = (secret: string, providerKey: string) =>
  new OpenAI({
    apiKey: secret,
    baseURL: `${BASE_URL}/v1`,
    fetch: workerFetch,
    maxRetries: 0,
    defaultHeaders: { 'x-provider-key': providerKey },
  });

describe('across formats: every field carried, or a 400 naming the one that cannot be', () => {
  beforeEach(resetFakes);

  it('an OpenAI SDK tool call answered by Claude works fully, streamed or not', async () => {
    const { secret } = await keyWithMemory();
    const client = openai(secret, 'sk-ant-test');
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'I live here: what is the weather in Paris?' },
    ];
    const first = await client.chat.completions.create({
      model: 'anthropic/claude-sonnet-4',
      messages,
      tools: [weatherTool],
      tool_choice: 'required',
      top_p: 0.5,
      stop: ['END'],
      max_tokens: 300,
    });
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    const call = first.choices[0]!.message.tool_calls![0]!;
    expect(
      call.type === 'function' && [call.function.name, JSON.parse(call.function.arguments)],
    ).toEqual(['get_weather', { city: 'Paris', unit: 'celsius' }]);
    expect(first.usage!.prompt_tokens).toBeGreaterThan(0);

    const [upstream] = await upstreamCalls('api.anthropic.com');
    expect(upstream!.body).toMatchObject({
      model: 'claude-sonnet-4',
      max_tokens: 300,
      top_p: 0.5,
      stop_sequences: ['END'],
      tool_choice: { type: 'any' },
      tools: [
        {
          name: 'get_weather',
          description: 'Current weather in a city',
          input_schema: weatherTool.function.parameters,
        },
      ],
    });
    expect(upstream!.body.system).toMatch(/^Be brief\.\n\n/);

    messages.push(first.choices[0]!.message, {
      role: 'tool',
      tool_call_id: call.id,
      content: 'cloudy',
    });
    const stream = await client.chat.completions.create({
      model: 'anthropic/claude-sonnet-4',
      messages,
      tools: [weatherTool],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('Fake api.anthropic.com heard tool result: cloudy');
    expect(usage!.completion_tokens).toBeGreaterThan(0);
    const [, second] = await upstreamCalls('api.anthropic.com');
    expect(second!.body.messages.at(-1)).toEqual({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: call.id, content: 'cloudy' }],
    });
  });

  it('streams tool-call deltas across formats', async () => {
    const { secret } = await keyWithMemory();
    const stream = await openai(secret, 'AIza-test').chat.completions.create({
      model: 'google/gemini-2.5-flash',
      messages: [{ role: 'user', content: 'weather in Bergen?' }],
      tools: [weatherTool],
      stream: true,
    });
    let args = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      args += chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(JSON.parse(args)).toEqual({ city: 'Bergen', unit: 'celsius' });
    expect(finish).toBe('tool_calls');
  });

  it('accepts values that ask for nothing (review248 A3), still refusing any other value by name', async () => {
    const { secret } = await keyWithMemory();
    const client = openai(secret, 'sk-ant-test');
    const answer = await client.chat.completions.create({
      model: 'anthropic/claude-sonnet-4',
      messages: [{ role: 'user', content: 'Where do I live?' }],
      logprobs: false,
      presence_penalty: 0,
      frequency_penalty: 0,
      store: false,
      metadata: {},
      user: '',
    });
    expect(answer.choices[0]!.message.content).toContain('Where do I live?');
    const sent = (await upstreamCalls('api.anthropic.com')).at(-1)!.body;
    for (const field of [
      'logprobs',
      'presence_penalty',
      'frequency_penalty',
      'store',
      'metadata',
      'user',
    ])
      expect(sent[field], field).toBeUndefined();
    for (const [field, extra] of [
      ['presence_penalty', { presence_penalty: 0.5 }],
      ['store', { store: true }],
      ['metadata', { metadata: { app: 'x' } }],
      ['user', { user: 'u-1' }],
    ] as const) {
      const error = (await client.chat.completions
        .create({
          model: 'anthropic/claude-sonnet-4',
          messages: [{ role: 'user', content: 'Where do I live?' }],
          ...extra,
        })
        .catch((e: unknown) => e)) as APIError;
      expect(error, field).toBeInstanceOf(OpenAI.BadRequestError);
      expect(error.param, field).toBe(field);
    }
  });

  it('refuses what a translation cannot carry, naming the field and the way that keeps it', async () => {
    const { secret } = await keyWithMemory();
    const client = openai(secret, 'sk-ant-test');
    const base = {
      model: 'anthropic/claude-sonnet-4',
      messages: [{ role: 'user' as const, content: 'hi' }],
    };
    const cases: [Partial<OpenAI.ChatCompletionCreateParamsNonStreaming>, string][] = [
      [{ seed: 42 }, 'seed'],
      [{ logprobs: true }, 'logprobs'],
      [{ response_format: { type: 'json_object' } }, 'response_format'],
      [
        {
          messages: [
            {
              role: 'user',
              content: [
                { type: 'text', text: 'look' },
                { type: 'image_url', image_url: { url: PIXEL_PNG } },
              ],
            },
          ],
        },
        'messages[0].content[1] (image_url)',
      ],
      [{ n: 2 }, 'n'],
    ];
    for (const [extra, field] of cases) {
      const error = (await client.chat.completions
        .create({ ...base, ...extra })
        .catch((e: unknown) => e)) as APIError;
      expect(error, field).toBeInstanceOf(OpenAI.BadRequestError);
      expect(error.param, field).toBe(field);
      expect(error.message).toContain(`\`${field}\``);
      expect(error.message).toContain('POST /v1/messages');
      expect(error.message).toContain('openrouter/anthropic/claude-sonnet-4');
    }
    expect(await upstreamCalls('api.anthropic.com')).toEqual([]);
  });

  it('through OpenRouter the same request keeps every field, streamed past its keep-alives', async () => {
    const { secret } = await keyWithMemory();
    const request = {
      model: 'openrouter/anthropic/claude-sonnet-4',
      messages: [
        {
          role: 'user' as const,
          content: [
            { type: 'text' as const, text: 'weather here? json please' },
            { type: 'image_url' as const, image_url: { url: PIXEL_PNG } },
          ],
        },
      ],
      seed: 42,
      logprobs: true,
      tools: [weatherTool],
    };
    const stream = await openai(secret, 'sk-or-test').chat.completions.create({
      ...request,
      stream: true,
    });
    let args = '';
    for await (const chunk of stream)
      args += chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? '';
    expect(JSON.parse(args)).toMatchObject({ unit: 'celsius' });
    const [call] = await upstreamCalls('openrouter.ai');
    const { messages, ...rest } = call!.body;
    expect(rest).toEqual({
      ...JSON.parse(JSON.stringify(request)),
      messages: undefined,
      model: 'anthropic/claude-sonnet-4',
      stream: true,
    });
    expect(messages.at(-1)).toEqual(request.messages[0]);

    const raw = await postJson(
      '/v1/chat/completions',
      { ...request, stream: true },
      {
        authorization: `Bearer ${secret}`,
        'x-provider-key': 'sk-or-test',
      },
    );
    expect(await raw.text()).toMatch(/^: OPENROUTER PROCESSING\n\n/);
  });

  it('the Anthropic SDK reaches GPT through a translation, and cache_control is refused by name', async () => {
    const { secret } = await keyWithMemory();
    const client = anthropicClient(secret, { 'x-provider-key': 'sk-test' });
    const message = await client.messages.create({
      model: 'openai/gpt-4o',
      max_tokens: 200,
      tools: [
        {
          name: 'get_weather',
          input_schema: { type: 'object', properties: { city: { type: 'string' } } },
        },
      ],
      messages: [{ role: 'user', content: 'weather in Lima?' }],
    });
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content).toEqual([
      { type: 'tool_use', id: expect.any(String), name: 'get_weather', input: { city: 'Lima' } },
    ]);
    const [call] = await upstreamCalls('api.openai.com');
    expect(call!.body.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'get_weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      },
    ]);
    expect(call!.body.max_completion_tokens).toBe(200);

    const refused = await client.messages
      .create({
        model: 'openai/gpt-4o',
        max_tokens: 200,
        system: [{ type: 'text', text: 'rules', cache_control: { type: 'ephemeral' } }],
        messages: [{ role: 'user', content: 'hi' }],
      })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Anthropic.BadRequestError);
    expect((refused as Error).message).toContain('`system[0].cache_control`');
    expect((refused as Error).message).toContain('POST /v1/chat/completions');
  });

  it('the Gemini route serves Gemini models only', async () => {
    const { secret } = await keyWithMemory();
    const response = await postJson(
      '/v1beta/models/claude-sonnet-4:generateContent',
      { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
      { 'x-goog-api-key': secret, 'x-provider-key': 'sk-ant-test' },
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { message: string; status: string } };
    expect(body.error.status).toBe('INVALID_ARGUMENT');
    expect(body.error.message).toContain('POST /v1/messages');
  });
});
