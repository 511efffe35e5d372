import { print } from 'graphql';
import { createClient as createWsClient } from 'graphql-ws';
import { beforeEach, describe, expect, it } from 'vitest';
import { ChatStreamDocument, type ChatStreamSubscription } from './generated/graphql';
import { eventually, fakeCalls, resetFakes, scriptFake, type FakeMode } from './helpers/fakes';
import type { newKey } from './helpers/graphql';
import { BASE_URL } from './helpers/graphql';
import { chatSseClient, postChat } from './helpers/graphql-chat';
import { keyWithMemory, postJson, usageTokens, vaultContents } from './helpers/drop-in';
import { WorkerWebSocket } from './helpers/websocket';

type Key = Awaited<ReturnType<typeof newKey>>;
/** A parsed JSON body of any of the three surfaces. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- three providers' shapes, read loosely
type Json = Record<string, any>;

/**
 * What a client saw, whatever the surface: the text it got, and the error
 * that ended it (its `code` as the client reads it: ours, or on a drop-in
 * route the provider's own, see providerCode).
 */
interface Outcome {
  deltas: string;
  error: { code: string | null | undefined; reason: string | undefined } | null;
  /** HTTP status of a REST answer (200 once a stream has started). */
  status?: number;
  retryAfter?: string | null;
}

const QUESTION = 'please tell me about the failing upstream';

const GRAPHQL_INPUT = {
  model: 'openai/gpt-4o',
  messages: [{ role: 'USER', content: QUESTION }],
  sessionId: 'failures',
};
const CHAT_MUTATION = 'mutation($input: ChatInput!) { chat(input: $input) { content } }';

async function graphqlMutation(key: Key): Promise<Outcome> {
  const body = await postChat(key.secret, CHAT_MUTATION, GRAPHQL_INPUT);
  const error = body.errors?.[0]?.extensions;
  return { deltas: '', error: error ? { code: error.code!, reason: error.reason } : null };
}

/** Reads a subscription's events into `seen` until it ends or fails. */
async function graphqlSubscription(
  events: AsyncIterable<{ data?: ChatStreamSubscription | null; errors?: readonly unknown[] }>,
  seen: Outcome = { deltas: '', error: null },
): Promise<Outcome> {
  for await (const result of events) {
    if (result.errors?.length) {
      const { code, reason } = (
        result.errors[0] as { extensions: { code: string; reason?: string } }
      ).extensions;
      return { ...seen, error: { code, reason } };
    }
    seen.deltas += result.data?.chat.delta ?? '';
  }
  return seen;
}

function graphqlSse(key: Key): Promise<Outcome> {
  const client = chatSseClient(key.secret);
  return graphqlSubscription(
    client.iterate({ query: print(ChatStreamDocument), variables: { input: GRAPHQL_INPUT } }),
  );
}

async function graphqlWebSocket(key: Key): Promise<Outcome> {
  const client = createWsClient({
    url: `${BASE_URL.replace('http', 'ws')}/graphql`,
    webSocketImpl: WorkerWebSocket,
    connectionParams: { authorization: `Bearer ${key.secret}`, providerKey: 'sk-test' },
    retryAttempts: 0,
    lazy: true,
  });
  const seen: Outcome = { deltas: '', error: null };
  try {
    return await graphqlSubscription(
      client.iterate<ChatStreamSubscription>({
        query: print(ChatStreamDocument),
        variables: { input: GRAPHQL_INPUT },
      }),
      seen,
    );
  } catch (errors) {
    // graphql-ws rejects the iterator with the `error` message's errors.
    const [first] = errors as { extensions: { code: string; reason?: string } }[];
    return { ...seen, error: { code: first!.extensions.code, reason: first!.extensions.reason } };
  } finally {
    await client.dispose();
  }
}

type Surface = 'openai' | 'responses' | 'anthropic' | 'google';

