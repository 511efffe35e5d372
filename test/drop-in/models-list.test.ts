import OpenAI from 'openai';
import { beforeEach, describe, expect, it } from 'vitest';
import { resetFakes } from '../helpers/fakes';
import { BASE_URL, newKey, workerFetch } from '../helpers/graphql';

const openai = (secret: string, providerKey = 'sk-test') =>
  new OpenAI({
    apiKey: secret,
    baseURL: `${BASE_URL}/v1`,
    fetch: workerFetch,
    maxRetries: 0,
    defaultHeaders: { 'x-provider-key': providerKey },
  });

/**
 * Where a chat with each provider's models lands (the fakes answer "Fake
 * {host} heard: …"), and a provider key of the form that provider's fake takes.
 */
const PROVIDERS: Record<string, { host: string; key: string }> = {
  openai: { host: 'api.openai.com', key: 'sk-test' },
  anthropic: { host: 'api.anthropic.com', key: 'sk-ant-test' },
  google: { host: 'generativelanguage.googleapis.com', key: 'AIza-test' },
  openrouter: { host: 'openrouter.ai', key: 'sk-or-test' },
};

describe('GET /v1/models, as OpenAI-compatible tools call it', () => {
  beforeEach(resetFakes);

  it("lists, in OpenAI's shape, model names that a chat completion then routes to their provider", async () => {
    const { secret } = await newKey();
    const models = [];
    for await (const model of openai(secret).models.list()) models.push(model);

    expect(models.map((model) => model.id)).toEqual(
      expect.arrayContaining([
        'openai/gpt-4o',
        'anthropic/claude-sonnet-4',
        'google/gemini-2.5-flash',
      ]),
    );
    for (const model of models) {
      expect(model.object).toBe('model');
      expect(Number.isInteger(model.created)).toBe(true);
      expect(model.id.startsWith(`${model.owned_by}/`)).toBe(true);
      const provider = PROVIDERS[model.owned_by]!;
      const answer = await openai(secret, provider.key).chat.completions.create({
        model: model.id,
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(answer.choices[0]!.message.content, model.id).toBe(`Fake ${provider.host} heard: hi`);
    }
  });

  it("refuses a request without a valid memory key in OpenAI's error shape", async () => {
    await expect(openai('mk_bad.key').models.list()).rejects.toMatchObject({
      status: 401,
      error: { code: 'UNAUTHENTICATED', reason: 'MALFORMED_CREDENTIAL' },
    });
    const response = await workerFetch(`${BASE_URL}/v1/models`);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'UNAUTHENTICATED',
    );
  });
});
