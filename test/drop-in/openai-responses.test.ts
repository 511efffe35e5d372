import OpenAI from 'openai';
import type { ResponseCreateParamsNonStreaming } from 'openai/resources/responses/responses';
import { beforeEach, describe, expect, it } from 'vitest';
import { eventually, resetFakes, scriptFake } from '../helpers/fakes';
import { BASE_URL, workerFetch } from '../helpers/graphql';
import {
  decodeReceipt,
  keyWithMemory,
  openAiClient,
  PIXEL_PNG,
  postJson,
  replay,
  upstreamCalls,
  usageTokens,
  vaultContents,
  weatherTool as chatWeatherTool,
} from '../helpers/drop-in';

type Key = Awaited<ReturnType<typeof keyWithMemory>>;

/** The chat test's weather tool, as the Responses API spells a function tool. */
const weatherTool = {
  type: 'function' as const,
  name: chatWeatherTool.function.name,
  description: chatWeatherTool.function.description,
  strict: true,
  parameters: chatWeatherTool.function.parameters,
};

/** The upstream body without the memory the router joined to `instructions` (checked to be there). */
function withoutMemory(body: Record<string, unknown>, callerInstructions?: string) {
  const instructions = body.instructions as string;
  expect(instructions).toContain('"The user lives in Lisbon"');
  const rest = { ...body };
  if (callerInstructions === undefined) delete rest.instructions;
  else {
    expect(instructions.startsWith(`${callerInstructions}\n\n`)).toBe(true);
    rest.instructions = callerInstructions;
  }
  return rest;
}

const authHeaders = (key: Key) => ({
  authorization: `Bearer ${key.secret}`,
  'x-provider-key': 'sk-test-openai',
});

