import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { beforeEach, describe, expect, it } from 'vitest';
import { ListVaultsDocument, SearchDocument, StoreMemoryDocument } from './generated/graphql';
import { BASE_URL, newKey, workerFetch } from './helpers/graphql';
import { anthropicClient } from './helpers/drop-in';
import { eventually, fakeCalls, resetFakes } from './helpers/fakes';

const decodeReceipt = (header: string | null) =>
  JSON.parse(atob(header!.replace(/-/g, '+').replace(/_/g, '/'))) as {
    memoryTokens: number;
    hits: { vault: string }[];
  };

async function setUp() {
  const key = await newKey();
  await key.api.request(StoreMemoryDocument, { input: { content: 'The user lives in Lisbon' } });
  return key;
}

describe('POST /v1/chat/completions with the official openai SDK', () => {
  beforeEach(resetFakes);

  const openai = (secret: string, providerKey: string, headers: Record<string, string> = {}) =>
    new OpenAI({
      apiKey: secret,
      baseURL: `${BASE_URL}/v1`,
      fetch: workerFetch,
      maxRetries: 0,
      defaultHeaders: { 'x-provider-key': providerKey, ...headers },
    });

  it('answers with memory injected, and says what it injected', async () => {
    const { secret } = await setUp();
    const client = openai(secret, 'sk-test', { 'x-session-id': 'rest-1' });
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'where do I live?' }] })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('Fake api.openai.com heard: where do I live?');
    expect(Number(response.headers.get('x-memory-tokens'))).toBeGreaterThan(0);
    expect(
      decodeReceipt(response.headers.get('x-memory-receipt')).hits.map((hit) => hit.vault),
    ).toEqual(['core']);
    const [call] = await fakeCalls();
    expect(call!.body.messages![0]!.content).toContain('"The user lives in Lisbon"');
    expect(call!.headers.authorization).toBe('Bearer sk-test');
  });

  it('streams in OpenAI chunks to any provider, and stores the turn', async () => {
    const { secret, api } = await setUp();
    const client = openai(secret, 'sk-ant-test', { 'x-conversation-id': 'rest-conv' });
    const stream = await client.chat.completions.create({
      model: 'anthropic/claude-sonnet-4',
      messages: [{ role: 'user', content: 'where do I live?' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe('Fake api.anthropic.com heard: where do I live?');
    const [call] = await fakeCalls();
    // Translated to Anthropic's format by the chat pipeline: memory in `system`.
    expect(call!.body.system).toContain('"The user lives in Lisbon"');
    await eventually(async () => {
      const found = await api.request(SearchDocument, {
        input: {
          query: 'where do I live',
          vaults: [{ kind: 'EPHEMERAL', id: 'rest-conv' }],
          mode: 'TEXT',
        },
      });
      expect(found.search.hits).toHaveLength(2);
    });
  });

  it('raises the SDK’s own errors for a bad memory key and a bad provider key', async () => {
    const { secret } = await setUp();
    await expect(
      openai('mk_nope', 'sk-test').chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'hi' }],
      }),
    ).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    const refused = openai(secret, 'bad-provider-key-999').chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
    });
    await expect(refused).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(refused).rejects.not.toThrow(/bad-provider-key-999/);
  });
});

