import Anthropic from '@anthropic-ai/sdk';
import { createClient } from 'graphql-ws';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { upstreamCalls } from '../helpers/drop-in';
import { BASE_URL, newKey, post, workerFetch } from '../helpers/graphql';
import { fakeCalls, resetFakes } from '../helpers/fakes';
import { WorkerWebSocket } from '../helpers/websocket';

/**
 * The findings of an outside security review (review 214), one block each:
 * every refusal coded in its surface's shape, nothing called, stored or billed.
 */

type Key = Awaited<ReturnType<typeof newKey>>;

/** A GraphQL operation sent as a GET with the key in `?key=`, as a link would carry it. */
function getGraphQL(key: Key, query: string, headers: Record<string, string> = {}) {
  const url = new URL(`${BASE_URL}/graphql`);
  url.searchParams.set('key', key.secret);
  url.searchParams.set('query', query);
  return workerFetch(url, { headers });
}

/** The errors of a GraphQL answer, as JSON or as the one `next` event of an SSE answer. */
async function errorsOf(response: Response): Promise<{ extensions?: unknown; message: string }[]> {
  const text = await response.text();
  const json = response.headers.get('content-type')?.startsWith('text/event-stream')
    ? /^data: (.*)$/m.exec(text)![1]!
    : text;
  return (JSON.parse(json) as { errors: { extensions?: unknown; message: string }[] }).errors;
}

async function sessionCount(key: Key, session: string): Promise<number> {
  const result = await post<{ vault: { memoryCount: number } | null }>(
    `{ vault(selector: { kind: SESSION, id: "${session}" }) { memoryCount } }`,
    {},
    key.secret,
  );
  return result.data?.vault?.memoryCount ?? 0;
}

async function usageTokens(key: Key): Promise<number> {
  const result = await post<{ usage: { memoryTokens: number } }>(
    '{ usage { memoryTokens } }',
    {},
    key.secret,
  );
  return result.data!.usage.memoryTokens;
}

