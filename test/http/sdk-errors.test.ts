import { env } from 'cloudflare:workers';
import Anthropic from '@anthropic-ai/sdk';
import { ApiError, GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetFakes } from '../helpers/fakes';
import { BASE_URL, newKey, workerFetch } from '../helpers/graphql';
import { anthropicClient, upstreamCalls } from '../helpers/drop-in';

const PROVIDER_HOSTS = ['api.openai.com', 'api.anthropic.com', 'generativelanguage.googleapis.com'];

/**
 * The providers' official SDKs, pointed at MemoryRouter, raise their own
 * typed errors for what the HTTP layer refuses, carrying our message: a key
 * that is not valid, a body over the limit, a suspended account.
 */

/** Over the drop-in routes' body limit (MAX_DROP_IN_REQUEST_BYTES, larger than MAX_REQUEST_BYTES). */
const padding = () => 'x'.repeat(Number(env.MAX_DROP_IN_REQUEST_BYTES));

const openai = (apiKey: string) =>
  new OpenAI({
    apiKey,
    baseURL: `${BASE_URL}/v1`,
    fetch: workerFetch,
    maxRetries: 0,
    defaultHeaders: { 'x-provider-key': 'sk-test' },
  });

const anthropic = (apiKey: string) => anthropicClient(apiKey);

const gemini = (apiKey: string) =>
  new GoogleGenAI({
    apiKey,
    httpOptions: { baseUrl: BASE_URL, fetch: workerFetch, headers: { 'x-provider-key': 'AIza' } },
  });

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error as Error & { status?: number },
  );

describe('the official SDKs raise their typed errors with our message', () => {
  let secret: string;
  let suspendedSecret: string;
  beforeAll(async () => {
    secret = (await newKey()).secret;
    const suspended = await newKey();
    suspendedSecret = suspended.secret;
    await env.ACCOUNT.get(
      env.ACCOUNT.idFromName(`account:${suspended.accountId}`),
    ).applyBillingEvent(`evt_${suspended.accountId}`, Math.floor(Date.now() / 1000), 'suspended');
  });
  beforeEach(resetFakes);
  // A refused request never reaches a provider.
  afterEach(async () => {
    for (const host of PROVIDER_HOSTS) expect(await upstreamCalls(host), host).toEqual([]);
  });

  it('openai', async () => {
    const chat = (key: string, content = 'hi') =>
      openai(key).chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content }],
      });
    const badKey = await failure(chat('mk_not.a-key'));
    expect(badKey).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(badKey.message).toContain('malformed memory key');

    const tooLarge = await failure(chat(secret, padding()));
    expect(tooLarge).toBeInstanceOf(OpenAI.APIError);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.message).toContain('larger than the limit');

    const suspended = await failure(chat(suspendedSecret));
    expect(suspended.status).toBe(402);
    expect(suspended.message).toContain('suspended for billing');

    const noModel = await failure(
      openai(secret).chat.completions.create({
        model: '',
        messages: [{ role: 'user', content: 'hi' }],
      }),
    );
    expect(noModel).toBeInstanceOf(OpenAI.BadRequestError);
    expect(noModel.message).toContain('`model` is required');
  });

  it('@anthropic-ai/sdk', async () => {
    const message = (key: string, content = 'hi') =>
      anthropic(key).messages.create({
        model: 'claude-sonnet-4',
        max_tokens: 10,
        messages: [{ role: 'user', content }],
      });
    const badKey = await failure(message('mk_not.a-key'));
    expect(badKey).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(badKey.message).toContain('malformed memory key');

    const tooLarge = await failure(message(secret, padding()));
    expect(tooLarge).toBeInstanceOf(Anthropic.APIError);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.message).toContain('larger than the limit');

    const suspended = await failure(message(suspendedSecret));
    expect(suspended.status).toBe(402);
    expect(suspended.message).toContain('suspended for billing');
  });

  it('@google/genai', async () => {
    const generate = (key: string, text = 'hi') =>
      gemini(key).models.generateContent({
        model: 'gemini-2.5-flash',
        contents: [{ role: 'user', parts: [{ text }] }],
      });
    const badKey = await failure(generate('mk_not.a-key'));
    expect(badKey).toBeInstanceOf(ApiError);
    expect(badKey.status).toBe(401);
    expect(badKey.message).toContain('malformed memory key');

    const tooLarge = await failure(generate(secret, padding()));
    expect(tooLarge).toBeInstanceOf(ApiError);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.message).toContain('larger than the limit');

    const suspended = await failure(generate(suspendedSecret));
    expect(suspended).toBeInstanceOf(ApiError);
    expect(suspended.status).toBe(402);
    expect(suspended.message).toContain('suspended for billing');
  });
});
