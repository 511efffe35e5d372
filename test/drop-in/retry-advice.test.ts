import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { beforeEach, describe, expect, it } from 'vitest';
import { resetFakes, scriptFake } from '../helpers/fakes';
import { BASE_URL, workerFetch } from '../helpers/graphql';
import { errorOf, keyWithMemory, postJson, upstreamCalls } from '../helpers/drop-in';

// The official SDKs retry 408/409/429/5xx twice unless the answer says
// `x-should-retry: false`. Our 504 TIMEOUT comes after UPSTREAM_TIMEOUT_MS
// (10 minutes by default): retried, it cost the caller three times that and
// three provider bills. A provider's own 429/5xx keeps its retry semantics.

/** The SDKs as an app uses them: their default retries (2), not the helpers' maxRetries: 0. */
const openai = (secret: string, providerKey = 'sk-test-openai') =>
  new OpenAI({
    apiKey: secret,
    baseURL: `${BASE_URL}/v1`,
    fetch: workerFetch,
    defaultHeaders: { 'x-provider-key': providerKey },
  });
const anthropic = (secret: string, providerKey = 'sk-ant-test') =>
  new Anthropic({
    apiKey: secret,
    baseURL: BASE_URL,
    fetch: workerFetch,
    defaultHeaders: { 'x-provider-key': providerKey },
  });

const asked = [{ role: 'user' as const, content: 'where do I live?' }];