describe('POST /v1/messages with the official Anthropic SDK', () => {
  beforeEach(resetFakes);

  const anthropic = (secret: string, providerKey: string) =>
    anthropicClient(secret, { 'x-provider-key': providerKey, 'x-session-id': 'anthropic-rest' });

  it('answers with memory in `system` and the receipt in a header', async () => {
    const { secret } = await setUp();
    const { data, response } = await anthropic(secret, 'sk-ant-test')
      .messages.create({
        model: 'claude-sonnet-4',
        max_tokens: 200,
        system: 'Answer in one line.',
        messages: [{ role: 'user', content: 'where do I live?' }],
      })
      .withResponse();
    expect(data.content).toEqual([
      { type: 'text', text: 'Fake api.anthropic.com heard: where do I live?' },
    ]);
    expect(decodeReceipt(response.headers.get('x-memory-receipt')).memoryTokens).toBeGreaterThan(0);
    const [call] = await fakeCalls();
    expect(call!.body.system[0]).toEqual({ type: 'text', text: 'Answer in one line.' });
    expect(call!.body.system[1].text).toContain('"The user lives in Lisbon"');
  });

  it('streams Anthropic events, to Anthropic or to another provider', async () => {
    const { secret } = await setUp();
    const claude = await anthropic(secret, 'sk-ant-test')
      .messages.stream({
        model: 'claude-sonnet-4',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'hello there' }],
      })
      .finalText();
    expect(claude).toBe('Fake api.anthropic.com heard: hello there');
    const gemini = await anthropic(secret, 'AIza-test')
      .messages.stream({
        model: 'google/gemini-2.5-flash',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'hello there' }],
      })
      .finalText();
    expect(gemini).toBe('Fake generativelanguage.googleapis.com heard: hello there');
  });

  it('raises the SDK’s own errors', async () => {
    await expect(
      anthropic('mk_nope', 'sk-ant-test').messages.create({
        model: 'claude-sonnet-4',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    ).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    const { secret } = await newKey();
    await expect(
      anthropic(secret, 'sk-ant-test').messages.create({
        model: 'nobody/model',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    ).rejects.toBeInstanceOf(Anthropic.BadRequestError);
  });
});

describe('every route refuses the methods it does not serve', () => {
  beforeEach(resetFakes);

  const WRONG = ['GET', 'PUT', 'PATCH', 'DELETE'] as const;
  const body = (method: string) => (method === 'GET' ? undefined : '{"content":"planted"}');
  /** Each surface's own error shape, as its SDKs parse it. */
  const chatRoutes: [string, (json: unknown) => void][] = [
    [
      '/v1/chat/completions',
      (json) =>
        expect(json).toMatchObject({
          error: {
            type: 'invalid_request_error',
            code: 'BAD_USER_INPUT',
            reason: 'METHOD_NOT_ALLOWED',
          },
        }),
    ],
    [
      '/v1/messages',
      (json) =>
        expect(json).toMatchObject({
          type: 'error',
          error: { type: 'invalid_request_error', reason: 'METHOD_NOT_ALLOWED' },
        }),
    ],
    ...[
      '/v1beta/models/gemini-2.5-flash:generateContent',
      '/v1beta/models/gemini-2.5-flash:streamGenerateContent',
      '/v1/models/gemini-2.5-flash:generateContent',
    ].map(
      (path) =>
        [
          path,
          (json: unknown) =>
            expect(json).toMatchObject({ error: { code: 405, status: 'UNIMPLEMENTED' } }),
        ] as [string, (json: unknown) => void],
    ),
  ];

  it("the chat routes: 405 with Allow: POST, in the surface's shape, and no provider call", async () => {
    const { secret } = await newKey();
    for (const [path, shaped] of chatRoutes) {
      for (const method of [...WRONG, 'HEAD' as const]) {
        // GET /v1/chat/completions is OpenAI's chat.completions.list(), an API
        // not served: a 501 saying so (not-served.test.ts), not "use POST".
        if (method === 'GET' && path === '/v1/chat/completions') continue;
        const response = await workerFetch(`${BASE_URL}${path}`, {
          method,
          headers: { authorization: `Bearer ${secret}`, 'x-provider-key': 'sk-test' },
          body: method === 'HEAD' ? undefined : body(method),
        });
        expect(response.status, `${method} ${path}`).toBe(405);
        expect(response.headers.get('allow'), `${method} ${path}`).toBe('POST');
        if (method !== 'HEAD') shaped(await response.json());
      }
    }
    expect(await fakeCalls()).toEqual([]);
  });

  it('GraphQL: 405 with Allow: GET, POST, as a GraphQL error', async () => {
    for (const method of ['PUT', 'PATCH', 'DELETE'] as const) {
      const response = await workerFetch(`${BASE_URL}/graphql`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: '{"query":"mutation { storeMemory(input: { content: \\"planted\\" }) { id } }"}',
      });
      expect(response.status, method).toBe(405);
      expect(response.headers.get('allow'), method).toBe('GET, POST');
      expect(await response.json()).toMatchObject({
        errors: [{ extensions: { code: 'BAD_USER_INPUT' } }],
      });
    }
  });

  it('the vault routes: 405 with Allow, in the REST shape, and nothing imported or exported', async () => {
    const { secret, api } = await newKey();
    const routes = [
      ['/v1/vaults/core/export', 'GET'],
      ['/v1/vaults/session/s1/export', 'GET'],
      ['/v1/vaults/core/import', 'POST'],
      ['/v1/vaults/ephemeral/c1/import', 'POST'],
    ] as const;
    for (const [path, allowed] of routes) {
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((m) => m !== allowed)) {
        const response = await workerFetch(`${BASE_URL}${path}`, {
          method,
          headers: { authorization: `Bearer ${secret}` },
          body: body(method),
        });
        // 405 naming the method it takes, as every route answers (one HTTP chain, issue 12).
        expect(response.status, `${method} ${path}`).toBe(405);
        expect(response.headers.get('allow'), `${method} ${path}`).toBe(allowed);
        expect(await response.json(), `${method} ${path}`).toEqual({
          error: {
            code: 'BAD_USER_INPUT',
            reason: 'METHOD_NOT_ALLOWED',
            message: `use ${allowed} for this path`,
          },
        });
      }
    }
    const { vaults } = await api.request(ListVaultsDocument);
    expect(vaults.map((vault) => [vault.kind, vault.memoryCount])).toEqual([['CORE', 0]]);
  });

  it('the Stripe webhook takes only POST: 405 with Allow: POST', async () => {
    for (const method of WRONG) {
      const response = await workerFetch(`${BASE_URL}/stripe/webhook`, {
        method,
        body: body(method),
      });
      expect(response.status, method).toBe(405);
      expect(response.headers.get('allow'), method).toBe('POST');
      expect(await response.json(), method).toMatchObject({
        error: { code: 'BAD_USER_INPUT', reason: 'METHOD_NOT_ALLOWED' },
      });
    }
  });
});
