import { APIError as AnthropicError } from '@anthropic-ai/sdk';
import { beforeEach, describe, expect, it } from 'vitest';
import { resetFakes, scriptFake } from '../helpers/fakes';
import {
  anthropicClient,
  errorOf,
  keyWithMemory,
  postJson,
  sessionMemories,
  usageTokens,
} from '../helpers/drop-in';
import { settleWorkerTasks } from '../helpers/worker-tasks';

// A streamed call whose provider answers HTTP 200 with a JSON *error* body of
// its format (outside review 268 F1, F2) is the provider's refusal, as on the
// unstreamed path: its code as the status, its body kept, reason
// PROVIDER_4XX/5XX, not metered, and the retry advice of an error whose
// status is ours. It used to be answered 502 STREAM_BROKEN "ignored stream",
// x-should-retry false, with the injected memory billed.

const ASKED = 'where do I live?';
const messages = [{ role: 'user' as const, content: ASKED }];

type Key = Awaited<ReturnType<typeof keyWithMemory>>;

const openRouterError = {
  code: 429,
  message: 'Rate limited upstream',
  metadata: { provider_name: 'Together', raw: 'x' },
};

const googleQuotaError = {
  code: 429,
  message: 'You exceeded your current quota. Please retry in 37.5s.',
  status: 'RESOURCE_EXHAUSTED',
  details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '37.5s' }],
};

const ourGoogleReason = (reason: string) => ({
  '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
  reason,
  domain: 'memoryrouter',
  metadata: { code: 'UPSTREAM_ERROR' },
});

const openRouterChat = (key: Key, extra: Record<string, unknown>, session = 'none') =>
  postJson(
    '/v1/chat/completions',
    { model: 'openrouter/openai/gpt-4o', messages, ...extra },
    {
      authorization: `Bearer ${key.secret}`,
      'x-provider-key': 'sk-or-test',
      'x-session-id': session,
    },
  );

const geminiChat = (key: Key, method: string) =>
  postJson(
    `/v1beta/models/gemini-2.5-flash:${method}`,
    { contents: [{ role: 'user', parts: [{ text: ASKED }] }] },
    { 'x-goog-api-key': key.secret, 'x-provider-key': 'AIza-test' },
  );

/**
 * Shows the key's memory is injected and metered on a streamed call that the
 * provider accepted (a JSON answer that is no error: STREAM_BROKEN, billed),
 * so that "nothing billed" above it is the refusal's doing.
 */
async function meteredWhenAccepted(key: Key, host: string, send: () => Promise<Response>) {
  const before = await usageTokens(key);
  await scriptFake({ host, mode: 'json-body' });
  const accepted = await send();
  expect(accepted.status).toBe(502);
  expect(await accepted.text()).toContain('STREAM_BROKEN');
  await settleWorkerTasks();
  expect(await usageTokens(key)).toBeGreaterThan(before);
}