describe('the official openai SDK against /v1/responses', () => {
  beforeEach(resetFakes);

  it('forwards every field, joins memory to instructions, answers byte for byte and stores the turn', async () => {
    const key = await keyWithMemory();
    const request = {
      model: 'gpt-4.1',
      input: 'Where do I live? Answer briefly.',
      temperature: 0.2,
      top_p: 0.9,
      max_output_tokens: 200,
      metadata: { app: 'responses-test' },
      store: false,
      truncation: 'auto',
      parallel_tool_calls: false,
      user: 'user-7',
    } satisfies ResponseCreateParamsNonStreaming;
    const response = await openAiClient(key.secret, { 'x-session-id': 'resp-plain' })
      .responses.create(request)
      .withResponse();
    expect(response.data.output_text).toBe(
      'Fake api.openai.com heard: Where do I live? Answer briefly.',
    );

    const [call] = await upstreamCalls('api.openai.com');
    expect(call!.path).toBe('/v1/responses');
    expect(call!.headers.authorization).toBe('Bearer sk-test-openai');
    expect(call!.headers.accept).toBe('application/json');
    // Every field arrived as the SDK sent it; only instructions were added.
    expect(withoutMemory(call!.body)).toEqual(request);
    expect(JSON.stringify(call)).not.toContain(key.secret);

    // The provider's body, byte for byte.
    const raw = await postJson('/v1/responses', request, authHeaders(key));
    const last = (await upstreamCalls('api.openai.com')).at(-1)!;
    expect(await raw.text()).toBe(await (await replay(last)).text());

    const receipt = decodeReceipt(response.response.headers.get('x-memory-receipt'));
    expect(receipt.memoryTokens).toBeGreaterThan(0);
    expect(response.response.headers.get('x-session-id')).toBe('resp-plain');
    await eventually(async () =>
      expect(
        await vaultContents(key.api, 'live briefly', { kind: 'SESSION', id: 'resp-plain' }),
      ).toEqual([
        'Fake api.openai.com heard: Where do I live? Answer briefly.',
        'Where do I live? Answer briefly.',
      ]),
    );
  });

  it('keeps the caller’s instructions first, reads an item list with an image, and queries memory with the last user text', async () => {
    const key = await keyWithMemory();
    const request = {
      model: 'gpt-4o',
      instructions: 'Be terse.',
      input: [
        { role: 'user' as const, content: 'I like trains.' },
        { role: 'assistant' as const, content: 'Noted.' },
        {
          type: 'message' as const,
          role: 'user' as const,
          content: [
            { type: 'input_text' as const, text: 'what is in this picture, and where do I live?' },
            { type: 'input_image' as const, image_url: PIXEL_PNG, detail: 'low' as const },
          ],
        },
      ],
    } satisfies ResponseCreateParamsNonStreaming;
    const response = await openAiClient(key.secret).responses.create(request);
    expect(response.output_text).toBe(
      'Fake api.openai.com heard: what is in this picture, and where do I live? (and saw 1 image: image/png)',
    );
    const [call] = await upstreamCalls('api.openai.com');
    expect(withoutMemory(call!.body, 'Be terse.')).toEqual(JSON.parse(JSON.stringify(request)));
  });

  it('streams the Responses events through byte for byte and stores the turn once complete', async () => {
    const key = await keyWithMemory();
    const stream = await openAiClient(key.secret, {
      'x-session-id': 'resp-stream',
    }).responses.create({
      model: 'gpt-4o',
      input: 'Tell me where I live, streaming',
      stream: true,
    });
    const types: string[] = [];
    let text = '';
    let usage: OpenAI.Responses.ResponseUsage | null | undefined = null;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') usage = event.response.usage;
    }
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
    expect(types.filter((type) => type === 'response.output_text.delta').length).toBeGreaterThan(1);
    expect(text).toBe('Fake api.openai.com heard: Tell me where I live, streaming');
    expect(usage?.output_tokens).toBeGreaterThan(0);

    const [call] = await upstreamCalls('api.openai.com');
    expect(call!.headers.accept).toBe('text/event-stream');
    expect(withoutMemory(call!.body)).toEqual({
      model: 'gpt-4o',
      input: 'Tell me where I live, streaming',
      stream: true,
    });

    const raw = await postJson(
      '/v1/responses',
      { model: 'gpt-4o', input: 'Tell me where I live, streaming', stream: true },
      { ...authHeaders(key), 'x-session-id': 'resp-stream' },
    );
    expect(raw.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const last = (await upstreamCalls('api.openai.com')).at(-1)!;
    expect(await raw.text()).toBe(await (await replay(last)).text());

    await eventually(async () =>
      expect(
        await vaultContents(key.api, 'live streaming', { kind: 'SESSION', id: 'resp-stream' }),
      ).toContain('Fake api.openai.com heard: Tell me where I live, streaming'),
    );
  });

  it('meters the memory the provider was given, once it accepted the call, streamed or not', async () => {
    const key = await keyWithMemory();
    const before = await usageTokens(key);
    const whole = await postJson(
      '/v1/responses',
      { model: 'gpt-4o', input: 'where do I live?', memory_mode: 'read' },
      authHeaders(key),
    );
    expect(whole.status).toBe(200);
    const injected = Number(whole.headers.get('x-memory-tokens'));
    expect(injected).toBeGreaterThan(0);
    await whole.text();
    await eventually(async () => expect(await usageTokens(key)).toBe(before + injected));
    const streamed = await postJson(
      '/v1/responses',
      { model: 'gpt-4o', input: 'where do I live, streamed?', stream: true, memory_mode: 'read' },
      authHeaders(key),
    );
    const second = Number(streamed.headers.get('x-memory-tokens'));
    expect(second).toBeGreaterThan(0);
    await streamed.text();
    // Read to its end, a stream ends only once its usage is durable.
    expect(await usageTokens(key)).toBe(before + injected + second);
  });

  it('passes function tools through and completes a tool round trip, stateless and by previous_response_id', async () => {
    const key = await keyWithMemory();
    const client = openAiClient(key.secret, { 'x-session-id': 'resp-tools' });
    const userTurn = { role: 'user' as const, content: 'What is the weather in Paris?' };
    const first = await client.responses.create({
      model: 'gpt-4o',
      input: [userTurn],
      tools: [weatherTool],
      tool_choice: 'auto',
    });
    const functionCall = first.output.find((item) => item.type === 'function_call')!;
    expect(functionCall.type === 'function_call' && functionCall.name).toBe('get_weather');
    expect(functionCall.type === 'function_call' && JSON.parse(functionCall.arguments)).toEqual({
      city: 'Paris',
      unit: 'celsius',
    });
    const output = {
      type: 'function_call_output' as const,
      call_id: functionCall.type === 'function_call' ? functionCall.call_id : '',
      output: JSON.stringify({ temperature: 21, sky: 'clear' }),
    };

    // Stateless: the whole history again; memory is searched with the user's words.
    const stateless = await client.responses.create({
      model: 'gpt-4o',
      input: [userTurn, functionCall, output],
      tools: [weatherTool],
      store: false,
    });
    expect(stateless.output_text).toBe(
      'Fake api.openai.com heard tool result: {"temperature":21,"sky":"clear"}',
    );
    // Chained: only the output, after the stored first response.
    const chained = await client.responses.create({
      model: 'gpt-4o',
      previous_response_id: first.id,
      input: [output],
      tools: [weatherTool],
    });
    expect(chained.output_text).toBe(stateless.output_text);

    const calls = await upstreamCalls('api.openai.com');
    expect(calls[0]!.body.tools).toEqual([weatherTool]);
    expect(calls[0]!.body.tool_choice).toBe('auto');
    expect(calls[1]!.body.instructions).toBe(calls[0]!.body.instructions);
    // The chain's fields as the caller wrote them; no user text here, so no memory either.
    expect(calls[2]!.body).toEqual({
      model: 'gpt-4o',
      previous_response_id: first.id,
      input: [output],
      tools: [weatherTool],
    });

    await eventually(async () =>
      expect(
        await vaultContents(key.api, 'weather Paris temperature', {
          kind: 'SESSION',
          id: 'resp-tools',
        }),
      ).toEqual([
        // Both final answers (the same text, kept once); never the call nor its output.
        'Fake api.openai.com heard tool result: {"temperature":21,"sky":"clear"}',
        'What is the weather in Paris?',
      ]),
    );
  });

  it('a tool loop chained by previous_response_id alone keeps the user’s words: stored when the first call waits for tools', async () => {
    const key = await keyWithMemory();
    const client = openAiClient(key.secret, { 'x-session-id': 'resp-chain-only' });
    const { data: first, response } = await client.responses
      .create({
        model: 'gpt-4o',
        input: [{ role: 'user', content: 'What is the weather in Paris?' }],
        tools: [weatherTool],
      })
      .withResponse();
    expect(response.headers.get('x-memory-turn')).toBe('stored');
    const functionCall = first.output.find((item) => item.type === 'function_call')!;
    const chained = await client.responses.create({
      model: 'gpt-4o',
      previous_response_id: first.id,
      input: [
        {
          type: 'function_call_output',
          call_id: functionCall.type === 'function_call' ? functionCall.call_id : '',
          output: JSON.stringify({ temperature: 21, sky: 'clear' }),
        },
      ],
      tools: [weatherTool],
    });
    expect(chained.output_text).toBe(
      'Fake api.openai.com heard tool result: {"temperature":21,"sky":"clear"}',
    );
    await eventually(async () =>
      expect(
        await vaultContents(key.api, 'weather Paris temperature', {
          kind: 'SESSION',
          id: 'resp-chain-only',
        }),
      ).toEqual([
        'Fake api.openai.com heard tool result: {"temperature":21,"sky":"clear"}',
        'What is the weather in Paris?',
      ]),
    );
  });

  it('streams a function call’s argument deltas', async () => {
    const key = await keyWithMemory();
    const stream = await openAiClient(key.secret).responses.create({
      model: 'gpt-4o',
      input: 'weather in Oslo?',
      tools: [weatherTool],
      stream: true,
    });
    let args = '';
    let done: OpenAI.Responses.ResponseOutputItem | null = null;
    for await (const event of stream) {
      if (event.type === 'response.function_call_arguments.delta') args += event.delta;
      if (event.type === 'response.output_item.done') done = event.item;
    }
    expect(JSON.parse(args)).toEqual({ city: 'Oslo', unit: 'celsius' });
    expect(done?.type === 'function_call' && done.arguments).toBe(args);
  });

  it('gives the SDK’s responses.stream() helper a consistent event stream to assemble', async () => {
    const key = await keyWithMemory();
    const runner = openAiClient(key.secret).responses.stream({
      model: 'gpt-4o',
      input: 'where do I live, said through the helper?',
    });
    let deltas = '';
    runner.on('response.output_text.delta', (event) => (deltas += event.delta));
    const final = await runner.finalResponse();
    expect(final.status).toBe('completed');
    expect(final.output_text).toBe(
      'Fake api.openai.com heard: where do I live, said through the helper?',
    );
    expect(deltas).toBe(final.output_text);
  });

  it('forwards a conversation unchanged, and stores tool plumbing when X-Memory-Store-Tools asks', async () => {
    const key = await keyWithMemory();
    const client = openAiClient(key.secret, {
      'x-session-id': 'resp-plumbing',
      'x-memory-store-tools': 'true',
    });
    const inConversation = await client.responses.create({
      model: 'gpt-4o',
      conversation: 'conv_fake42',
      input: 'where do I live?',
    });
    expect(inConversation.conversation).toEqual({ id: 'conv_fake42' });
    const [call] = await upstreamCalls('api.openai.com');
    expect(withoutMemory(call!.body)).toEqual({
      model: 'gpt-4o',
      conversation: 'conv_fake42',
      input: 'where do I live?',
    });

    const userTurn = { role: 'user' as const, content: 'weather in Oslo?' };
    const first = await client.responses.create({
      model: 'gpt-4o',
      input: [userTurn],
      tools: [weatherTool],
      store: false,
    });
    const functionCall = first.output.find(
      (item): item is OpenAI.Responses.ResponseFunctionToolCall => item.type === 'function_call',
    )!;
    expect(functionCall.name).toBe('get_weather');
    await client.responses.create({
      model: 'gpt-4o',
      input: [
        userTurn,
        functionCall,
        {
          type: 'function_call_output',
          call_id: functionCall.call_id,
          output: 'snow, -3°C',
        },
      ],
      tools: [weatherTool],
      store: false,
    });
    await eventually(async () =>
      expect(
        await vaultContents(key.api, 'weather Oslo snow result get_weather', {
          kind: 'SESSION',
          id: 'resp-plumbing',
        }),
      ).toEqual([
        'Fake api.openai.com heard tool result: snow, -3°C',
        'called get_weather({"city":"Oslo","unit":"celsius"})',
        'tool result: snow, -3°C',
        'weather in Oslo?',
      ]),
    );
  });

  it('passes the provider’s own response.failed through: metered, since the model saw the memory, and nothing stored', async () => {
    // A memory sharing a word with the question: only such memories are injected.
    const key = await keyWithMemory('The user dreams of a trip to Zanzibar');
    const before = await usageTokens(key);
    await scriptFake({ host: 'api.openai.com', mode: 'failed' });
    const failed = await postJson(
      '/v1/responses',
      { model: 'gpt-4o', input: 'a plan for Zanzibar that fails', stream: true },
      { ...authHeaders(key), 'x-session-id': 'resp-failed' },
    );
    expect(failed.status).toBe(200);
    const injected = Number(failed.headers.get('x-memory-tokens'));
    expect(injected).toBeGreaterThan(0);
    const text = await failed.text();
    expect(text.trim().split('\n\n').at(-1)).toMatch(/^event: response\.failed\ndata: /);
    expect(text).not.toContain('event: error');
    // Read to its end, a stream ends only once its usage is durable.
    expect(await usageTokens(key)).toBe(before + injected);

    // A later turn of the session lands; the failed one never does.
    await postJson(
      '/v1/responses',
      { model: 'gpt-4o', input: 'a sentinel turn after Zanzibar' },
      { ...authHeaders(key), 'x-session-id': 'resp-failed' },
    );
    await eventually(async () =>
      expect(
        await vaultContents(key.api, 'sentinel', { kind: 'SESSION', id: 'resp-failed' }),
      ).toHaveLength(2),
    );
    expect(
      await vaultContents(key.api, 'plan fails', { kind: 'SESSION', id: 'resp-failed' }),
    ).toEqual([]);
  });

  it('passes a text.format JSON schema through and returns the structured answer', async () => {
    const key = await keyWithMemory();
    const schema = {
      type: 'object',
      properties: { city: { type: 'string' }, population: { type: 'integer' } },
      required: ['city', 'population'],
      additionalProperties: false,
    };
    const format = { type: 'json_schema' as const, name: 'city', schema, strict: true };
    const response = await openAiClient(key.secret).responses.create({
      model: 'gpt-4o-mini',
      input: 'Tell me about Lisbon',
      text: { format },
    });
    expect(JSON.parse(response.output_text)).toEqual({ city: 'Lisbon', population: 1 });
    const [call] = await upstreamCalls('api.openai.com');
    expect(call!.body.text).toEqual({ format });
  });

  it('forwards a stored prompt template without input (no user words: no memory query)', async () => {
    const key = await keyWithMemory();
    const prompt = { id: 'pmpt_fake1', variables: { city: 'Lisbon' } };
    const response = await postJson('/v1/responses', { model: 'gpt-4o', prompt }, authHeaders(key));
    expect(response.status).toBe(200);
    expect(response.headers.get('x-memory-tokens')).toBe('0');
    const [call] = await upstreamCalls('api.openai.com');
    expect(call!.body).toEqual({ model: 'gpt-4o', prompt });
  });

  it('honours the memory controls: memory off, a turn not stored, the receipt in the body', async () => {
    const key = await keyWithMemory();
    const off = await postJson(
      '/v1/responses',
      { model: 'gpt-4o', input: 'where do I live?', memory_mode: 'off', session_id: 'resp-off' },
      authHeaders(key),
    );
    expect(off.status).toBe(200);
    const [call] = await upstreamCalls('api.openai.com');
    // MemoryRouter's own fields never reach the provider; with memory off, nothing is added.
    expect(call!.body).toEqual({ model: 'gpt-4o', input: 'where do I live?' });

    const excluded = await postJson(
      '/v1/responses',
      {
        model: 'gpt-4o',
        input: [{ role: 'user', content: 'a secret plan for Zanzibar', memory: false }],
      },
      { ...authHeaders(key), 'x-session-id': 'resp-private', 'x-memory-receipt-in-body': 'true' },
    );
    const body = (await excluded.json()) as {
      memory: { memoryTokens: number; turn: { stored: boolean; reason: string } };
      output: unknown[];
    };
    expect(body.memory.memoryTokens).toBe(Number(excluded.headers.get('x-memory-tokens')));
    const second = (await upstreamCalls('api.openai.com'))[1]!;
    expect(second.body.input).toEqual([{ role: 'user', content: 'a secret plan for Zanzibar' }]);
    // memory: false on the user's words keeps the whole turn out, the answer
    // (which repeats them) too: no store was tried, the receipt says why.
    expect(body.memory.turn).toMatchObject({ stored: false, reason: 'EXCLUDED_BY_CALLER' });
    expect(excluded.headers.get('x-memory-turn-reason')).toBe('EXCLUDED_BY_CALLER');
    expect(
      await vaultContents(key.api, 'secret plan Zanzibar', { kind: 'SESSION', id: 'resp-private' }),
    ).toEqual([]);
  });
});

