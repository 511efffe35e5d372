import { createClient } from 'graphql-ws';
import { beforeEach, describe, expect, it } from 'vitest';
import { StoreMemoryDocument } from './generated/graphql';
import { resetFakes, scriptFake } from './helpers/fakes';
import { postJson, upstreamCalls } from './helpers/drop-in';
import { BASE_URL, newKey, post, workerFetch } from './helpers/graphql';
import { WorkerWebSocket } from './helpers/websocket';

// Errors a user can meet: each has a code, a stable reason and a message a
// person can act on, in its surface's own shape, and nothing internal.

interface GraphQLErrorBody {
  message: string;
  extensions?: Record<string, unknown>;
}

const firstError = (result: { errors?: GraphQLErrorBody[] }) => result.errors![0]!;

function graphqlRaw(body: string, headers: Record<string, string> = {}) {
  return workerFetch(`${BASE_URL}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

describe('GraphQL errors carry a reason and a message in the caller’s terms', () => {
  it('a variable the engine cannot coerce names why, without suggesting schema names', async () => {
    const { secret } = await newKey();
    const query = 'query Q($input: SearchInput!) { search(input: $input) { memoryTokens } }';
    const cases: [unknown, string, RegExp][] = [
      [{ query: 'x', windows: [{ window: 'DAY', limit: 1 }] }, 'INVALID_ENUM_VALUE', /"DAY"/],
      [{ windows: [] }, 'MISSING_VALUE', /query/],
      [{ query: 'x', colour: 'teal' }, 'UNKNOWN_FIELD', /colour/],
      [{ query: 'x', windows: [{ window: 'HOT', limit: 'many' }] }, 'INVALID_VARIABLE', /limit/],
    ];
    for (const [input, reason, names] of cases) {
      const result = await post(query, { input }, secret);
      expect(result.data ?? null, reason).toBeNull();
      expect(firstError(result).extensions, reason).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason,
      });
      expect(firstError(result).message, reason).toMatch(names);
      expect(firstError(result).message, reason).not.toMatch(/Did you mean/);
    }
  });

  it('an invalid vault id', async () => {
    const { secret } = await newKey();
    const result = await post(
      'query { search(input: { query: "x", vaults: [{ kind: SESSION, id: "no spaces allowed" }] }) { memoryTokens } }',
      {},
      secret,
    );
    expect(firstError(result).extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'INVALID_VAULT_ID',
    });
    expect(firstError(result).message).toMatch(/1–128 characters/);
  });

  it('search input out of range: the path in the README’s style, the rule in words', async () => {
    const { secret } = await newKey();
    const result = await post(
      'query { search(input: { query: "x", windows: [{ window: HOT, limit: -1 }] }) { memoryTokens } }',
      {},
      secret,
    );
    const error = firstError(result);
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'OUT_OF_RANGE' });
    expect(error.message).toBe('input.windows[0].limit: must be at least 0');

    const long = await post(
      'query($q: String!) { search(input: { query: $q }) { memoryTokens } }',
      { q: 'x'.repeat(4_001) },
      secret,
    );
    expect(firstError(long).extensions).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      reason: 'TOO_LONG',
    });
    expect(firstError(long).message).toBe('input.query: must be at most 4000 characters');
  });

  it('an empty batch', async () => {
    const { secret } = await newKey();
    const result = await post('mutation { storeMemories(inputs: []) { id } }', {}, secret);
    expect(firstError(result).extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'TOO_FEW',
    });
    expect(firstError(result).message).toBe('inputs: must hold at least 1 item');
  });

  it('no credential at all', async () => {
    const result = await post('{ vaults { kind } }');
    expect(firstError(result).extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
      reason: 'NO_CREDENTIAL',
    });
  });

  it('deleting a memory that is not there', async () => {
    const { secret, api } = await newKey();
    const stored = await api.request(StoreMemoryDocument, { input: { content: 'brief note' } });
    const id = stored.storeMemory.id;
    await post('mutation($id: ID!) { deleteMemory(id: $id) }', { id }, secret);
    const again = await post('mutation($id: ID!) { deleteMemory(id: $id) }', { id }, secret);
    expect(firstError(again).extensions).toMatchObject({
      code: 'NOT_FOUND',
      reason: 'MEMORY_NOT_FOUND',
    });
  });

  it('a misspelt field reads alike whether or not a near name exists', async () => {
    const { secret } = await newKey();
    const near = firstError(await post('{ me { nam } }', {}, secret));
    const far = firstError(await post('{ me { zzzzz } }', {}, secret));
    expect(near.message.replace('nam', 'zzzzz')).toBe(far.message);
    expect(near.message).not.toMatch(/Did you mean|Suggestion|\[/);
  });

  it('a search whose vector does not fit a vault says which vault, what it holds and what to send', async () => {
    const { secret } = await newKey();
    const store = 'mutation($i: [StoreMemoryInput!]!) { storeMemories(inputs: $i) { id } }';
    const byo = { kind: 'SESSION', id: 'byo' };
    await post(
      store,
      { i: [{ content: 'byo first', embedding: [0.1, 0.2, 0.3], vault: byo }] },
      secret,
    );
    await post(store, { i: [{ content: 'core first' }] }, secret);
    const search = 'query($s: SearchInput!) { search(input: $s) { hits { memory { content } } } }';

    // No `embedding` for a vault of one's own vectors: the server's 384 were never sent.
    const bare = firstError(
      await post(search, { s: { query: 'byo first', vaults: [byo] } }, secret),
    );
    expect(bare.extensions).toMatchObject({ reason: 'EMBEDDING_DIMENSIONS' });
    expect(bare.message).toContain('vault session:byo:');
    expect(bare.message).toContain('caller-supplied vectors of 3 dimensions');
    expect(bare.message).toContain('send `embedding` with 3 numbers, or search with mode TEXT');

    // Its own 3 numbers over it and CORE: the refusal is CORE's, and says so.
    const both = firstError(
      await post(
        search,
        { s: { query: 'first', embedding: [0.1, 0.2, 0.3], vaults: [byo, { kind: 'CORE' }] } },
        secret,
      ),
    );
    expect(both.extensions).toMatchObject({ reason: 'EMBEDDING_DIMENSIONS' });
    expect(both.message).toContain('vault core:');
    expect(both.message).toContain('leave `embedding` out');

    // TEXT needs no vector of either kind.
    const text = await post(
      search,
      { s: { query: 'byo first', vaults: [byo], mode: 'TEXT' } },
      secret,
    );
    expect(text.data).toEqual({ search: { hits: [{ memory: { content: 'byo first' } }] } });
  });

  it('an id with a changed last character names no memory: not read, not deleted', async () => {
    const { secret, api } = await newKey();
    const stored = await api.request(StoreMemoryDocument, { input: { content: 'teal is best' } });
    const id = stored.storeMemory.id;
    // A CORE memory id carries 19 bytes in 26 characters: the last one's
    // low 4 bits are spare, and a lenient decoder ignores them.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    expect(id.length - 'mem_'.length).toBe(26);
    const last = alphabet.indexOf(id.at(-1)!);
    const tweaked = id.slice(0, -1) + alphabet[last ^ 1];
    const read = await post('query($id: ID!) { memory(id: $id) { id } }', { id: tweaked }, secret);
    expect(firstError(read).extensions).toMatchObject({ reason: 'INVALID_MEMORY_ID' });
    const deleted = await post(
      'mutation($id: ID!) { deleteMemory(id: $id) }',
      { id: tweaked },
      secret,
    );
    expect(firstError(deleted).extensions).toMatchObject({ reason: 'INVALID_MEMORY_ID' });
    const still = await post('query($id: ID!) { memory(id: $id) { content } }', { id }, secret);
    expect(still.data).toEqual({ memory: { content: 'teal is best' } });
  });

  it('invalid JSON: a 400 without the parser’s internals; an empty body is a 400 too', async () => {
    const broken = await graphqlRaw('{"query": ');
    expect(broken.status).toBe(400);
    const body = (await broken.json()) as { errors: GraphQLErrorBody[] };
    expect(body.errors[0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(typeof body.errors[0]!.extensions!.reason).toBe('string');
    expect(JSON.stringify(body)).not.toMatch(/originalError|SyntaxError|stack/);

    const empty = await graphqlRaw('{}');
    expect(empty.status).toBe(400);
    const emptyBody = (await empty.json()) as { errors: GraphQLErrorBody[] };
    expect(emptyBody.errors[0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(typeof emptyBody.errors[0]!.extensions!.reason).toBe('string');
    expect(emptyBody.errors[0]!.message).toMatch(/query/);
  });

  it('over WebSocket, a validation error carries no HTTP details', async () => {
    const { secret } = await newKey();
    const client = createClient({
      url: `${BASE_URL.replace('http', 'ws')}/graphql`,
      webSocketImpl: WorkerWebSocket,
      connectionParams: { authorization: `Bearer ${secret}` },
      retryAttempts: 0,
      lazy: true,
    });
    const results: unknown[] = [];
    try {
      for await (const result of client.iterate({ query: 'subscription { nope }' }))
        results.push(result);
    } catch (errors) {
      results.push({ errors });
    }
    await client.dispose();
    const [first] = results as { errors: GraphQLErrorBody[] }[];
    const error = first!.errors[0]!;
    expect(error.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'GRAPHQL_VALIDATION_FAILED',
    });
    expect(error.extensions).not.toHaveProperty('http');
  });
});

describe('every coded refusal names a reason', () => {
  const reasonOf = (result: { errors?: GraphQLErrorBody[] }) => firstError(result).extensions;

  it('no memory key, over HTTP, SSE and WebSocket', async () => {
    const query = '{ vaults { kind } }';
    expect(reasonOf(await post(query))).toMatchObject({
      code: 'UNAUTHENTICATED',
      reason: expect.any(String),
    });
    const sse = await workerFetch(`${BASE_URL}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({
        query: 'subscription { memoryEvents(vault: { kind: CORE }) { id } }',
      }),
    });
    const text = await sse.text();
    expect(text).toMatch(/"code":"UNAUTHENTICATED","reason":"[A-Z_]+"/);
    const client = createClient({
      url: `${BASE_URL.replace('http', 'ws')}/graphql`,
      webSocketImpl: WorkerWebSocket,
      retryAttempts: 0,
      lazy: true,
    });
    let errors: GraphQLErrorBody[] = [];
    try {
      for await (const result of client.iterate({
        query: 'subscription { memoryEvents(vault: { kind: CORE }) { id } }',
      }))
        errors = (result.errors ?? []) as GraphQLErrorBody[];
    } catch (thrown) {
      errors = thrown as GraphQLErrorBody[];
    }
    await client.dispose();
    expect(errors[0]!.extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
      reason: expect.any(String),
    });
  });

  it('an admin token where a memory key is needed, and the other way round', async () => {
    const { secret, adminToken } = await newKey();
    expect(reasonOf(await post('{ vaults { kind } }', {}, adminToken))).toMatchObject({
      code: 'FORBIDDEN',
      reason: expect.any(String),
    });
    expect(reasonOf(await post('{ memoryKeys { id } }', {}, secret))).toMatchObject({
      code: 'FORBIDDEN',
      reason: expect.any(String),
    });
  });

  it('a SESSION vault without its id; a usage range backwards or over a year', async () => {
    const { secret } = await newKey();
    expect(
      reasonOf(await post('{ vault(selector: { kind: SESSION }) { memoryCount } }', {}, secret)),
    ).toMatchObject({ code: 'BAD_USER_INPUT', reason: expect.any(String) });
    for (const [from, to] of [
      ['2026-05-02T00:00:00Z', '2026-05-01T00:00:00Z'],
      ['2024-01-01T00:00:00Z', '2026-01-01T00:00:00Z'],
    ]) {
      const result = await post(
        'query ($from: DateTime, $to: DateTime) { usage(from: $from, to: $to) { memoryTokens } }',
        { from, to },
        secret,
      );
      expect(reasonOf(result), `${from}..${to}`).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: expect.any(String),
      });
    }
  });

  it('restoring a vault that has no snapshot', async () => {
    const { keyId, adminToken } = await newKey();
    const result = await post(
      'mutation ($keyId: ID!) { restoreVault(keyId: $keyId, vault: { kind: SESSION, id: "none" }) { restored } }',
      { keyId },
      adminToken,
    );
    expect(reasonOf(result)).toMatchObject({ code: 'NOT_FOUND', reason: expect.any(String) });
  });
});

