import OpenAI from 'openai';
import { beforeEach, describe, expect, it } from 'vitest';
import { resetFakes } from '../helpers/fakes';
import { BASE_URL, workerFetch } from '../helpers/graphql';
import { CreateMemoryKeyDocument, SetProviderKeyDocument } from '../generated/graphql';
import {
  keyWithMemory,
  openAiClient,
  postJson,
  upstreamCalls,
  usageTokens,
} from '../helpers/drop-in';

/** OpenAI's error body, as the SDK would read it. */
async function errorOf(response: Response) {
  return ((await response.json()) as { error: Record<string, unknown> }).error;
}

describe('OpenAI’s stored responses through MemoryRouter', () => {
  beforeEach(resetFakes);

  it('runs a background response: created, retrieved when done, its input items listed; no memory, nothing metered', async () => {
    const key = await keyWithMemory();
    const client = openAiClient(key.secret);
    const created = await client.responses.create({
      model: 'gpt-4o',
      input: 'where do I live, in the background?',
      background: true,
    });
    expect(created.status).toBe('queued');
    const before = await usageTokens(key);

    const retrieved = await client.responses.retrieve(created.id);
    expect(retrieved.status).toBe('completed');
    expect(retrieved.output_text).toBe(
      'Fake api.openai.com heard: where do I live, in the background?',
    );
    const items = await client.responses.inputItems.list(created.id);
    expect(items.data.map((item) => item.type === 'message' && item.content)).toEqual([
      [{ type: 'input_text', text: 'where do I live, in the background?' }],
    ]);

    const calls = await upstreamCalls('api.openai.com');
    expect(calls.map((call) => call.path)).toEqual([
      '/v1/responses',
      `/v1/responses/${created.id}`,
      `/v1/responses/${created.id}/input_items`,
    ]);
    for (const call of calls) {
      expect(call.headers.authorization).toBe('Bearer sk-test-openai');
      expect(JSON.stringify(call)).not.toContain(key.secret);
    }
    // OpenAI's own bytes, and reading costs no memory tokens.
    const raw = await workerFetch(`${BASE_URL}/v1/responses/${created.id}`, {
      headers: { authorization: `Bearer ${key.secret}`, 'x-provider-key': 'sk-test-openai' },
    });
    const direct = await fetch(`https://api.openai.com/v1/responses/${created.id}`, {
      headers: { authorization: 'Bearer sk-test-openai' },
    });
    expect(await raw.text()).toBe(await direct.text());
    expect(await usageTokens(key)).toBe(before);
  });

  it('retrieves a stored response as a stream of its events', async () => {
    const key = await keyWithMemory();
    const client = openAiClient(key.secret);
    const created = await client.responses.create({ model: 'gpt-4o', input: 'stream it back' });
    const stream = await client.responses.retrieve(created.id, { stream: true });
    const types: string[] = [];
    let text = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
    expect(text).toBe(created.output_text);
    const last = (await upstreamCalls('api.openai.com')).at(-1)!;
    expect(last.path).toBe(`/v1/responses/${created.id}?stream=true`);
    expect(last.headers.accept).toBe('text/event-stream');
  });

  it('counts input tokens, cancels a queued background response and deletes a stored one', async () => {
    const key = await keyWithMemory();
    const client = openAiClient(key.secret);
    const counted = await client.responses.inputTokens.count({
      model: 'gpt-4o',
      input: 'how many tokens is this?',
    });
    expect(counted.input_tokens).toBeGreaterThan(0);
    const [countCall] = await upstreamCalls('api.openai.com');
    expect(countCall!.path).toBe('/v1/responses/input_tokens');
    // A utility call: the body as sent, no memory added.
    expect(countCall!.body).toEqual({ model: 'gpt-4o', input: 'how many tokens is this?' });

    const queued = await client.responses.create({
      model: 'gpt-4o',
      input: 'never mind',
      background: true,
    });
    const cancelled = await client.responses.cancel(queued.id);
    expect(cancelled.status).toBe('cancelled');

    const foreground = await client.responses.create({ model: 'gpt-4o', input: 'keep me' });
    const refused = (await client.responses
      .cancel(foreground.id)
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    // OpenAI's own error (its code is null here), with our reason beside it.
    expect(refused.code).toBeNull();
    expect(refused.error).toMatchObject({ reason: 'PROVIDER_4XX' });
    expect(refused.message).toMatch(/background=true/);

    await client.responses.delete(foreground.id);
    const gone = (await client.responses
      .retrieve(foreground.id)
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(gone).toBeInstanceOf(OpenAI.NotFoundError);
    expect(gone.error).toMatchObject({ code: null, reason: 'PROVIDER_4XX' });
  });

  it('needs a memory key and an OpenAI key, refused in OpenAI’s shape before any call', async () => {
    const key = await keyWithMemory();
    const anonymous = await workerFetch(`${BASE_URL}/v1/responses/resp_123`);
    expect(anonymous.status).toBe(401);
    expect(await errorOf(anonymous)).toMatchObject({ code: 'UNAUTHENTICATED' });

    const noProviderKey = await workerFetch(`${BASE_URL}/v1/responses/resp_123`, {
      headers: { authorization: `Bearer ${key.secret}` },
    });
    expect(noProviderKey.status).toBe(401);
    expect(await errorOf(noProviderKey)).toMatchObject({ code: 'UNAUTHENTICATED' });

    const wrongMethod = await postJson(
      '/v1/responses/resp_123/input_items',
      {},
      {
        authorization: `Bearer ${key.secret}`,
      },
    );
    expect(wrongMethod.status).toBe(405);
    expect(await errorOf(wrongMethod)).toMatchObject({ reason: 'METHOD_NOT_ALLOWED' });
    expect(await upstreamCalls('api.openai.com')).toEqual([]);
  });

  it('never reads one memory key’s stored responses with an OpenAI key its account shares', async () => {
    const a = await keyWithMemory('Key A private: my bank PIN hint is the cat name Whiskers');
    const b = (await a.admin.request(CreateMemoryKeyDocument, { name: 'B' })).createMemoryKey;
    await a.admin.request(SetProviderKeyDocument, {
      input: { provider: 'OPENAI', key: 'sk-account-shared-0000' },
    });
    // A creates with the account's key (no X-Provider-Key): OpenAI stores the
    // response, memory in its instructions.
    const created = await postJson(
      '/v1/responses',
      { model: 'gpt-4.1', input: 'what is my PIN hint?' },
      { authorization: `Bearer ${a.secret}` },
    );
    expect(created.status).toBe(200);
    const { id } = (await created.json()) as { id: string };
    const callsBefore = (await upstreamCalls('api.openai.com')).length;

    const asB = { authorization: `Bearer ${b.secret}` };
    for (const [method, path] of [
      ['GET', `/v1/responses/${id}`],
      ['GET', `/v1/responses/${id}?stream=true`],
      ['GET', `/v1/responses/${id}/input_items`],
      ['DELETE', `/v1/responses/${id}`],
      ['POST', `/v1/responses/${id}/cancel`],
    ] as const) {
      const refused = await workerFetch(`${BASE_URL}${path}`, { method, headers: asB });
      expect(refused.status, `${method} ${path}`).toBe(403);
      const text = await refused.text();
      expect(text).not.toContain('Whiskers');
      expect(JSON.parse(text).error).toMatchObject({
        type: expect.any(String),
        code: 'FORBIDDEN',
        reason: 'SHARED_PROVIDER_KEY',
      });
    }
    // Nor can B chain on it (OpenAI would hand the model A's stored turn).
    for (const chained of [
      { previous_response_id: id },
      { conversation: 'conv_of_a' },
      { input: [{ type: 'item_reference', id: 'msg_of_a' }] },
    ]) {
      const refused = await postJson(
        '/v1/responses',
        { model: 'gpt-4.1', input: 'what did I ask you before?', ...chained },
        asB,
      );
      expect(refused.status, JSON.stringify(chained)).toBe(403);
      expect(((await refused.json()) as { error: unknown }).error).toMatchObject({
        code: 'FORBIDDEN',
        reason: 'SHARED_PROVIDER_KEY',
      });
    }
    // Refused before any call: the response is still there, nothing reached OpenAI.
    expect(await upstreamCalls('api.openai.com')).toHaveLength(callsBefore);
    // A itself is held to the same rule (the account key is not A's alone)…
    const aShared = await workerFetch(`${BASE_URL}/v1/responses/${id}`, {
      headers: { authorization: `Bearer ${a.secret}` },
    });
    expect(aShared.status).toBe(403);
    // …and reads it with a key of its own: one stored for A alone, or its header.
    await a.admin.request(SetProviderKeyDocument, {
      input: { provider: 'OPENAI', key: 'sk-account-shared-0000', memoryKeyId: a.keyId },
    });
    const aOwn = await workerFetch(`${BASE_URL}/v1/responses/${id}`, {
      headers: { authorization: `Bearer ${a.secret}` },
    });
    expect(aOwn.status).toBe(200);
    expect(((await aOwn.json()) as { instructions: string }).instructions).toContain('Whiskers');
    const aHeader = await workerFetch(`${BASE_URL}/v1/responses/${id}/input_items`, {
      headers: { authorization: `Bearer ${a.secret}`, 'x-provider-key': 'sk-account-shared-0000' },
    });
    expect(aHeader.status).toBe(200);
    // Counting tokens reads nothing stored: the shared key still serves it.
    const counted = await postJson(
      '/v1/responses/input_tokens',
      { model: 'gpt-4.1', input: 'count me' },
      asB,
    );
    expect(counted.status).toBe(200);
  });
});