const REST = {
  openai: {
    host: 'api.openai.com',
    path: (stream: boolean) =>
      [
        '/v1/chat/completions',
        { model: 'gpt-4o', stream, messages: [{ role: 'user', content: QUESTION }] },
      ] as const,
    headers: (key: Key) => ({
      authorization: `Bearer ${key.secret}`,
      'x-provider-key': 'sk-test',
      'x-session-id': 'failures',
    }),
  },
  responses: {
    host: 'api.openai.com',
    path: (stream: boolean) =>
      ['/v1/responses', { model: 'gpt-4o', stream, input: QUESTION }] as const,
    headers: (key: Key) => ({
      authorization: `Bearer ${key.secret}`,
      'x-provider-key': 'sk-test',
      'x-session-id': 'failures',
    }),
  },
  anthropic: {
    host: 'api.anthropic.com',
    path: (stream: boolean) =>
      [
        '/v1/messages',
        {
          model: 'claude-sonnet-4',
          max_tokens: 100,
          stream,
          messages: [{ role: 'user', content: QUESTION }],
        },
      ] as const,
    headers: (key: Key) => ({
      'x-api-key': key.secret,
      'x-provider-key': 'sk-ant-test',
      'anthropic-version': '2023-06-01',
      'x-session-id': 'failures',
    }),
  },
  google: {
    host: 'generativelanguage.googleapis.com',
    path: (stream: boolean) =>
      [
        `/v1beta/models/gemini-2.5-flash:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
        { contents: [{ role: 'user', parts: [{ text: QUESTION }] }] },
      ] as const,
    headers: (key: Key) => ({
      'x-goog-api-key': key.secret,
      'x-provider-key': 'AIza-test',
      'x-session-id': 'failures',
    }),
  },
} as const;

/** The error inside each surface's own error body: its code, and our reason. */
function errorOf(surface: Surface, body: Json): Outcome['error'] {
  if (surface === 'google') {
    const ours = body.error?.details.find((detail: Json) => detail.domain === 'memoryrouter');
    return ours ? { code: ours.metadata.code, reason: ours.reason } : null;
  }
  // The Responses API's error event carries its fields at the top.
  if (surface === 'responses' && body.type === 'error')
    return { code: body.code, reason: body.reason };
  const error = surface === 'anthropic' ? (body.type === 'error' ? body.error : null) : body.error;
  return error ? { code: error.code, reason: error.reason } : null;
}

function textOf(surface: Surface, body: Json): string {
  if (surface === 'responses')
    return body.type === 'response.output_text.delta'
      ? body.delta
      : (body.output ?? [])
          .flatMap((item: Json) => item.content ?? [])
          .map((part: Json) => part.text ?? '')
          .join('');
  if (surface === 'openai')
    return body.choices?.[0]?.delta?.content ?? body.choices?.[0]?.message?.content ?? '';
  if (surface === 'anthropic')
    return (
      body.delta?.text ?? (body.content ?? []).map((b: { text?: string }) => b.text ?? '').join('')
    );
  return (body.candidates?.[0]?.content?.parts ?? [])
    .map((p: { text?: string }) => p.text ?? '')
    .join('');
}

async function rest(key: Key, surface: Surface, stream: boolean): Promise<Outcome> {
  const [path, body] = REST[surface].path(stream);
  const response = await postJson(path, body, REST[surface].headers(key));
  const text = await response.text();
  const base = { status: response.status, retryAfter: response.headers.get('retry-after') };
  if (!response.headers.get('content-type')?.includes('text/event-stream')) {
    const json = JSON.parse(text) as Json;
    return {
      ...base,
      deltas: response.ok ? textOf(surface, json) : '',
      error: response.ok ? null : errorOf(surface, json),
    };
  }
  let deltas = '';
  let error: Outcome['error'] = null;
  for (const line of text.split(/\r?\n/)) {
    if (!line.startsWith('data: {')) continue;
    const data = JSON.parse(line.slice(6)) as Json;
    const found = errorOf(surface, data);
    if (found) error = found;
    else deltas += textOf(surface, data);
  }
  return { ...base, deltas, error };
}

const SURFACES: [string, string, (key: Key) => Promise<Outcome>][] = [
  ['GraphQL mutation', 'api.openai.com', graphqlMutation],
  ['GraphQL over SSE', 'api.openai.com', graphqlSse],
  ['GraphQL over WebSocket', 'api.openai.com', graphqlWebSocket],
  ['/v1/chat/completions', 'api.openai.com', (key) => rest(key, 'openai', false)],
  ['/v1/chat/completions streamed', 'api.openai.com', (key) => rest(key, 'openai', true)],
  ['/v1/responses', 'api.openai.com', (key) => rest(key, 'responses', false)],
  ['/v1/responses streamed', 'api.openai.com', (key) => rest(key, 'responses', true)],
  ['/v1/messages', 'api.anthropic.com', (key) => rest(key, 'anthropic', false)],
  ['/v1/messages streamed', 'api.anthropic.com', (key) => rest(key, 'anthropic', true)],
  [
    'Gemini generateContent',
    'generativelanguage.googleapis.com',
    (key) => rest(key, 'google', false),
  ],
  [
    'Gemini streamGenerateContent',
    'generativelanguage.googleapis.com',
    (key) => rest(key, 'google', true),
  ],
];

/** A later turn of the same session landed: whatever the failed call stored would be there by now. */
async function afterNextTurn(key: Key) {
  const marker = `sentinel_${Math.random().toString(36).slice(2)}`;
  const response = await postJson(
    '/v1/chat/completions',
    { model: 'gpt-4o', messages: [{ role: 'user', content: marker }] },
    {
      authorization: `Bearer ${key.secret}`,
      'x-provider-key': 'sk-test',
      'x-session-id': 'failures',
    },
  );
  expect(response.status).toBe(200);
  await eventually(async () =>
    expect(await vaultContents(key.api, marker, { kind: 'SESSION', id: 'failures' })).toHaveLength(
      2,
    ),
  );
}

/** The fakes' codes for the statuses scripted below, in OpenAI's format (test/fakes/openai.mjs). */
const OPENAI_CODES: Record<number, string | null> = {
  401: 'invalid_api_key',
  429: 'rate_limit_exceeded',
  503: null,
};

/**
 * The `code` a client reads on an error the provider itself sent (a refusal
 * or its error event mid-stream): over GraphQL ours; on a drop-in route the
 * provider's own, as its SDK reads it: OpenAI's `code`, none in Anthropic's
 * errors, ours in Google's ErrorInfo beside the provider's details.
 */
function providerCode(surface: string, status: number | 'event'): string | null | undefined {
  if (surface.startsWith('GraphQL') || surface.startsWith('Gemini')) return 'UPSTREAM_ERROR';
  if (surface.startsWith('/v1/messages')) return undefined;
  if (status === 'event') return surface.startsWith('/v1/responses') ? 'server_error' : null;
  return OPENAI_CODES[status];
}

describe('every upstream failure is UPSTREAM_ERROR with a reason, in each surface’s shape', () => {
  beforeEach(resetFakes);

  const refusals: [
    string,
    { status?: number; mode?: FakeMode; headers?: Record<string, string> },
    string,
    number,
    string | null,
  ][] = [
    ['unreachable', { mode: 'unreachable' }, 'UNREACHABLE', 502, null],
    ['a 401', { status: 401 }, 'PROVIDER_4XX', 401, null],
    [
      'a 429 with Retry-After',
      { status: 429, headers: { 'retry-after': '7' } },
      'PROVIDER_4XX',
      429,
      '7',
    ],
    // The provider's own status, as its SDK expects (a retry on 503).
    ['a 503', { status: 503 }, 'PROVIDER_5XX', 503, null],
  ];
  for (const [kind, script, reason, httpStatus, retryAfter] of refusals) {
    it(`${kind}: refused before any text, not metered`, async () => {
      const key = await keyWithMemory();
      const before = await usageTokens(key);
      for (const [surface, host, run] of SURFACES) {
        await scriptFake({ host, ...script });
        const outcome = await run(key);
        const code =
          reason === 'UNREACHABLE' ? 'UPSTREAM_ERROR' : providerCode(surface, httpStatus);
        expect(outcome.error, surface).toEqual({ code, reason });
        expect(outcome.deltas, surface).toBe('');
        if (outcome.status !== undefined) {
          expect(outcome.status, surface).toBe(httpStatus);
          expect(outcome.retryAfter, surface).toBe(retryAfter);
        }
      }
      expect((await fakeCalls()).length).toBe(SURFACES.length);
      // Memory was injected into none of these calls: nothing metered.
      expect(await usageTokens(key)).toBe(before);
    });
  }

  it("Gemini's JSON array stream ends with the error as its last element when the stream breaks mid-event", async () => {
    const key = await keyWithMemory();
    await scriptFake({ host: 'generativelanguage.googleapis.com', mode: 'cut-mid-event' });
    const response = await postJson(
      '/v1beta/models/gemini-2.5-flash:streamGenerateContent',
      { contents: [{ role: 'user', parts: [{ text: QUESTION }] }] },
      REST.google.headers(key),
    );
    const elements = (await response.json()) as Json[];
    expect(elements.map((element) => textOf('google', element)).join('')).toBe('Fake ');
    expect(errorOf('google', elements.at(-1)!)).toEqual({
      code: 'UPSTREAM_ERROR',
      reason: 'STREAM_BROKEN',
    });
  });

  it('a redirect is never followed: REDIRECTED, and the provider key goes to no other host', async () => {
    const key = await keyWithMemory();
    for (const [surface, host, run] of SURFACES) {
      // Another provider's fake: a followed redirect would be recorded there.
      const elsewhere = host === 'api.anthropic.com' ? 'api.openai.com' : 'api.anthropic.com';
      await scriptFake({
        host,
        status: 307,
        headers: { location: `https://${elsewhere}/v1/redirected?token=abc` },
      });
      const outcome = await run(key);
      expect(outcome.error, surface).toEqual({ code: 'UPSTREAM_ERROR', reason: 'REDIRECTED' });
      expect(outcome.deltas, surface).toBe('');
      if (outcome.status !== undefined) expect(outcome.status, surface).toBe(502);
    }
    const calls = await fakeCalls();
    expect(calls.length).toBe(SURFACES.length);
    expect(calls.filter((call) => call.path.includes('redirected'))).toEqual([]);
  });

  const breaks: [string, FakeMode][] = [
    ['a reset mid-stream', 'reset'],
    ['malformed data', 'malformed'],
    ['the provider’s error event after the 200', 'midstream-error'],
    ['a stream cut short', 'cut'],
    // The error event must not be glued to the half event before it.
    ['a stream cut half-way through an event', 'cut-mid-event'],
    ['a JSON body where events were due', 'json-body'],
  ];
  /** Modes only a stream can show (the GraphQL mutation streams upstream too). */
  const STREAM_ONLY: FakeMode[] = ['midstream-error', 'cut-mid-event', 'json-body'];
  for (const [kind, mode] of breaks) {
    it(`${kind}: STREAM_BROKEN after the text so far, and the partial answer is not stored`, async () => {
      const key = await keyWithMemory();
      for (const [surface, host, run] of SURFACES) {
        const streamed =
          surface.includes('SSE') || surface.includes('WebSocket') || surface.includes('stream');
        if (STREAM_ONLY.includes(mode) && !streamed && surface !== 'GraphQL mutation') continue;
        await scriptFake({ host, mode });
        const outcome = await run(key);
        const code = mode === 'midstream-error' ? providerCode(surface, 'event') : 'UPSTREAM_ERROR';
        expect(outcome.error, surface).toEqual({ code, reason: 'STREAM_BROKEN' });
        if (streamed && mode !== 'cut' && mode !== 'json-body')
          expect(outcome.deltas, surface).toBe('Fake ');
        if (mode === 'json-body') expect(outcome.deltas, surface).toBe('');
        // A JSON body where events were due is refused before the stream starts (review 256 F4).
        if (outcome.status !== undefined)
          expect(outcome.status, surface).toBe(streamed && mode !== 'json-body' ? 200 : 502);
      }
      await afterNextTurn(key);
      expect(
        await vaultContents(key.api, 'failing upstream', { kind: 'SESSION', id: 'failures' }),
      ).toEqual([]);
    });
  }

  it('a provider gone silent: TIMEOUT, as a 504 or as an error event after the text so far', async () => {
    const key = await keyWithMemory();
    await scriptFake({ host: 'api.anthropic.com', mode: 'hang' });
    await scriptFake({ host: 'api.openai.com', mode: 'hang' });
    await scriptFake({ host: 'api.openai.com', mode: 'hang' });
    // All three at once: each waits out UPSTREAM_TIMEOUT_MS, together rather than in turn.
    const [anthropic, openai, responses] = await Promise.all([
      rest(key, 'anthropic', false),
      rest(key, 'openai', true),
      rest(key, 'responses', true),
    ]);
    expect(anthropic).toMatchObject({
      status: 504,
      error: { code: 'UPSTREAM_ERROR', reason: 'TIMEOUT' },
    });
    expect(openai).toMatchObject({
      status: 200,
      deltas: 'Fake ',
      error: { code: 'UPSTREAM_ERROR', reason: 'TIMEOUT' },
    });
    expect(responses).toMatchObject({
      status: 200,
      deltas: 'Fake ',
      error: { code: 'UPSTREAM_ERROR', reason: 'TIMEOUT' },
    });
  });

  it('a billed failure carries the memory receipt: X-Memory-Tokens is what usage grew by (review275 F2)', async () => {
    // A memory the question finds, so each call is given (and billed) some.
    const key = await keyWithMemory('The failing upstream is the payments service');
    const cases: [Surface, boolean, FakeMode][] = [
      ['openai', false, 'cut'],
      ['responses', false, 'malformed'],
      ['anthropic', false, 'reset'],
      ['google', false, 'cut'],
      // A whole JSON body where events were due: refused before the stream, billed.
      ['openai', true, 'json-body'],
    ];
    for (const [surface, stream, mode] of cases) {
      const label = `${surface}${stream ? ' streamed' : ''}, ${mode}`;
      const before = await usageTokens(key);
      await scriptFake({ host: REST[surface].host, mode });
      const [path, body] = REST[surface].path(stream);
      const response = await postJson(path, body, REST[surface].headers(key));
      expect(response.status, label).toBe(502);
      expect(errorOf(surface, (await response.json()) as Json), label).toEqual({
        code: 'UPSTREAM_ERROR',
        reason: 'STREAM_BROKEN',
      });
      // Before: only the request id; the bill could not be matched to the call.
      const billed = Number(response.headers.get('x-memory-tokens'));
      expect(billed, label).toBeGreaterThan(0);
      expect(response.headers.get('x-memory-receipt'), label).not.toBeNull();
      await eventually(async () => expect(await usageTokens(key), label).toBe(before + billed));
    }
  });

  it('meters injected memory once the provider accepted the call', async () => {
    const key = await keyWithMemory();
    const before = await usageTokens(key);
    const response = await postJson(
      '/v1/chat/completions',
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'where do I live?' }] },
      {
        authorization: `Bearer ${key.secret}`,
        'x-provider-key': 'sk-test',
        'x-memory-mode': 'read',
      },
    );
    const injected = Number(response.headers.get('x-memory-tokens'));
    expect(injected).toBeGreaterThan(0);
    expect(await usageTokens(key)).toBe(before + injected);
  });
});
