import { env } from 'cloudflare:workers';
import OpenAI from 'openai';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CREATED_RESPONSE_TTL_MS,
  CreatedResponsesObject,
} from '../../src/durable/account/created-responses-object';
import { createdResponsesStub } from '../../src/durable/rpc/stubs';
import { armedAlarm, runAlarm } from '../helpers/alarms';
import { resetFakes, scriptFake } from '../helpers/fakes';
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
});

/** Memory key A (with a memory only it holds) and memory key B of the same account, whose only OpenAI key is the account-wide one. */
async function sharedKeyAccount() {
  const a = await keyWithMemory('Key A private: my bank PIN hint is the cat name Whiskers');
  const b = (await a.admin.request(CreateMemoryKeyDocument, { name: 'B' })).createMemoryKey;
  await a.admin.request(SetProviderKeyDocument, {
    input: { provider: 'OPENAI', key: SHARED_KEY },
  });
  return { a, b: { secret: b.secret, keyId: b.key.id } };
}

const SHARED_KEY = 'sk-account-shared-0000';

/** The openai SDK with a memory key and no X-Provider-Key: the account's stored key is used. */
const sharedKeyClient = (secret: string) =>
  new OpenAI({ apiKey: secret, baseURL: `${BASE_URL}/v1`, fetch: workerFetch, maxRetries: 0 });

/** What a refused SDK call threw. */
const refusal = (call: Promise<unknown>) =>
  call.then(
    () => {
      throw new Error('the call was not refused');
    },
    (error: unknown) => error as InstanceType<typeof OpenAI.APIError>,
  );

function expectSharedKeyRefusal(error: InstanceType<typeof OpenAI.APIError>, what: string) {
  expect(error, what).toBeInstanceOf(OpenAI.PermissionDeniedError);
  expect(error.status, what).toBe(403);
  expect(error.error, what).toMatchObject({ code: 'FORBIDDEN', reason: 'SHARED_PROVIDER_KEY' });
  expect(JSON.stringify(error.error), what).not.toContain('Whiskers');
}

