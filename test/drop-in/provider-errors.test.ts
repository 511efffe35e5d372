import Anthropic from '@anthropic-ai/sdk';
import { ApiError, GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { beforeEach, describe, expect, it } from 'vitest';
import { resetFakes, scriptFake } from '../helpers/fakes';
import { BASE_URL, workerFetch } from '../helpers/graphql';
import { postChat } from '../helpers/graphql-chat';
import { anthropicClient, keyWithMemory, openAiClient } from '../helpers/drop-in';

/**
 * A provider's own error reaches a drop-in client as the provider sent it
 * (status, type, code, param, details, message, rate-limit headers), so the
 * official SDKs raise the error they would raise calling the provider
 * directly; MemoryRouter's `reason` rides beside those fields. GraphQL
 * reports the provider's code and status in `extensions`.
 */

const CONTEXT_TOO_LONG = {
  error: {
    message: "This model's maximum context length is 128000 tokens.",
    type: 'invalid_request_error',
    param: 'messages',
    code: 'context_length_exceeded',
  },
};

const anthropic = (secret: string) => anthropicClient(secret);

const gemini = (secret: string, providerKey = 'AIza-test') =>
  new GoogleGenAI({
    apiKey: secret,
    httpOptions: {
      baseUrl: BASE_URL,
      fetch: workerFetch,
      headers: { 'x-provider-key': providerKey },
    },
  });

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );

const ask = [{ role: 'user' as const, content: 'where do I live?' }];

