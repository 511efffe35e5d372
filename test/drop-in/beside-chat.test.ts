import Anthropic from '@anthropic-ai/sdk';
import { ApiError, GoogleGenAI } from '@google/genai';
import { beforeEach, describe, expect, it } from 'vitest';
import { resetFakes } from '../helpers/fakes';
import { BASE_URL, workerFetch } from '../helpers/graphql';
import {
  anthropicClient,
  keyWithMemory,
  openAiClient,
  upstreamCalls,
  usageTokens,
} from '../helpers/drop-in';

const anthropic = (secret: string, providerKey = 'sk-ant-test') =>
  anthropicClient(secret, { 'x-provider-key': providerKey });

const gemini = (secret: string, providerKey = 'AIza-test', apiVersion?: string) =>
  new GoogleGenAI({
    apiKey: secret,
    ...(apiVersion ? { apiVersion } : {}),
    httpOptions: {
      baseUrl: BASE_URL,
      fetch: workerFetch,
      headers: { 'x-provider-key': providerKey },
    },
  });

/** The provider calls of one host, none carrying the memory key nor any memory. */
async function plainCalls(host: string, secret: string) {
  const calls = await upstreamCalls(host);
  for (const call of calls) {
    expect(JSON.stringify(call)).not.toContain(secret);
    expect(call.rawBody).not.toContain('Lisbon');
  }
  return calls;
}