describe('REST and drop-in errors', () => {
  beforeEach(resetFakes);

  it('an unknown path says so with a reason', async () => {
    const response = await workerFetch(`${BASE_URL}/nowhere`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: {
        code: 'NOT_FOUND',
        reason: 'ROUTE_NOT_FOUND',
        message: expect.stringMatching(/no GET \/nowhere/),
      },
    });
  });

  it("an OpenAI path MemoryRouter does not serve answers in OpenAI's shape", async () => {
    const { secret } = await newKey();
    const response = await postJson(
      '/v1/completions',
      { model: 'gpt-3.5-turbo-instruct', prompt: 'hi' },
      { authorization: `Bearer ${secret}` },
    );
    expect(response.status).toBe(501);
    expect(((await response.json()) as { error: unknown }).error).toMatchObject({
      type: 'invalid_request_error',
      code: 'NOT_FOUND',
      reason: 'ROUTE_NOT_SERVED',
      param: null,
      message: expect.stringMatching(/POST \/v1\/completions/),
    });
  });

  it('a translated request that is not one: INVALID_REQUEST naming the field', async () => {
    const { secret } = await newKey();
    const response = await postJson(
      '/v1/chat/completions',
      { model: 'claude-sonnet-4', messages: 'hello' },
      { authorization: `Bearer ${secret}`, 'x-provider-key': 'sk-ant-test' },
    );
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: unknown }).error).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'INVALID_REQUEST',
      message: '`messages` must be a list',
    });
  });

  it('a native request whose messages are not a list: INVALID_REQUEST too, on every surface', async () => {
    const { secret } = await newKey();
    const cases = [
      ['/v1/chat/completions', { model: 'gpt-4o', messages: 'hi' }, 'messages'],
      ['/v1/messages', { model: 'claude-sonnet-4', max_tokens: 16, messages: 'hi' }, 'messages'],
    ] as const;
    for (const [path, body, field] of cases) {
      const response = await postJson(path, body, {
        authorization: `Bearer ${secret}`,
        'x-provider-key': 'sk-test',
      });
      expect(response.status, path).toBe(400);
      const text = await response.text();
      expect(text, path).toContain('INVALID_REQUEST');
      expect(text, path).toContain(`\`${field}\` must be a list`);
    }
  });

  it('the Gemini route, asked for a model it does not serve, names the ones it does', async () => {
    const { secret } = await newKey();
    const response = await postJson(
      '/v1beta/models/compatible/llama3.2:generateContent',
      { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
      { 'x-goog-api-key': secret },
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as {
      error: { message: string; details: { reason: string }[] };
    };
    expect(body.error.message).toMatch(/serves Gemini models only/);
    expect(body.error.message).toMatch(/\/v1\/chat\/completions/);
    expect(body.error.details[0]!.reason).toBe('MODEL_NOT_SERVED');
  });

  it('a bare OpenAI model name is inferred on every route, as claude-… and gemini-… are', async () => {
    const { secret } = await newKey();
    // Before: the Gemini route sent these to Google as Gemini models, and
    // /v1/messages sent gpt-4o to Anthropic (review201 F8).
    for (const model of ['gpt-4o', 'o3-mini', 'o1']) {
      const response = await postJson(
        `/v1beta/models/${model}:generateContent`,
        { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
        { 'x-goog-api-key': secret, 'x-provider-key': 'AIza-test' },
      );
      expect(response.status, model).toBe(400);
      const body = (await response.json()) as {
        error: { message: string; details: { reason: string }[] };
      };
      expect(body.error.details[0]!.reason, model).toBe('MODEL_NOT_SERVED');
      expect(body.error.message, model).toContain('call POST /v1/chat/completions');
      expect(body.error.message, model).toContain(`with model "openai/${model}"`);
    }
    expect(await upstreamCalls('generativelanguage.googleapis.com')).toHaveLength(0);

    // On /v1/messages a bare gpt-… name is translated to OpenAI, as
    // openai/gpt-4o and a bare gemini-… name are there.
    const messages = await postJson(
      '/v1/messages',
      { model: 'gpt-4o', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] },
      { 'x-api-key': secret, 'x-provider-key': 'sk-test' },
    );
    expect(messages.status).toBe(200);
    expect(((await messages.json()) as { type: string }).type).toBe('message');
    expect(await upstreamCalls('api.anthropic.com')).toHaveLength(0);
    const [openai] = await upstreamCalls('api.openai.com');
    expect(JSON.parse(openai!.rawBody)).toMatchObject({ model: 'gpt-4o' });
  });

  it('an unreachable provider is said plainly, without the runtime’s internals', async () => {
    const { secret } = await newKey();
    await scriptFake({ host: 'api.openai.com', mode: 'unreachable' });
    const response = await postJson(
      '/v1/chat/completions',
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] },
      { authorization: `Bearer ${secret}`, 'x-provider-key': 'sk-test' },
    );
    expect(response.status).toBe(502);
    const body = (await response.json()) as { error: { message: string; reason: string } };
    expect(body.error.reason).toBe('UNREACHABLE');
    expect(body.error.message).not.toMatch(/internal error|reference/);
    expect(body.error.message).toMatch(/could not be reached/);
  });
});