describe('a provider’s own error, through the official SDKs', () => {
  beforeEach(resetFakes);

  it('openai: context_length_exceeded keeps its status, type, code, param and message (with the memory added after it)', async () => {
    const { secret } = await keyWithMemory();
    await scriptFake({ host: 'api.openai.com', status: 400, body: CONTEXT_TOO_LONG });
    const error = await failure(
      openAiClient(secret).chat.completions.create({ model: 'gpt-4o', messages: ask }),
    );
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const refused = error as InstanceType<typeof OpenAI.BadRequestError>;
    expect(refused.status).toBe(400);
    expect(refused.code).toBe('context_length_exceeded');
    expect(refused.param).toBe('messages');
    expect(refused.type).toBe('invalid_request_error');
    // The provider's words first, then the memory MemoryRouter added (review 256 F7).
    expect(refused.message).toMatch(
      /^400 This model's maximum context length is 128000 tokens\. \(MemoryRouter added \d+ memory tokens/,
    );
    expect(refused.error).toMatchObject({ reason: 'PROVIDER_4XX' });
  });

  it('openai: a 429 keeps rate_limit_exceeded and every rate-limit header', async () => {
    const { secret } = await keyWithMemory();
    await scriptFake({
      host: 'api.openai.com',
      status: 429,
      body: {
        error: {
          message: 'Rate limit reached for gpt-4o',
          type: 'requests',
          param: null,
          code: 'rate_limit_exceeded',
        },
      },
      headers: {
        'retry-after': '17',
        'x-ratelimit-remaining-requests': '0',
        'x-ratelimit-reset-requests': '17s',
      },
    });
    const error = (await failure(
      openAiClient(secret).chat.completions.create({ model: 'gpt-4o', messages: ask }),
    )) as InstanceType<typeof OpenAI.RateLimitError>;
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error.code).toBe('rate_limit_exceeded');
    expect(error.type).toBe('requests');
    expect(error.headers?.get('retry-after')).toBe('17');
    expect(error.headers?.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(error.headers?.get('x-ratelimit-reset-requests')).toBe('17s');
    expect(error.requestID).toMatch(/^req_fake/);
  });

  it('openai: a bad provider key is invalid_api_key, the key never echoed', async () => {
    const { secret } = await keyWithMemory();
    await scriptFake({
      host: 'api.openai.com',
      status: 401,
      body: {
        error: {
          message: 'Incorrect API key provided: sk-test-openai. You can find your API key at …',
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_api_key',
        },
      },
    });
    const error = (await failure(
      openAiClient(secret).chat.completions.create({ model: 'gpt-4o', messages: ask }),
    )) as InstanceType<typeof OpenAI.AuthenticationError>;
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error.code).toBe('invalid_api_key');
    expect(error.message).not.toContain('sk-test-openai');
    expect(error.message).toContain('Incorrect API key provided: [redacted]');
  });

  it('openai Responses API: invalid_value keeps its param', async () => {
    const { secret } = await keyWithMemory();
    await scriptFake({
      host: 'api.openai.com',
      status: 400,
      body: {
        error: {
          message: "Invalid value for 'text.format'",
          type: 'invalid_request_error',
          param: 'text.format',
          code: 'invalid_value',
        },
      },
    });
    const error = (await failure(
      openAiClient(secret).responses.create({ model: 'gpt-4o', input: 'hi' }),
    )) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect([error.code, error.param]).toEqual(['invalid_value', 'text.format']);
  });

  it('openai: the provider’s error chunk in a stream comes through as it sent it', async () => {
    const { secret } = await keyWithMemory();
    await scriptFake({ host: 'api.openai.com', mode: 'midstream-error' });
    const stream = await openAiClient(secret).chat.completions.create({
      model: 'gpt-4o',
      messages: ask,
      stream: true,
    });
    const error = (await failure(
      (async () => {
        for await (const chunk of stream) void chunk;
      })(),
    )) as InstanceType<typeof OpenAI.APIError>;
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error.type).toBe('server_error');
    expect(error.code).toBeNull();
    expect(error.error).toMatchObject({ reason: 'STREAM_BROKEN' });
  });

  it('anthropic: a 529 stays 529 overloaded_error; a 429 keeps anthropic-ratelimit-* headers', async () => {
    const { secret } = await keyWithMemory();
    const create = () =>
      anthropic(secret).messages.create({
        model: 'claude-sonnet-4',
        max_tokens: 50,
        messages: ask,
      });
    await scriptFake({
      host: 'api.anthropic.com',
      status: 529,
      body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    });
    const overloaded = (await failure(create())) as InstanceType<typeof Anthropic.APIError>;
    expect(overloaded).toBeInstanceOf(Anthropic.InternalServerError);
    expect(overloaded.status).toBe(529);
    expect(overloaded.error).toMatchObject({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded', reason: 'PROVIDER_5XX' },
    });

    await scriptFake({
      host: 'api.anthropic.com',
      status: 429,
      headers: {
        'retry-after': '17',
        'anthropic-ratelimit-requests-remaining': '0',
        'anthropic-ratelimit-requests-reset': '2026-11-26T14:00:00Z',
      },
    });
    const limited = (await failure(create())) as InstanceType<typeof Anthropic.RateLimitError>;
    expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
    expect(limited.error).toMatchObject({ error: { type: 'rate_limit_error' } });
    expect(limited.headers?.get('anthropic-ratelimit-requests-remaining')).toBe('0');
    expect(limited.headers?.get('anthropic-ratelimit-requests-reset')).toBe('2026-11-26T14:00:00Z');
    expect(limited.headers?.get('retry-after')).toBe('17');
    expect(limited.requestID).toMatch(/^req_fake/);
  });

  it('anthropic: an overloaded_error event mid-stream stays overloaded_error', async () => {
    const { secret } = await keyWithMemory();
    await scriptFake({ host: 'api.anthropic.com', mode: 'midstream-error' });
    const stream = anthropic(secret).messages.stream({
      model: 'claude-sonnet-4',
      max_tokens: 50,
      messages: ask,
    });
    const error = (await failure(stream.finalMessage())) as InstanceType<typeof Anthropic.APIError>;
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(error.error).toMatchObject({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded', reason: 'STREAM_BROKEN' },
    });
  });

  it('google: the provider’s details stay, our ErrorInfo is added beside them', async () => {
    const { secret } = await keyWithMemory();
    const generate = (providerKey?: string) =>
      gemini(secret, providerKey).models.generateContent({
        model: 'gemini-2.5-flash',
        contents: 'where do I live?',
      });
    const violation = {
      '@type': 'type.googleapis.com/google.rpc.BadRequest',
      fieldViolations: [{ field: 'foo', description: 'unknown' }],
    };
    await scriptFake({
      host: 'generativelanguage.googleapis.com',
      status: 400,
      body: {
        error: {
          code: 400,
          message: 'Invalid JSON payload received. Unknown name "foo"',
          status: 'INVALID_ARGUMENT',
          details: [violation],
        },
      },
    });
    const invalid = (await failure(generate())) as ApiError;
    expect(invalid).toBeInstanceOf(ApiError);
    expect(invalid.status).toBe(400);
    expect(JSON.parse(invalid.message)).toEqual({
      error: {
        code: 400,
        message: 'Invalid JSON payload received. Unknown name "foo"',
        status: 'INVALID_ARGUMENT',
        details: [
          violation,
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'PROVIDER_4XX',
            domain: 'memoryrouter',
            metadata: { code: 'UPSTREAM_ERROR' },
          },
        ],
      },
    });

    // The fake refuses a key that is not Google's, as Google does.
    const badKey = (await failure(generate('not-a-google-key'))) as ApiError;
    const { error } = JSON.parse(badKey.message) as {
      error: { status: string; details: { reason: string; domain: string }[] };
    };
    expect(error.status).toBe('INVALID_ARGUMENT');
    expect(error.details.map((detail) => [detail.domain, detail.reason])).toEqual([
      ['googleapis.com', 'API_KEY_INVALID'],
      ['memoryrouter', 'PROVIDER_4XX'],
    ]);
  });

  it('a body that is not the provider’s error keeps MemoryRouter’s coded shape', async () => {
    const { secret } = await keyWithMemory();
    await scriptFake({ host: 'api.openai.com', status: 502, body: '<html>Bad gateway</html>' });
    const error = (await failure(
      openAiClient(secret).chat.completions.create({ model: 'gpt-4o', messages: ask }),
    )) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(502);
    expect(error.error).toMatchObject({ code: 'UPSTREAM_ERROR', reason: 'PROVIDER_5XX' });
  });

  it('a provider’s error on a route of another format: coded, with the provider’s rate-limit headers', async () => {
    const { secret } = await keyWithMemory();
    await scriptFake({
      host: 'api.anthropic.com',
      status: 429,
      headers: { 'anthropic-ratelimit-requests-remaining': '0', 'retry-after': '5' },
    });
    const error = (await failure(
      openAiClient(secret, { 'x-provider-key': 'sk-ant-test' }).chat.completions.create({
        model: 'claude-sonnet-4',
        messages: ask,
      }),
    )) as InstanceType<typeof OpenAI.RateLimitError>;
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error.error).toMatchObject({ code: 'UPSTREAM_ERROR', reason: 'PROVIDER_4XX' });
    expect(error.headers?.get('anthropic-ratelimit-requests-remaining')).toBe('0');
    expect(error.headers?.get('retry-after')).toBe('5');
  });

  it('GraphQL chat reports the provider’s code, param and status in extensions', async () => {
    const { secret } = await keyWithMemory();
    await scriptFake({ host: 'api.openai.com', status: 400, body: CONTEXT_TOO_LONG });
    const body = await postChat(
      secret,
      'mutation($input: ChatInput!) { chat(input: $input) { content } }',
      { model: 'openai/gpt-4o', messages: [{ role: 'USER', content: 'hello' }] },
    );
    expect(body.errors![0]!.extensions).toMatchObject({
      code: 'UPSTREAM_ERROR',
      reason: 'PROVIDER_4XX',
      providerCode: 'context_length_exceeded',
      providerParam: 'messages',
      providerStatus: 400,
    });
  });
});