describe('W7, W8: a GET runs nothing with side effects', () => {
  const chat = (session: string) =>
    `subscription { chat(input: { model: "openai/gpt-4o", sessionId: "${session}", messages: [{ role: USER, content: "star accept" }] }) { delta } }`;

  for (const accept of ['*/*', 'text/event-stream', null]) {
    it(`refuses the chat subscription by GET (Accept: ${accept}) as a mutation is: 405, nothing called, stored or billed`, async () => {
      const key = await newKey();
      await resetFakes();
      const response = await getGraphQL(key, chat('getchat'), {
        'x-provider-key': 'sk-test',
        ...(accept === null ? {} : { accept }),
      });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      expect((await errorsOf(response)).map((error) => error.extensions)).toEqual([
        {
          code: 'BAD_USER_INPUT',
          reason: 'METHOD_NOT_ALLOWED',
          requestId: expect.stringMatching(/^mrq_/),
        },
      ]);
      expect(await fakeCalls()).toEqual([]);
      expect(await sessionCount(key, 'getchat')).toBe(0);
      expect(await usageTokens(key)).toBe(0);
    });
  }

  it('answers a mutation by GET with reason METHOD_NOT_ALLOWED, as README says of a 405', async () => {
    const key = await newKey();
    const response = await getGraphQL(
      key,
      'mutation { storeMemory(input: { content: "via GET", vault: { kind: SESSION, id: "getstore" } }) { id } }',
      { accept: 'application/json' },
    );
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect((await errorsOf(response)).map((error) => error.extensions)).toEqual([
      {
        code: 'BAD_USER_INPUT',
        reason: 'METHOD_NOT_ALLOWED',
        requestId: expect.stringMatching(/^mrq_/),
      },
    ]);
    expect(await sessionCount(key, 'getstore')).toBe(0);
  });

  it('still streams memoryEvents by GET (read-only; an EventSource can only GET)', async () => {
    const key = await newKey();
    const response = await getGraphQL(
      key,
      'subscription { memoryEvents(vault: { kind: CORE }) { id type } }',
      { accept: 'text/event-stream' },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await response.body?.cancel();
  });
});

describe('W6: two credentials that disagree are refused, not one picked', () => {
  const store = (session: string) =>
    JSON.stringify({
      query: `mutation { storeMemory(input: { content: "which account?", vault: { kind: SESSION, id: "${session}" } }) { id } }`,
    });
  const gqlHeaders = { 'content-type': 'application/json', accept: 'application/json' };

  it('refuses a store carrying two memory keys, or a memory key beside an admin token: 401 AMBIGUOUS_CREDENTIAL naming both, nothing stored', async () => {
    const a = await newKey();
    const b = await newKey();
    const cases: [string, Record<string, string>, string, RegExp][] = [
      [
        '',
        { authorization: `Bearer ${a.secret}`, 'x-memory-key': b.secret },
        'w6-1',
        /X-Memory-Key and Authorization/,
      ],
      [
        `?key=${b.secret}`,
        { authorization: `Bearer ${a.secret}` },
        'w6-2',
        /Authorization and the key query parameter/,
      ],
      [
        '',
        { 'x-api-key': b.secret, authorization: `Bearer ${a.secret}` },
        'w6-3',
        /Authorization and x-api-key/,
      ],
      [
        '',
        { authorization: `Bearer ${a.adminToken}`, 'x-memory-key': b.secret },
        'w6-4',
        /X-Memory-Key and Authorization/,
      ],
    ];
    for (const [query, headers, session, names] of cases) {
      const response = await workerFetch(`${BASE_URL}/graphql${query}`, {
        method: 'POST',
        headers: { ...gqlHeaders, ...headers },
        body: store(session),
      });
      expect(response.status, session).toBe(401);
      const [error] = await errorsOf(response);
      expect(error!.extensions, session).toEqual({
        code: 'UNAUTHENTICATED',
        reason: 'AMBIGUOUS_CREDENTIAL',
        requestId: expect.stringMatching(/^mrq_/),
      });
      expect(error!.message, session).toMatch(names);
      expect(await sessionCount(a, session)).toBe(0);
      expect(await sessionCount(b, session)).toBe(0);
    }
  });

  it('takes the same key sent in two places', async () => {
    const a = await newKey();
    const response = await workerFetch(`${BASE_URL}/graphql?key=${a.secret}`, {
      method: 'POST',
      headers: { ...gqlHeaders, authorization: `Bearer ${a.secret}`, 'x-memory-key': a.secret },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { me: { id: a.keyId } } });
  });

  it('refuses two different keys in a WebSocket connection_init', async () => {
    const a = await newKey();
    const b = await newKey();
    const client = createClient({
      url: `${BASE_URL.replace('http', 'ws')}/graphql`,
      webSocketImpl: WorkerWebSocket,
      connectionParams: { authorization: `Bearer ${a.secret}`, 'x-memory-key': b.secret },
      retryAttempts: 0,
      lazy: true,
    });
    let refused: unknown;
    try {
      await client.iterate({ query: '{ me { id } }' }).next();
    } catch (error) {
      refused = error;
    }
    await client.dispose();
    expect(refused).toEqual([
      expect.objectContaining({
        extensions: {
          code: 'UNAUTHENTICATED',
          reason: 'AMBIGUOUS_CREDENTIAL',
          requestId: expect.stringMatching(/^mrq_/),
        },
      }),
    ]);
  });

  /** The first answer of `{ me { id } }` over a socket whose upgrade carries `headers` and `?query`. */
  async function socketMe(
    connectionParams: Record<string, string>,
    { query = '', headers = {} }: { query?: string; headers?: Record<string, string> },
  ): Promise<unknown> {
    class UpgradeWith extends WorkerWebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, headers);
      }
    }
    const client = createClient({
      url: `${BASE_URL.replace('http', 'ws')}/graphql${query}`,
      webSocketImpl: UpgradeWith,
      connectionParams,
      retryAttempts: 0,
      lazy: true,
    });
    try {
      return (await client.iterate({ query: '{ me { id } }' }).next()).value;
    } catch (error) {
      return error;
    } finally {
      await client.dispose();
    }
  }

  it('refuses a connection_init credential that differs from the upgrade request’s (headers or ?key=), takes the same one', async () => {
    const a = await newKey();
    const b = await newKey();
    const refused = [
      expect.objectContaining({
        message: expect.stringMatching(/connection_init payload and the upgrade request/),
        extensions: {
          code: 'UNAUTHENTICATED',
          reason: 'AMBIGUOUS_CREDENTIAL',
          requestId: expect.stringMatching(/^mrq_/),
        },
      }),
    ];
    expect(
      await socketMe(
        { authorization: `Bearer ${a.secret}` },
        { headers: { authorization: `Bearer ${b.secret}` } },
      ),
    ).toEqual(refused);
    expect(
      await socketMe({ 'x-memory-key': a.secret }, { headers: { 'x-api-key': b.secret } }),
    ).toEqual(refused);
    expect(await socketMe({ authorization: a.secret }, { query: `?key=${b.secret}` })).toEqual(
      refused,
    );
    expect(
      await socketMe({ authorization: `Bearer ${a.adminToken}` }, { query: `?key=${b.secret}` }),
    ).toEqual(refused);
    // The same key in both places, or in either alone, is taken.
    const me = { data: { me: { id: a.keyId } } };
    expect(
      await socketMe(
        { authorization: `Bearer ${a.secret}` },
        { headers: { 'x-memory-key': a.secret }, query: `?key=${a.secret}` },
      ),
    ).toEqual(me);
    expect(await socketMe({ authorization: a.secret }, {})).toEqual(me);
    expect(await socketMe({}, { headers: { authorization: `Bearer ${a.secret}` } })).toEqual(me);
  });

  it('drop-in: the SDK key slot holding a provider key beside X-Memory-Key is the provider key', async () => {
    const a = await newKey();
    await resetFakes();
    // OpenAI's SDK: apiKey is the provider key, the memory key an extra header.
    const openai = new OpenAI({
      apiKey: 'sk-userprov-123456',
      baseURL: `${BASE_URL}/v1`,
      fetch: workerFetch,
      maxRetries: 0,
      defaultHeaders: { 'x-memory-key': a.secret },
    });
    const answer = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hdr test 4' }],
    });
    expect(answer.choices[0]!.message.content).toBeTruthy();
    expect(
      (await upstreamCalls('api.openai.com')).map((call) => call.headers.authorization),
    ).toEqual(['Bearer sk-userprov-123456']);
    // Anthropic's SDK: x-api-key.
    const anthropic = new Anthropic({
      apiKey: 'sk-ant-userprov-7890',
      baseURL: BASE_URL,
      fetch: workerFetch,
      maxRetries: 0,
      defaultHeaders: { 'x-memory-key': a.secret },
    });
    await anthropic.messages.create({
      model: 'claude-sonnet-4',
      max_tokens: 16,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(
      (await upstreamCalls('api.anthropic.com')).map((call) => call.headers['x-api-key']),
    ).toEqual(['sk-ant-userprov-7890']);
  });

  it("drop-in: a provider key in the key slot that differs from X-Provider-Key is refused in the provider's shape", async () => {
    const a = await newKey();
    await resetFakes();
    const response = await workerFetch(`${BASE_URL}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-memory-key': a.secret,
        authorization: 'Bearer sk-one',
        'x-provider-key': 'sk-two',
      },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { message: string; code: string } };
    expect(body.error.message).toMatch(/X-Provider-Key and Authorization/);
    expect(JSON.stringify(body)).toMatch(/AMBIGUOUS_CREDENTIAL/);
    expect(await fakeCalls()).toEqual([]);
  });
});

describe('an admin token beside X-Memory-Key on a drop-in route', () => {
  it('is refused as a second credential, never forwarded to the provider as its key', async () => {
    const a = await newKey();
    await resetFakes();
    const response = await workerFetch(`${BASE_URL}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-memory-key': a.secret,
        authorization: `Bearer ${a.adminToken}`,
      },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(401);
    expect(JSON.stringify(await response.json())).toMatch(/AMBIGUOUS_CREDENTIAL/);
    expect(await fakeCalls()).toEqual([]);
  });
});