describe('stored responses with the account’s shared OpenAI key', () => {
  beforeEach(resetFakes);

  it('serve the memory key that created them: retrieved, input items listed, chained with previous_response_id, deleted', async () => {
    const { a } = await sharedKeyAccount();
    const client = sharedKeyClient(a.secret);
    const created = await client.responses.create({
      model: 'gpt-4.1',
      input: 'what is my PIN hint?',
    });

    const retrieved = await client.responses.retrieve(created.id);
    expect(retrieved.instructions).toContain('Whiskers');
    const items = await client.responses.inputItems.list(created.id);
    expect(items.data.map((item) => item.type === 'message' && item.content)).toEqual([
      [{ type: 'input_text', text: 'what is my PIN hint?' }],
    ]);
    const chained = await client.responses.create({
      model: 'gpt-4.1',
      input: 'and what did I ask before?',
      previous_response_id: created.id,
    });
    expect(chained.previous_response_id).toBe(created.id);
    // The chained response is A's too.
    expect((await client.responses.retrieve(chained.id)).id).toBe(chained.id);

    await client.responses.delete(created.id);
    const calls = await upstreamCalls('api.openai.com');
    expect(calls.map((call) => call.path)).toEqual([
      '/v1/responses',
      `/v1/responses/${created.id}`,
      `/v1/responses/${created.id}/input_items`,
      '/v1/responses',
      `/v1/responses/${chained.id}`,
      `/v1/responses/${created.id}`,
    ]);
    for (const call of calls) expect(call.headers.authorization).toBe(`Bearer ${SHARED_KEY}`);
    expect((calls[3]!.body as { previous_response_id?: string }).previous_response_id).toBe(
      created.id,
    );

    // Deleted: the record went with it, so OpenAI is not asked again.
    expectSharedKeyRefusal(await refusal(client.responses.retrieve(created.id)), 'after delete');
    expect(await upstreamCalls('api.openai.com')).toHaveLength(calls.length);
    expect(await createdResponsesStub(env, a.keyId).expiryOf(created.id)).toBeNull();
  });

  it('records a streamed response before the event carrying its id reaches the client, and serves it after', async () => {
    const { a } = await sharedKeyAccount();
    const client = sharedKeyClient(a.secret);
    const stream = await client.responses.create({
      model: 'gpt-4.1',
      input: 'stream my PIN hint',
      stream: true,
    });
    let id: string | null = null;
    let heldWhenSeen: boolean | null = null;
    for await (const event of stream) {
      if (id === null && 'response' in event) {
        id = event.response.id;
        // The first event the client sees with the id: the record is already durable.
        heldWhenSeen = (await createdResponsesStub(env, a.keyId).expiryOf(id)) !== null;
      }
    }
    expect(id).toMatch(/^resp_/);
    expect(heldWhenSeen).toBe(true);

    const retrieved = await client.responses.retrieve(id!);
    expect(retrieved.status).toBe('completed');
    const chained = await client.responses.create({
      model: 'gpt-4.1',
      input: 'again',
      previous_response_id: id!,
      stream: true,
    });
    const types: string[] = [];
    for await (const event of chained) types.push(event.type);
    expect(types.at(-1)).toBe('response.completed');
  });

  it('never hands out an id it could not record: the create fails instead, streamed or not', async () => {
    const { a } = await sharedKeyAccount();
    const client = sharedKeyClient(a.secret);
    // The record object fails as the Worker calls it (a rejected call, as an
    // unreachable object answers); the object itself is not touched.
    const records = env.CREATED_RESPONSES;
    Object.defineProperty(env, 'CREATED_RESPONSES', {
      configurable: true,
      value: {
        idFromName: (name: string) => records.idFromName(name),
        get: (id: DurableObjectId) =>
          new Proxy(records.get(id), {
            get: (stub, name) =>
              name === 'remember'
                ? () => Promise.reject(new Error('storage unavailable'))
                : Reflect.get(stub, name),
          }),
      },
    });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const plain = await refusal(client.responses.create({ model: 'gpt-4.1', input: 'hello' }));
      expect(plain.status).toBe(502);
      expect(plain.error).toMatchObject({
        code: 'UPSTREAM_ERROR',
        reason: 'RESPONSE_RECORD_FAILED',
      });
      expect(JSON.stringify(plain.error)).not.toMatch(/resp_/);

      const stream = await client.responses.create({
        model: 'gpt-4.1',
        input: 'hello',
        stream: true,
      });
      const seen: string[] = [];
      const broken = await (async () => {
        for await (const event of stream) seen.push(JSON.stringify(event));
      })().catch((error: unknown) => error);
      expect(broken).toBeInstanceOf(OpenAI.APIError);
      expect(seen.join('')).not.toMatch(/resp_/);
      // The non-streamed one was masked, and logged as what it was.
      expect(String(logged.mock.calls)).toContain('storage unavailable');
    } finally {
      logged.mockRestore();
      Object.defineProperty(env, 'CREATED_RESPONSES', { configurable: true, value: records });
    }
  });

  it('asks the record object once per call at most: a chain on a response just recorded only records the new one; chat completions never', async () => {
    const { a, b } = await sharedKeyAccount();
    const client = sharedKeyClient(a.secret);
    const prototype = CreatedResponsesObject.prototype as unknown as Record<string, unknown>;
    const methods = ['remember', 'expiryOf', 'take'] as const;
    const originals = methods.map((name) => Object.getOwnPropertyDescriptor(prototype, name)!);
    const asked: string[] = [];
    methods.forEach((name, i) => {
      const original = originals[i]!.value as (...args: unknown[]) => unknown;
      Object.defineProperty(prototype, name, {
        ...originals[i],
        value(this: unknown, ...args: unknown[]) {
          asked.push(name);
          return original.apply(this, args);
        },
      });
    });
    try {
      const counted = async (call: () => Promise<unknown>) => {
        asked.length = 0;
        await call();
        return [...asked];
      };
      let id = '';
      expect(
        await counted(async () => {
          id = (await client.responses.create({ model: 'gpt-4.1', input: 'first' })).id;
        }),
      ).toEqual(['remember']);
      expect(
        await counted(async () => {
          id = (
            await client.responses.create({
              model: 'gpt-4.1',
              input: 'second',
              previous_response_id: id,
            })
          ).id;
        }),
      ).toEqual(['remember']);
      expect(await counted(() => client.responses.retrieve(id))).toEqual([]);
      expect(await counted(() => client.responses.delete(id))).toEqual(['take']);
      expect(
        await counted(() => refusal(sharedKeyClient(b.secret).responses.retrieve(id))),
      ).toEqual(['expiryOf']);
      expect(
        await counted(() =>
          client.chat.completions.create({
            model: 'gpt-4.1',
            messages: [{ role: 'user', content: 'hello' }],
          }),
        ),
      ).toEqual([]);
    } finally {
      methods.forEach((name, i) => Object.defineProperty(prototype, name, originals[i]!));
    }
  });

  it('keeps the record when OpenAI could not delete the response, and drops it when OpenAI no longer has it', async () => {
    const { a } = await sharedKeyAccount();
    const client = sharedKeyClient(a.secret);
    const created = await client.responses.create({ model: 'gpt-4.1', input: 'delete me later' });

    await scriptFake({ host: 'api.openai.com', mode: 'unreachable' });
    const failed = await refusal(client.responses.delete(created.id));
    expect(failed.error).toMatchObject({ code: 'UPSTREAM_ERROR', reason: 'UNREACHABLE' });
    expect((await client.responses.retrieve(created.id)).id).toBe(created.id);

    // Deleted at OpenAI behind MemoryRouter's back: OpenAI's 404 ends the record too.
    await fetch(`https://api.openai.com/v1/responses/${created.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${SHARED_KEY}` },
    });
    const gone = await refusal(client.responses.delete(created.id));
    expect(gone).toBeInstanceOf(OpenAI.NotFoundError);
    expectSharedKeyRefusal(await refusal(client.responses.retrieve(created.id)), 'after 404');
  });

  it('refuses another memory key of the account on them, before OpenAI is called, and leaves the creator’s access as it was', async () => {
    const { a, b } = await sharedKeyAccount();
    const created = await sharedKeyClient(a.secret).responses.create({
      model: 'gpt-4.1',
      input: 'what is my PIN hint?',
    });
    const callsBefore = (await upstreamCalls('api.openai.com')).length;

    const asB = sharedKeyClient(b.secret);
    for (const [what, call] of [
      ['retrieve', () => asB.responses.retrieve(created.id)],
      ['retrieve as a stream', () => asB.responses.retrieve(created.id, { stream: true })],
      ['input items', () => asB.responses.inputItems.list(created.id)],
      ['delete', () => asB.responses.delete(created.id)],
      ['cancel', () => asB.responses.cancel(created.id)],
      [
        'chain',
        () =>
          asB.responses.create({
            model: 'gpt-4.1',
            input: 'what did I ask you before?',
            previous_response_id: created.id,
          }),
      ],
      [
        'chain, streamed',
        () =>
          asB.responses.create({
            model: 'gpt-4.1',
            input: 'what did I ask you before?',
            previous_response_id: created.id,
            stream: true,
          }),
      ],
    ] as const) {
      expectSharedKeyRefusal(await refusal(call()), what);
    }
    // Raw, as any HTTP client would: OpenAI's error shape with our reason.
    const raw = await workerFetch(`${BASE_URL}/v1/responses/${created.id}`, {
      headers: { authorization: `Bearer ${b.secret}` },
    });
    expect(raw.status).toBe(403);
    expect(((await raw.json()) as { error: unknown }).error).toMatchObject({
      type: expect.any(String),
      code: 'FORBIDDEN',
      reason: 'SHARED_PROVIDER_KEY',
    });
    expect(await upstreamCalls('api.openai.com')).toHaveLength(callsBefore);

    // B's delete took nothing: A still reaches its response.
    const retrieved = await sharedKeyClient(a.secret).responses.retrieve(created.id);
    expect(retrieved.instructions).toContain('Whiskers');
  });

  it('refuses a response it cannot attribute: made outside MemoryRouter, with another key, or not stored; and conversation or item_reference chains', async () => {
    const { a } = await sharedKeyAccount();
    const client = sharedKeyClient(a.secret);
    // Made with the same OpenAI key, straight at OpenAI.
    const direct = (await (
      await fetch('https://api.openai.com/v1/responses', {
        method: 'POST',
        headers: { authorization: `Bearer ${SHARED_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4.1', input: 'made elsewhere' }),
      })
    ).json()) as { id: string };
    // Made through MemoryRouter, but with a key of A's own.
    const ownKey = await openAiClient(a.secret, { 'x-provider-key': SHARED_KEY }).responses.create({
      model: 'gpt-4.1',
      input: 'made with my own key',
    });
    // Made with the shared key, not stored.
    const unstored = await client.responses.create({
      model: 'gpt-4.1',
      input: 'forget this',
      store: false,
    });
    const callsBefore = (await upstreamCalls('api.openai.com')).length;

    for (const [what, id] of [
      ['outside MemoryRouter', direct.id],
      ['with another key', ownKey.id],
      ['store: false', unstored.id],
      ['never made', 'resp_does_not_exist'],
    ] as const) {
      expectSharedKeyRefusal(await refusal(client.responses.retrieve(id)), what);
      expectSharedKeyRefusal(
        await refusal(
          client.responses.create({ model: 'gpt-4.1', input: 'go on', previous_response_id: id }),
        ),
        `${what}, chained`,
      );
    }
    for (const chained of [
      { conversation: 'conv_of_a' },
      { input: [{ type: 'item_reference' as const, id: 'msg_of_a' }] },
    ]) {
      expectSharedKeyRefusal(
        await refusal(client.responses.create({ model: 'gpt-4.1', input: 'go on', ...chained })),
        JSON.stringify(chained),
      );
    }
    expect(await upstreamCalls('api.openai.com')).toHaveLength(callsBefore);
    // The id a store: false response got needs no record.
    expect(await createdResponsesStub(env, a.keyId).size()).toBe(0);

    // A key stored for A alone is A's own: MemoryRouter adds no access, checks nothing.
    await a.admin.request(SetProviderKeyDocument, {
      input: { provider: 'OPENAI', key: SHARED_KEY, memoryKeyId: a.keyId },
    });
    expect((await client.responses.retrieve(direct.id)).id).toBe(direct.id);
  });

  it('keeps a record 30 days, as OpenAI keeps the response, then refuses it and the alarm deletes it', async () => {
    const { a } = await sharedKeyAccount();
    const client = sharedKeyClient(a.secret);
    const created = await client.responses.create({ model: 'gpt-4.1', input: 'keep me a while' });
    const stub = createdResponsesStub(env, a.keyId);
    const alarm = await armedAlarm(stub);
    expect(alarm).toBeGreaterThanOrEqual(Date.now() + CREATED_RESPONSE_TTL_MS - 60_000);

    // Just before its 30 days are up it is still served; just after, not.
    const callsBefore = (await upstreamCalls('api.openai.com')).length;
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const createdAt = Date.now();
      vi.setSystemTime(createdAt + CREATED_RESPONSE_TTL_MS - 60_000);
      expect((await client.responses.retrieve(created.id)).id).toBe(created.id);
      vi.setSystemTime(createdAt + CREATED_RESPONSE_TTL_MS + 60_000);
      expectSharedKeyRefusal(await refusal(client.responses.retrieve(created.id)), 'expired');
      expect(await upstreamCalls('api.openai.com')).toHaveLength(callsBefore + 1);
      expect(await stub.size()).toBe(1);
      // The alarm deletes it, and has nothing left to wake up for.
      expect(await runAlarm(stub)).toBeNull();
      expect(await stub.size()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('counts input tokens with it, which reads nothing stored', async () => {
    const { b } = await sharedKeyAccount();
    const counted = await sharedKeyClient(b.secret).responses.inputTokens.count({
      model: 'gpt-4.1',
      input: 'count me',
    });
    expect(counted.input_tokens).toBeGreaterThan(0);
  });
});