describe('the calls an SDK client makes beside chat, passed through without memory', () => {
  beforeEach(resetFakes);

  it('Anthropic SDK: messages.countTokens, models.list and models.retrieve reach Anthropic, in its shape, unmetered', async () => {
    const key = await keyWithMemory();
    const client = anthropic(key.secret);
    const before = await usageTokens(key);
    const counted = await client.messages.countTokens({
      model: 'claude-sonnet-4',
      system: 'Answer briefly.',
      messages: [{ role: 'user', content: 'where do I live?' }],
    });
    expect(counted.input_tokens).toBeGreaterThan(0);

    const models = [];
    for await (const model of client.models.list()) models.push(model);
    expect(models.map((model) => [model.type, model.id, model.display_name])).toEqual([
      ['model', 'claude-sonnet-4-5-20250929', 'Claude Sonnet 4.5'],
      ['model', 'claude-sonnet-4-20250514', 'Claude Sonnet 4'],
    ]);

    expect(await client.models.retrieve('claude-sonnet-4-20250514')).toMatchObject({
      type: 'model',
      display_name: 'Claude Sonnet 4',
    });

    const calls = await plainCalls('api.anthropic.com', key.secret);
    expect(calls.map((call) => call.path)).toEqual([
      '/v1/messages/count_tokens',
      '/v1/models',
      '/v1/models/claude-sonnet-4-20250514',
    ]);
    for (const call of calls) expect(call.headers['x-api-key']).toBe('sk-ant-test');
    expect(await usageTokens(key)).toBe(before);

    // The provider's refusal, in Anthropic's shape, never quoting the key.
    const refused = await anthropic(key.secret, 'not-an-anthropic-key-9876')
      .messages.countTokens({
        model: 'claude-sonnet-4',
        messages: [{ role: 'user', content: 'hi' }],
      })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((refused as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      type: 'error',
      error: { type: 'authentication_error' },
    });
    expect(JSON.stringify((refused as Error).message)).not.toContain('not-an-anthropic-key-9876');
    // Our own refusals on the path OpenAI's list shares come in Anthropic's shape too.
    const unknownKey = await anthropic('mk_not.a-key')
      .models.list()
      .catch((error: unknown) => error);
    expect(unknownKey).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((unknownKey as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      type: 'error',
      error: { code: 'UNAUTHENTICATED' },
    });
  });

  it('Gemini SDK: countTokens, models.list and models.get reach Google, in its shape, unmetered', async () => {
    const key = await keyWithMemory();
    const ai = gemini(key.secret);
    const before = await usageTokens(key);
    const counted = await ai.models.countTokens({
      model: 'gemini-2.5-flash',
      contents: 'where do I live?',
    });
    expect(counted.totalTokens).toBeGreaterThan(0);

    const names = [];
    for await (const model of await ai.models.list({ config: { pageSize: 1 } }))
      names.push(model.name);
    expect(names).toEqual(['models/gemini-2.5-flash', 'models/gemini-2.5-pro']);

    const model = await ai.models.get({ model: 'gemini-2.5-pro' });
    expect(model).toMatchObject({ name: 'models/gemini-2.5-pro', inputTokenLimit: 1_048_576 });
    const missing = await ai.models
      .get({ model: 'gemini-0-none' })
      .catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(ApiError);
    expect((missing as ApiError).status).toBe(404);

    // The SDK's default API version is v1, on the paths OpenAI's model list
    // shares; the version a client asks for is the one Google gets.
    const beta = [];
    for await (const listed of await gemini(key.secret, 'AIza-test', 'v1beta').models.list())
      beta.push(listed.name);
    expect(beta).toEqual(['models/gemini-2.5-flash', 'models/gemini-2.5-pro']);

    // A REST client's memory key in ?key= stays here; the rest of the query goes on.
    const rest = await workerFetch(`${BASE_URL}/v1beta/models?key=${key.secret}&pageSize=1`, {
      headers: { 'x-provider-key': 'AIza-test' },
    });
    expect(((await rest.json()) as { nextPageToken: string }).nextPageToken).toBe('1');

    // A model's path takes GET and POST, a method's POST only.
    for (const [path, allow] of [
      ['/v1beta/models/gemini-2.5-pro', 'GET, POST'],
      ['/v1beta/models/gemini-2.5-pro:countTokens', 'POST'],
    ]) {
      const put = await workerFetch(`${BASE_URL}${path}`, {
        method: 'PUT',
        headers: { 'x-goog-api-key': key.secret },
      });
      expect([put.status, put.headers.get('allow')]).toEqual([405, allow]);
      expect(await put.json()).toMatchObject({ error: { code: 405, status: 'UNIMPLEMENTED' } });
    }

    const calls = await plainCalls('generativelanguage.googleapis.com', key.secret);
    expect(calls.at(-1)!.path).toBe('/v1beta/models?pageSize=1');
    expect(calls.map((call) => call.path.split('?')[0])).toEqual([
      '/v1/models/gemini-2.5-flash:countTokens',
      '/v1/models',
      '/v1/models',
      '/v1/models/gemini-2.5-pro',
      '/v1/models/gemini-0-none',
      '/v1beta/models',
      '/v1beta/models',
    ]);
    for (const call of calls) expect(call.headers['x-goog-api-key']).toBe('AIza-test');
    expect(await usageTokens(key)).toBe(before);
  });

  it('OpenAI SDK: embeddings.create reaches OpenAI (or OpenRouter), as the SDK decodes them', async () => {
    const key = await keyWithMemory();
    const before = await usageTokens(key);
    const embedded = await openAiClient(key.secret).embeddings.create({
      model: 'text-embedding-3-small',
      input: ['where do I live?', 'hi'],
    });
    expect(embedded.data).toHaveLength(2);
    expect(embedded.data[1]!.embedding).toEqual([0.10000000149011612, 0.5, -0.25]);
    expect(embedded.usage.total_tokens).toBeGreaterThan(0);

    await openAiClient(key.secret, { 'x-provider-key': 'sk-or-test' }).embeddings.create({
      model: 'openrouter/openai/text-embedding-3-small',
      input: 'hi',
    });
    const [openai] = await plainCalls('api.openai.com', key.secret);
    expect(openai!.path).toBe('/v1/embeddings');
    expect(openai!.headers.authorization).toBe('Bearer sk-test-openai');
    const [openrouter] = await plainCalls('openrouter.ai', key.secret);
    expect(openrouter!.path).toBe('/api/v1/embeddings');
    expect(openrouter!.body.model).toBe('openai/text-embedding-3-small');
    expect(await usageTokens(key)).toBe(before);

    await expect(
      openAiClient(key.secret).embeddings.create({ model: 'claude-sonnet-4', input: 'hi' }),
    ).rejects.toMatchObject({ status: 400, error: { code: 'BAD_USER_INPUT', param: 'model' } });
    await expect(
      openAiClient(key.secret, { 'x-provider-key': 'bad-key' }).embeddings.create({
        model: 'text-embedding-3-small',
        input: 'hi',
      }),
    ).rejects.toMatchObject({ status: 401 });
  });

  it('OpenAI SDK: models.retrieve reads the catalog, a model outside it is a 404', async () => {
    const { secret } = await keyWithMemory();
    const client = openAiClient(secret);
    expect(await client.models.retrieve('openai/gpt-4o')).toMatchObject({
      id: 'openai/gpt-4o',
      object: 'model',
      owned_by: 'openai',
    });
    await expect(client.models.retrieve('openai/gpt-0')).rejects.toMatchObject({
      status: 404,
      error: { code: 'NOT_FOUND' },
    });
    expect(await upstreamCalls('api.openai.com')).toEqual([]);
  });

  it('a fine-tuned model id, colons and all, is looked up like any other id in the caller’s SDK shape', async () => {
    // Before: GET /v1/models/ft:… was taken for Gemini's {model}:{method} and answered 405.
    const fineTuned = 'ft:gpt-4o-mini:org::abc';
    const key = await keyWithMemory();
    await expect(openAiClient(key.secret).models.retrieve(fineTuned)).rejects.toMatchObject({
      status: 404,
      error: { code: 'NOT_FOUND', reason: 'MODEL_NOT_FOUND', param: 'model' },
    });
    // Anthropic's SDK gets Anthropic's own answer for the id, passed through.
    const refused = await anthropic(key.secret)
      .models.retrieve(fineTuned)
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Anthropic.NotFoundError);
    expect((await upstreamCalls('api.anthropic.com')).map((call) => call.path)).toEqual([
      `/v1/models/${encodeURIComponent(fineTuned)}`,
    ]);
    // Gemini's {model}:{method} paths still take POST only.
    const get = await workerFetch(`${BASE_URL}/v1/models/gemini-2.5-flash:generateContent`, {
      headers: { 'x-goog-api-key': key.secret },
    });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(await get.json()).toMatchObject({ error: { status: 'UNIMPLEMENTED' } });
  });
});