describe('W9: an admin token is kept out of URLs', () => {
  it('refuses ?key=<admin JWT> saying admin tokens go in a header', async () => {
    const a = await newKey();
    const response = await workerFetch(`${BASE_URL}/graphql?key=${a.adminToken}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: '{ memoryKeys { id } }' }),
    });
    expect(response.status).toBe(401);
    const [error] = await errorsOf(response);
    expect(error!.extensions).toEqual({
      code: 'UNAUTHENTICATED',
      reason: 'ADMIN_TOKEN_IN_URL',
      requestId: expect.stringMatching(/^mrq_/),
    });
    expect(error!.message).toMatch(/Authorization: Bearer <JWT>/);
  });
});

describe('a ?key= that is not a memory key', () => {
  const notKeys = [
    'AIzaSyD-provider-key-000000000000000',
    'sk-userprov-123456',
    'mk-typo-1234',
    'xyzzy',
  ];

  it('is refused INVALID_KEY_FORMAT on /graphql, never ignored in favour of another credential or none', async () => {
    const a = await newKey();
    for (const value of notKeys) {
      for (const headers of [{}, { authorization: `Bearer ${a.secret}` }] as Record<
        string,
        string
      >[]) {
        const response = await workerFetch(`${BASE_URL}/graphql?key=${encodeURIComponent(value)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
          body: JSON.stringify({
            query: `mutation { storeMemory(input: { content: "via a bad key", vault: { kind: SESSION, id: "badkey" } }) { id } }`,
          }),
        });
        expect(response.status, value).toBe(401);
        const [error] = await errorsOf(response);
        expect(error!.extensions).toEqual({
          code: 'UNAUTHENTICATED',
          reason: 'INVALID_KEY_FORMAT',
          requestId: expect.stringMatching(/^mrq_/),
        });
        // The value is a secret of some kind: never echoed.
        expect(error!.message).not.toContain(value);
      }
    }
    expect(await sessionCount(a, 'badkey')).toBe(0);
  });

  it("is refused in the provider's shape on a drop-in route, calling nothing", async () => {
    const a = await newKey();
    await resetFakes();
    const response = await workerFetch(
      `${BASE_URL}/v1beta/models/gemini-2.0-flash:generateContent?key=${notKeys[0]}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-memory-key': a.secret },
        body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
      },
    );
    expect(response.status).toBe(401);
    expect(JSON.stringify(await response.json())).toMatch(/INVALID_KEY_FORMAT/);
    expect(await fakeCalls()).toEqual([]);
  });
});

describe('W2: brackets nested past the parser’s stack are refused before parsing', () => {
  const nested = (depth: number, space = '') =>
    `query($i: SearchInput!${space}=${'['.repeat(depth)}${']'.repeat(depth)}) { me { id } }`;

  it('answers NESTING_LIMIT over HTTP, 400 under graphql-response+json, never an unexpected error', async () => {
    for (const [depth, space] of [
      [50_000, ''],
      [50_000, ' '],
      [2_000, ''],
      [101, ''],
    ] as const) {
      const response = await workerFetch(`${BASE_URL}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json',
        },
        body: JSON.stringify({ query: nested(depth, space) }),
      });
      expect(response.status, `${depth}`).toBe(400);
      expect(
        (await errorsOf(response)).map((error) => error.extensions),
        `${depth}`,
      ).toEqual([
        {
          code: 'BAD_USER_INPUT',
          reason: 'NESTING_LIMIT',
          requestId: expect.stringMatching(/^mrq_/),
        },
      ]);
    }
    // Brackets inside strings and comments are text, not nesting.
    const key = await newKey();
    const quoted = await post(
      `# ${'['.repeat(500)}\n{ me { id } vault(selector: { kind: SESSION, id: "${'[\\"'.repeat(500)}" }) { memoryCount } }`,
      {},
      key.secret,
    );
    expect(quoted.errors?.map((error) => error.extensions?.reason)).not.toContain('NESTING_LIMIT');
  });

  it('answers NESTING_LIMIT over WebSocket, and the socket still serves', async () => {
    const key = await newKey();
    const client = createClient({
      url: `${BASE_URL.replace('http', 'ws')}/graphql`,
      webSocketImpl: WorkerWebSocket,
      connectionParams: { authorization: `Bearer ${key.secret}` },
      retryAttempts: 0,
      lazy: true,
    });
    let refused: unknown;
    try {
      await client.iterate({ query: nested(50_000) }).next();
    } catch (error) {
      refused = error;
    }
    expect(refused).toEqual([
      expect.objectContaining({
        extensions: {
          code: 'BAD_USER_INPUT',
          reason: 'NESTING_LIMIT',
          requestId: expect.stringMatching(/^mrq_/),
        },
      }),
    ]);
    const me = await client.iterate({ query: '{ me { id } }' }).next();
    expect(me.value).toEqual({ data: { me: { id: key.keyId } } });
    await client.dispose();
  });
});