describe('a streamed call answered HTTP 200 with the provider’s error body', () => {
  beforeEach(resetFakes);

  it('OpenRouter (`stream: true`): its code, its body whole, retry advice, nothing billed or stored', async () => {
    const key = await keyWithMemory();
    const before = await usageTokens(key);
    await scriptFake({
      host: 'openrouter.ai',
      status: 200,
      body: { error: openRouterError, user_id: 'u' },
      headers: { 'x-request-id': 'gen-or-9', 'x-ratelimit-remaining': '0' },
    });
    const response = await openRouterChat(key, { stream: true }, 'or-streamed-429');
    expect(response.status).toBe(429);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('x-should-retry')).toBe('true');
    expect(response.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(response.headers.get('x-request-id')).toBe('gen-or-9');
    expect(await response.json()).toEqual({
      error: { ...openRouterError, reason: 'PROVIDER_4XX' },
      user_id: 'u',
    });
    await settleWorkerTasks();
    expect(await usageTokens(key)).toBe(before);
    expect(await sessionMemories(key, 'or-streamed-429')).toEqual([]);
    await meteredWhenAccepted(key, 'openrouter.ai', () => openRouterChat(key, { stream: true }));
  });

  it('OpenRouter’s 503 says retry, its 400 does not; a code that is no status answers 502', async () => {
    const key = await keyWithMemory();
    const cases: [unknown, number, string, string][] = [
      [503, 503, 'PROVIDER_5XX', 'true'],
      [400, 400, 'PROVIDER_4XX', 'false'],
      ['model_error', 502, 'PROVIDER_5XX', 'true'],
    ];
    for (const [code, status, reason, retry] of cases) {
      const error = { code, message: 'upstream said no' };
      await scriptFake({ host: 'openrouter.ai', status: 200, body: { error } });
      const response = await openRouterChat(key, { stream: true });
      expect(response.status, String(code)).toBe(status);
      expect(response.headers.get('x-should-retry'), String(code)).toBe(retry);
      expect(await response.json()).toEqual({ error: { ...error, reason } });
    }
  });

  it('Gemini (`:streamGenerateContent`, with and without `alt=sse`): Google’s 429 with its RetryInfo as Retry-After, nothing billed', async () => {
    const key = await keyWithMemory();
    const before = await usageTokens(key);
    for (const method of ['streamGenerateContent?alt=sse', 'streamGenerateContent']) {
      await scriptFake({
        host: 'generativelanguage.googleapis.com',
        status: 200,
        body: { error: googleQuotaError },
      });
      const response = await geminiChat(key, method);
      expect(response.status, method).toBe(429);
      expect(response.headers.get('content-type'), method).toMatch(/^application\/json/);
      expect(response.headers.get('x-should-retry'), method).toBe('true');
      expect(response.headers.get('retry-after'), method).toBe('38');
      expect(await response.json(), method).toEqual({
        error: {
          ...googleQuotaError,
          details: [...googleQuotaError.details, ourGoogleReason('PROVIDER_4XX')],
        },
      });
    }
    await settleWorkerTasks();
    expect(await usageTokens(key)).toBe(before);
    await meteredWhenAccepted(key, 'generativelanguage.googleapis.com', () =>
      geminiChat(key, 'streamGenerateContent?alt=sse'),
    );
  });

  it('Anthropic (`stream: true` and not): its error type’s status, the SDK raises it, nothing billed', async () => {
    const key = await keyWithMemory();
    const before = await usageTokens(key);
    const overloaded = {
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
    };
    for (const stream of [true, false]) {
      await scriptFake({ host: 'api.anthropic.com', status: 200, body: overloaded });
      const error = await errorOf(async () => {
        const client = anthropicClient(key.secret);
        if (!stream) {
          await client.messages.create({ model: 'claude-sonnet-4', max_tokens: 100, messages });
          return;
        }
        await client.messages
          .stream({ model: 'claude-sonnet-4', max_tokens: 100, messages })
          .finalMessage();
      });
      expect(error, String(stream)).toBeInstanceOf(AnthropicError);
      const apiError = error as AnthropicError;
      expect(apiError.status, String(stream)).toBe(529);
      expect(apiError.error, String(stream)).toMatchObject({
        type: 'error',
        error: { type: 'overloaded_error', message: 'Overloaded', reason: 'PROVIDER_5XX' },
      });
      expect(apiError.headers?.get('x-should-retry'), String(stream)).toBe('true');
    }
    await settleWorkerTasks();
    expect(await usageTokens(key)).toBe(before);
  });

  it('GraphQL chat and a translated route: PROVIDER_4XX with its status, nothing billed', async () => {
    const key = await keyWithMemory();
    const before = await usageTokens(key);
    await scriptFake({ host: 'openrouter.ai', status: 200, body: { error: openRouterError } });
    const graphql = (await (
      await postJson(
        '/graphql',
        {
          query: `mutation { chat(input: { model: "openrouter/openai/gpt-4o", messages: [{ role: USER, content: "${ASKED}" }] }) { content } }`,
        },
        { authorization: `Bearer ${key.secret}`, 'x-provider-key': 'sk-or-test' },
      )
    ).json()) as { errors?: { extensions?: Record<string, unknown> }[] };
    expect(graphql.errors?.[0]?.extensions).toMatchObject({
      code: 'UPSTREAM_ERROR',
      reason: 'PROVIDER_4XX',
      status: 429,
    });

    // Gemini's error on OpenAI's route (translated): our shape, its status and wait.
    await scriptFake({
      host: 'generativelanguage.googleapis.com',
      status: 200,
      body: { error: googleQuotaError },
    });
    const translated = await postJson(
      '/v1/chat/completions',
      { model: 'google/gemini-2.5-flash', stream: true, messages },
      { authorization: `Bearer ${key.secret}`, 'x-provider-key': 'AIza-test' },
    );
    expect(translated.status).toBe(429);
    expect(translated.headers.get('x-should-retry')).toBe('true');
    expect(translated.headers.get('retry-after')).toBe('38');
    expect(await translated.json()).toMatchObject({
      error: { code: 'UPSTREAM_ERROR', reason: 'PROVIDER_4XX' },
    });
    await settleWorkerTasks();
    expect(await usageTokens(key)).toBe(before);
  });
});
