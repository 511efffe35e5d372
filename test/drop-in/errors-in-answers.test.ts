import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetFakes, scriptFake } from '../helpers/fakes';
import { postJson, sessionMemories, usageTokens } from '../helpers/drop-in';
import { StoreMemoryDocument } from '../generated/graphql';
import { newKey } from '../helpers/graphql';
import { settleWorkerTasks } from '../helpers/worker-tasks';

// A provider's error sent after (or as) a 200 is the provider's error: a
// non-streamed one keeps its body and its code as the status; a streamed one
// ends the stream as an error and stores nothing (review 212 F4, F5).

type Key = Awaited<ReturnType<typeof newKey>>;
const ASKED = 'What is my favourite colour?';

const chat = (key: Key, model: string, extra: Record<string, unknown> = {}, session = 'none') =>
  postJson(
    '/v1/chat/completions',
    { model, messages: [{ role: 'user', content: ASKED }], ...extra },
    {
      authorization: `Bearer ${key.secret}`,
      'x-provider-key': 'sk-or-test',
      'x-session-id': session,
    },
  );

describe('OpenRouter’s error in a 200 body (a non-streamed call)', () => {
  let key: Key;
  beforeAll(async () => {
    key = await newKey();
  });
  beforeEach(resetFakes);

  it('comes back in OpenAI’s shape with OpenRouter’s code as the status and its metadata', async () => {
    const error = {
      code: 429,
      message: 'Rate limit exceeded upstream',
      metadata: { provider_name: 'Anthropic', raw: 'overloaded' },
    };
    await scriptFake({ host: 'openrouter.ai', status: 200, body: { error, user_id: 'u' } });
    const response = await chat(key, 'openrouter/anthropic/claude-sonnet-4-5', {}, 'or-429');
    expect(response.status).toBe(429);
    expect(await response.json()).toEqual({
      error: { ...error, reason: 'PROVIDER_4XX' },
      user_id: 'u',
    });
    await settleWorkerTasks();
    expect(await sessionMemories(key, 'or-429')).toEqual([]);
  });

  it('is not metered: a call answered as refused bills no memory, however often an SDK retries it (review 256 F10)', async () => {
    const fresh = await newKey();
    await fresh.api.request(StoreMemoryDocument, {
      input: { content: 'My favourite colour is teal' },
    });
    await settleWorkerTasks();
    const before = await usageTokens(fresh);
    await scriptFake({
      host: 'openrouter.ai',
      status: 200,
      body: { error: { code: 429, message: 'Provider returned error: rate limited upstream' } },
    });
    const refused = await chat(fresh, 'openrouter/anthropic/claude-sonnet-4-5');
    expect(refused.status).toBe(429);
    await settleWorkerTasks();
    expect(await usageTokens(fresh)).toBe(before);
    // The same call answered whole is metered, as before (its injected
    // memory, and the turn it stores).
    await resetFakes();
    const answered = await chat(fresh, 'openrouter/anthropic/claude-sonnet-4-5');
    expect(answered.status).toBe(200);
    expect(Number(answered.headers.get('x-memory-tokens'))).toBeGreaterThan(0);
    await settleWorkerTasks();
    expect(await usageTokens(fresh)).toBeGreaterThanOrEqual(
      before + Number(answered.headers.get('x-memory-tokens')),
    );
  });

  it('passes on OpenRouter’s response headers (rate limits, request id), as every provider error does', async () => {
    const error = { code: 429, message: 'Rate limit exceeded upstream' };
    const headers = {
      'x-ratelimit-limit': '20',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': '1764288000000',
      'x-request-id': 'gen-or-123',
      'retry-after': '7',
    };
    await scriptFake({ host: 'openrouter.ai', status: 200, body: { error }, headers });
    const response = await chat(key, 'openrouter/anthropic/claude-sonnet-4-5');
    expect(response.status).toBe(429);
    for (const [name, value] of Object.entries(headers))
      expect(response.headers.get(name), name).toBe(value);
    expect(response.headers.get('content-type')).toBe('application/json');
  });

  it('says whether to retry, as for any error of ours: its status is ours (review 268 F2)', async () => {
    for (const [code, retry] of [
      [429, 'true'],
      [503, 'true'],
      [400, 'false'],
      ['model_error', 'true'],
    ] as const) {
      await scriptFake({
        host: 'openrouter.ai',
        status: 200,
        body: { error: { code, message: 'upstream said no' } },
      });
      const response = await chat(key, 'openrouter/anthropic/claude-sonnet-4-5');
      expect(response.headers.get('x-should-retry'), String(code)).toBe(retry);
    }
  });

  it('a code that is no HTTP status answers 502, the body still kept', async () => {
    const error = { code: 'model_error', message: 'The model produced invalid output' };
    await scriptFake({ host: 'openrouter.ai', status: 200, body: { error } });
    const response = await chat(key, 'openrouter/meta-llama/llama-3.3-70b');
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({ error: { ...error, reason: 'PROVIDER_5XX' } });
  });
});

describe('a compatible server’s error event mid-stream', () => {
  let key: Key;
  beforeAll(async () => {
    key = await newKey();
  });
  beforeEach(resetFakes);

  const shapes = [
    [
      'vLLM’s {"object": "error"}',
      {
        object: 'error',
        message: 'engine died',
        type: 'InternalServerError',
        param: null,
        code: 500,
      },
    ],
    ['OpenAI’s {"error": …}', { error: { message: 'engine died', type: 'server_error' } }],
  ] as const;

  for (const [index, [name, errorEvent]] of shapes.entries()) {
    it(`${name} ends the stream as STREAM_BROKEN and stores nothing of the partial answer`, async () => {
      const session = `compat-broken-${index}`;
      await scriptFake({ host: 'llm.local.test', mode: 'midstream-error', errorEvent });
      const response = await chat(key, 'compatible/llama3', { stream: true }, session);
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(text).toContain('"reason":"STREAM_BROKEN"');
      expect(text).toContain('engine died');
      await settleWorkerTasks();
      expect(await sessionMemories(key, session)).toEqual([]);
    });
  }
});