describe('x-should-retry on MemoryRouter’s own errors', () => {
  beforeEach(resetFakes);

  it('the openai and Anthropic SDKs do not resend a call that timed out (504 TIMEOUT)', async () => {
    const { secret } = await keyWithMemory();
    // Only the first call hangs: a resent one would be answered at once.
    await scriptFake({ host: 'api.openai.com', mode: 'hang' });
    await scriptFake({ host: 'api.anthropic.com', mode: 'hang' });
    const [openaiError, anthropicError] = await Promise.all([
      errorOf(() => openai(secret).chat.completions.create({ model: 'gpt-4o', messages: asked })),
      errorOf(() =>
        anthropic(secret).messages.create({
          model: 'claude-sonnet-5-5',
          max_tokens: 64,
          messages: asked,
        }),
      ),
    ]);
    expect(openaiError).toBeInstanceOf(OpenAI.APIError);
    expect(openaiError).toMatchObject({ status: 504 });
    expect(
      (openaiError as InstanceType<typeof OpenAI.APIError>).headers?.get('x-should-retry'),
    ).toBe('false');
    expect(anthropicError).toBeInstanceOf(Anthropic.APIError);
    expect(anthropicError).toMatchObject({ status: 504 });
    expect(await upstreamCalls('api.openai.com')).toHaveLength(1);
    expect(await upstreamCalls('api.anthropic.com')).toHaveLength(1);
  });

  it('a provider’s own 429 keeps its headers and its retries, beside a timeout that is not retried', async () => {
    const { secret } = await keyWithMemory();
    await scriptFake({ host: 'api.openai.com', mode: 'hang' });
    const timedOut = await errorOf(() =>
      openai(secret).chat.completions.create({ model: 'gpt-4o', messages: asked }),
    );
    expect(timedOut).toMatchObject({ status: 504 });
    await resetFakes();
    const limited = {
      host: 'api.openai.com',
      status: 429,
      headers: { 'retry-after-ms': '10', 'x-ratelimit-remaining-requests': '0' },
    };
    await scriptFake(limited);
    const response = await postJson(
      '/v1/chat/completions',
      { model: 'gpt-4o', messages: asked },
      { authorization: `Bearer ${secret}`, 'x-provider-key': 'sk-test-openai' },
    );
    expect(response.status).toBe(429);
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(response.headers.has('x-should-retry')).toBe(false);
    await scriptFake(limited);
    const completion = await openai(secret).chat.completions.create({
      model: 'gpt-4o',
      messages: asked,
    });
    expect(completion.choices[0]!.message.content).toBeTruthy();
    // The refused call above, then the SDK's call and its retry.
    expect(await upstreamCalls('api.openai.com')).toHaveLength(3);
  });

  it('the openai and Anthropic SDKs do not resend an answer that broke after the provider took the call (502 STREAM_BROKEN)', async () => {
    const { secret } = await keyWithMemory();
    // Only the first call breaks: a resent one would be answered whole, and
    // billed a second time by the provider and by the memory meter.
    await scriptFake({ host: 'api.openai.com', mode: 'cut' });
    await scriptFake({ host: 'api.anthropic.com', mode: 'cut' });
    const [openaiError, anthropicError] = await Promise.all([
      errorOf(() => openai(secret).chat.completions.create({ model: 'gpt-4o', messages: asked })),
      errorOf(() =>
        anthropic(secret).messages.create({
          model: 'claude-sonnet-5-5',
          max_tokens: 64,
          messages: asked,
        }),
      ),
    ]);
    for (const [error, SdkError] of [
      [openaiError, OpenAI.APIError],
      [anthropicError, Anthropic.APIError],
    ] as const) {
      expect(error).toBeInstanceOf(SdkError);
      expect(error).toMatchObject({ status: 502 });
      expect(JSON.stringify((error as { error?: unknown }).error)).toContain('STREAM_BROKEN');
      expect((error as { headers?: Headers }).headers?.get('x-should-retry')).toBe('false');
    }
    expect(await upstreamCalls('api.openai.com')).toHaveLength(1);
    expect(await upstreamCalls('api.anthropic.com')).toHaveLength(1);
  });

  it('a translated call whose provider stream broke with its own error event is not resent either (review 256 F1)', async () => {
    const { secret } = await keyWithMemory();
    // OpenAI's SDK calling a Claude model, and Anthropic's calling an OpenAI
    // one: the provider accepted the call (200), then sent an error event
    // (Anthropic's overloaded_error, OpenAI's `{"error": …}` chunk). The 502
    // is ours, so is the advice: each resend would be billed again.
    await scriptFake({ host: 'api.anthropic.com', mode: 'midstream-error' });
    await scriptFake({ host: 'api.openai.com', mode: 'midstream-error' });
    const [openaiError, anthropicError] = await Promise.all([
      errorOf(() =>
        openai(secret, 'sk-ant-test').chat.completions.create({
          model: 'anthropic/claude-sonnet-5-5',
          messages: asked,
        }),
      ),
      errorOf(() =>
        anthropic(secret, 'sk-test-openai').messages.create({
          model: 'openai/gpt-4o',
          max_tokens: 64,
          messages: asked,
        }),
      ),
    ]);
    for (const error of [openaiError, anthropicError]) {
      expect(error).toMatchObject({ status: 502 });
      expect(JSON.stringify((error as { error?: unknown }).error)).toContain('STREAM_BROKEN');
      expect((error as { headers?: Headers }).headers?.get('x-should-retry')).toBe('false');
    }
    expect(await upstreamCalls('api.anthropic.com')).toHaveLength(1);
    expect(await upstreamCalls('api.openai.com')).toHaveLength(1);
  });

  it('says true where a retry may pass (unreachable), false where it cannot (a refusal)', async () => {
    const { secret } = await keyWithMemory();
    const call = (headers: Record<string, string> = {}) =>
      postJson(
        '/v1/messages',
        { model: 'claude-sonnet-5-5', max_tokens: 64, messages: asked },
        { 'x-api-key': secret, 'x-provider-key': 'sk-ant-test', ...headers },
      );
    await scriptFake({ host: 'api.anthropic.com', mode: 'unreachable' });
    const unreachable = await call();
    expect(unreachable.status).toBe(502);
    expect(unreachable.headers.get('x-should-retry')).toBe('true');
    const refused = await call({ 'x-api-key': 'mk_not-a-key' });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('x-should-retry')).toBe('false');
  });
});