describe('W1: a binary WebSocket frame', () => {
  /** A raw graphql-transport-ws socket to the Worker, acknowledged, and what it receives. */
  async function rawSocket(secret: string) {
    const response = await workerFetch(`${BASE_URL}/graphql`, {
      headers: { upgrade: 'websocket', 'sec-websocket-protocol': 'graphql-transport-ws' },
    });
    const socket = response.webSocket!;
    socket.accept();
    const messages: Record<string, unknown>[] = [];
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      socket.addEventListener('close', (event) =>
        resolve({ code: event.code, reason: event.reason }),
      ),
    );
    const waiting: (() => void)[] = [];
    socket.addEventListener('message', (event) => {
      messages.push(JSON.parse(event.data as string) as Record<string, unknown>);
      waiting.splice(0).forEach((wake) => wake());
    });
    const next = async (type: string) => {
      for (;;) {
        const found = messages.find((message) => message.type === type);
        if (found) return found;
        await new Promise<void>((resolve) => waiting.push(resolve));
      }
    };
    socket.send(
      JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${secret}` } }),
    );
    await next('connection_ack');
    return { socket, next, closed };
  }

  it('reads a binary frame holding a message as its UTF-8 text', async () => {
    const key = await newKey();
    const { socket, next } = await rawSocket(key.secret);
    socket.send(
      new TextEncoder().encode(
        JSON.stringify({ id: 'q', type: 'subscribe', payload: { query: '{ me { id } }' } }),
      ),
    );
    expect(await next('next')).toEqual({
      id: 'q',
      type: 'next',
      payload: { data: { me: { id: key.keyId } } },
    });
    socket.close(1000);
  });

  it('closes with 4400 on a binary frame that is not UTF-8, coded, never uncaught', async () => {
    const key = await newKey();
    const { socket, closed } = await rawSocket(key.secret);
    socket.send(new Uint8Array([0xff, 0xfe, 0x00]));
    expect(await closed).toEqual({ code: 4400, reason: 'Invalid message received' });
  });

  it('closes with 1009 on a binary frame over the request limit, as on a text one', async () => {
    const key = await newKey();
    const { socket, closed } = await rawSocket(key.secret);
    socket.send(new Uint8Array(262_145).fill(0x20));
    expect((await closed).code).toBe(1009);
  });
});

describe('W4: content that shows as nothing', () => {
  it('refuses zero-width and other invisible content as EMPTY_CONTENT, as whitespace is, storing and billing nothing', async () => {
    const key = await newKey();
    for (const content of ['\u200b', ' \u200b\n\t', '\u200c\u200d\u2060\ufeff', '\u00ad']) {
      const result = await post(
        'mutation($c: String!) { storeMemory(input: { content: $c, vault: { kind: SESSION, id: "w4" } }) { id } }',
        { c: content },
        key.secret,
      );
      expect(result.errors?.[0]?.extensions, JSON.stringify(content)).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'EMPTY_CONTENT',
      });
    }
    expect(await sessionCount(key, 'w4')).toBe(0);
    expect(await usageTokens(key)).toBe(0);
  });
});

describe('W5: a drop-in body nested too deep', () => {
  it('is refused TOO_DEEP in the provider’s shape (not "not JSON"), calling nothing; 512 levels are read', async () => {
    const key = await newKey();
    await resetFakes();
    const send = (depth: number) =>
      workerFetch(`${BASE_URL}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${key.secret}`,
          'x-provider-key': 'sk-test',
        },
        body: `{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"x":${'['.repeat(depth)}${']'.repeat(depth)}}`,
      });
    const refused = await send(10_000);
    expect(refused.status).toBe(400);
    const body = (await refused.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ message: expect.stringMatching(/512 levels/) });
    expect(JSON.stringify(body)).toContain('TOO_DEEP');
    expect(await fakeCalls()).toEqual([]);
    // At the limit (the body's own object is one level): read and sent on
    // (the fake provider then refuses the unknown field, as OpenAI would).
    expect(await (await send(511)).text()).not.toContain('TOO_DEEP');
    expect(await upstreamCalls('api.openai.com')).toHaveLength(1);
  });
});