/** Our code and reason out of OpenAI's error shape (checking the shape on the way). */
async function coded(response: Response) {
  const body = (await response.json()) as {
    error: { message: string; type: string; param: string | null; code: string; reason?: string };
  };
  expect(Object.keys(body.error)).toEqual(
    expect.arrayContaining(['code', 'message', 'param', 'type']),
  );
  return body.error;
}

describe('/v1/responses errors, in OpenAI’s shape', () => {
  beforeEach(resetFakes);

  it('refuses bad bodies, unknown models and other providers’ models with a coded 400, calling nobody', async () => {
    const key = await keyWithMemory();
    const headers = authHeaders(key);
    const before = await usageTokens(key);
    const cases: [unknown, Record<string, unknown>][] = [
      ['{"model":', { code: 'BAD_USER_INPUT', reason: 'INVALID_JSON' }],
      ['[]', { code: 'BAD_USER_INPUT', reason: 'INVALID_JSON' }],
      [{ input: 'hi' }, { code: 'BAD_USER_INPUT', reason: 'INVALID_REQUEST', param: 'model' }],
      [{ model: 'gpt-4o' }, { code: 'BAD_USER_INPUT', reason: 'INVALID_REQUEST', param: 'input' }],
      [
        { model: 'gpt-4o', input: { text: 'hi' } },
        { code: 'BAD_USER_INPUT', reason: 'INVALID_REQUEST', param: 'input' },
      ],
      [
        { model: 'gpt-4o', input: 'hi', instructions: ['be terse'] },
        { code: 'BAD_USER_INPUT', reason: 'INVALID_REQUEST', param: 'instructions' },
      ],
      [
        { model: 'nonsense/llama3', input: 'hi' },
        { code: 'BAD_USER_INPUT', reason: 'UNKNOWN_PROVIDER' },
      ],
      [
        { model: 'claude-sonnet-4', input: 'hi' },
        { code: 'BAD_USER_INPUT', reason: 'UNSUPPORTED_MODEL', param: 'model' },
      ],
      [
        { model: 'google/gemini-2.5-flash', input: 'hi' },
        { code: 'BAD_USER_INPUT', reason: 'UNSUPPORTED_MODEL', param: 'model' },
      ],
      [
        { model: 'gpt-4o', input: 'hi', memory_mode: 'sometimes' },
        { code: 'BAD_USER_INPUT', reason: 'MEMORY_CONTROL' },
      ],
    ];
    for (const [body, expected] of cases) {
      const response = await postJson('/v1/responses', body, headers);
      expect(response.status, JSON.stringify(body)).toBe(400);
      const error = await coded(response);
      expect(error, JSON.stringify(body)).toMatchObject({
        type: 'invalid_request_error',
        ...expected,
      });
    }
    const claude = await postJson(
      '/v1/responses',
      { model: 'claude-sonnet-4', input: 'hi' },
      headers,
    );
    expect((await coded(claude)).message).toMatch(
      /POST \/v1\/messages.*POST \/v1\/chat\/completions.*openrouter\/anthropic\/claude-sonnet-4/,
    );

    const missing = await postJson('/v1/responses/resp_123/nowhere', {}, headers);
    expect(missing.status).toBe(404);
    expect(await coded(missing)).toMatchObject({ code: 'NOT_FOUND', type: 'not_found_error' });
    const get = await workerFetch(`${BASE_URL}/v1/responses`, { headers });
    expect(get.status).toBe(405);
    expect(await coded(get)).toMatchObject({ reason: 'METHOD_NOT_ALLOWED' });

    expect(await upstreamCalls('api.openai.com')).toEqual([]);
    expect(await usageTokens(key)).toBe(before);
  });

  it('maps the provider’s refusals as the chat routes do, meters nothing and stores nothing', async () => {
    const key = await keyWithMemory();
    const before = await usageTokens(key);
    const client = openAiClient(key.secret, { 'x-provider-key': 'bad-provider-key-123456789' });
    const unauthorized = (await client.responses
      .create({ model: 'gpt-4o', input: 'hi there, refused' })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(unauthorized).toBeInstanceOf(OpenAI.AuthenticationError);
    // OpenAI's own code, with our reason beside it.
    expect(unauthorized.code).toBe('invalid_api_key');
    expect(unauthorized.error).toMatchObject({ reason: 'PROVIDER_4XX' });
    expect(unauthorized.message).toContain('Incorrect API key provided: [redacted]');
    expect(unauthorized.message).not.toMatch(/6789/);

    // A bare name is OpenAI's, as on /v1/chat/completions: OpenAI's own 404 comes back.
    const unknownModel = await postJson(
      '/v1/responses',
      { model: 'llama3', input: 'hi' },
      authHeaders(key),
    );
    expect(unknownModel.status).toBe(404);
    expect(await coded(unknownModel)).toMatchObject({
      code: 'model_not_found',
      reason: 'PROVIDER_4XX',
      type: 'invalid_request_error',
    });

    // The fake checks as OpenAI does: a function output must answer a call.
    const orphan = (await openAiClient(key.secret)
      .responses.create({
        model: 'gpt-4o',
        input: [{ type: 'function_call_output', call_id: 'call_nowhere', output: '{}' }],
      })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(orphan).toBeInstanceOf(OpenAI.BadRequestError);
    expect(orphan.message).toMatch(/No tool call found for function call output/);

    const unknownPrevious = (await openAiClient(key.secret)
      .responses.create({ model: 'gpt-4o', input: 'hi', previous_response_id: 'resp_gone' })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(unknownPrevious.status).toBe(400);
    expect(unknownPrevious.message).toMatch(/Previous response with id 'resp_gone' not found/);

    expect(await usageTokens(key)).toBe(before);
    expect(await vaultContents(key.api, 'there refused')).toEqual([]);
  });

  it('ends a stream broken after the 200 with one error event the SDK raises: OpenAI’s own, or coded', async () => {
    const key = await keyWithMemory();
    for (const mode of ['midstream-error', 'cut', 'malformed'] as const) {
      await resetFakes();
      await scriptFake({ host: 'api.openai.com', mode });
      const raw = await postJson(
        '/v1/responses',
        { model: 'gpt-4o', input: `a broken stream, ${mode}`, stream: true },
        authHeaders(key),
      );
      expect(raw.status).toBe(200);
      const text = await raw.text();
      const last = text.trim().split('\n\n').at(-1)!;
      expect(last.startsWith('event: error\ndata: '), mode).toBe(true);
      const event = JSON.parse(last.slice('event: error\ndata: '.length)) as Record<
        string,
        unknown
      >;
      // OpenAI's own error event passes as it sent it; a stream that broke
      // otherwise ends with ours.
      expect(event, mode).toMatchObject({
        type: 'error',
        code: mode === 'midstream-error' ? 'server_error' : 'UPSTREAM_ERROR',
        reason: 'STREAM_BROKEN',
        param: null,
      });
      expect(typeof event.sequence_number).toBe('number');
      // Never the provider's broken bytes, nor a second error.
      expect(text.match(/event: error/g)).toHaveLength(1);
    }

    await resetFakes();
    await scriptFake({ host: 'api.openai.com', mode: 'midstream-error' });
    const stream = await openAiClient(key.secret).responses.create({
      model: 'gpt-4o',
      input: 'a broken stream for the SDK',
      stream: true,
    });
    const error = await (async () => {
      for await (const event of stream) void event;
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('server_error');
    expect((error as Error).message).toMatch(/The server had an error/);
  });

  it('reaches a compatible server’s /responses for compatible/… models, with no key needed', async () => {
    const key = await keyWithMemory('The user runs a local model at home');
    const response = await openAiClient(key.secret, { 'x-provider-key': '' }).responses.create({
      model: 'compatible/llama3.2',
      input: 'hello, local model',
    });
    expect(response.output_text).toBe('Fake llm.local.test heard: hello, local model');
    const [call] = await upstreamCalls('llm.local.test');
    expect(call!.path).toBe('/v1/responses');
    expect(call!.body.model).toBe('llama3.2');
    expect(call!.body.instructions).toContain('"The user runs a local model at home"');
  });

  it('reaches OpenRouter’s Responses API for openrouter/… models', async () => {
    const key = await keyWithMemory('The user reaches open models through openrouter');
    const response = await openAiClient(key.secret, {
      'x-provider-key': 'sk-or-test',
    }).responses.create({
      model: 'openrouter/meta-llama/llama-3.3-70b',
      input: 'hello from openrouter',
    });
    expect(response.output_text).toBe('Fake openrouter.ai heard: hello from openrouter');
    const [call] = await upstreamCalls('openrouter.ai');
    expect(call!.path).toBe('/api/v1/responses');
    expect(call!.body.model).toBe('meta-llama/llama-3.3-70b');
    expect(call!.body.instructions).toContain('"The user reaches open models through openrouter"');
  });
});
