import { env } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { vaultObjectName } from '../../src/vaults/address';
import { print } from 'graphql';
import { SearchDocument, StoreMemoryDocument } from '../generated/graphql';
import { anthropicClient, keyWithMemory, postJson } from '../helpers/drop-in';
import { resetFakes, scriptFake } from '../helpers/fakes';
import { BASE_URL, newKey, workerFetch } from '../helpers/graphql';

/**
 * One id per request (src/core/request-log.ts): every answer carries it as
 * X-Memory-Request-Id, GraphQL errors in `extensions.requestId`, our own
 * errors on the drop-in routes where the SDK reads a request id, and the log
 * line of a failure names it.
 */
const HEADER = 'x-memory-request-id';
const ID = /^mrq_[A-Za-z0-9_-]{16}$/;

function idOf(response: Response, what: string): string {
  const id = response.headers.get(HEADER);
  expect(id, what).toMatch(ID);
  return id!;
}

const graphql = (query: string, headers: Record<string, string> = {}) =>
  postJson('/graphql', { query }, headers);

/** Everything the spied console method was called with, as one text. */
const logText = (spy: { mock: { calls: unknown[][] } }) =>
  spy.mock.calls.flat().map(String).join(' ');

describe('the request id', () => {
  beforeEach(resetFakes);

  it('is on the answer of every route family, and differs from request to request', async () => {
    const { secret } = await keyWithMemory();
    const auth = { authorization: `Bearer ${secret}` };
    const chat = { model: 'gpt-4o', messages: [{ role: 'user', content: 'where do I live?' }] };
    const answers: [string, Response][] = [
      ['health', await workerFetch(`${BASE_URL}/health`)],
      ['preflight', await workerFetch(`${BASE_URL}/graphql`, { method: 'OPTIONS' })],
      ['unknown path', await workerFetch(`${BASE_URL}/nowhere`)],
      ['graphql POST', await graphql('{ me { id } }', auth)],
      ['graphql POST again', await graphql('{ me { id } }', auth)],
      [
        'graphql GET',
        await workerFetch(`${BASE_URL}/graphql?query=${encodeURIComponent('{ me { id } }')}`, {
          headers: auth,
        }),
      ],
      [
        'graphql SSE',
        await workerFetch(`${BASE_URL}/graphql`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json', accept: 'text/event-stream' },
          body: JSON.stringify({ query: 'subscription { memoryEvents { __typename } }' }),
        }),
      ],
      [
        'graphql WebSocket upgrade',
        await workerFetch(`${BASE_URL}/graphql`, {
          headers: { upgrade: 'websocket', 'sec-websocket-protocol': 'graphql-transport-ws' },
        }),
      ],
      [
        'chat',
        await postJson('/v1/chat/completions', chat, { ...auth, 'x-provider-key': 'sk-test' }),
      ],
      [
        'chat streamed',
        await postJson(
          '/v1/chat/completions',
          { ...chat, stream: true },
          { ...auth, 'x-provider-key': 'sk-test' },
        ),
      ],
      ['chat refused', await postJson('/v1/chat/completions', chat, {})],
      [
        'anthropic refused',
        await postJson('/v1/messages', { model: 'claude-sonnet-4-5', max_tokens: 8 }, {}),
      ],
      ['export', await workerFetch(`${BASE_URL}/v1/vaults/core/export`, { headers: auth })],
      [
        'import',
        await workerFetch(`${BASE_URL}/v1/vaults/core/import`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/x-ndjson' },
          body: '',
        }),
      ],
      [
        'webhook',
        await workerFetch(`${BASE_URL}/stripe/webhook`, {
          method: 'POST',
          headers: { 'stripe-signature': 't=1,v1=abc' },
          body: '{}',
        }),
      ],
    ];
    const ids = answers.map(([what, response]) => idOf(response, what));
    expect(new Set(ids).size).toBe(ids.length);
    for (const [, response] of answers) {
      response.webSocket?.accept();
      response.webSocket?.close();
      await response.body?.cancel();
    }
    // The first chat of the file loads the embedder: slow on a loaded machine.
  }, 120_000);

  it('is in every GraphQL error’s extensions, the same as the header', async () => {
    const response = await graphql('{ me { id } nope }');
    const id = idOf(response, 'graphql error');
    const body = (await response.json()) as { errors: { extensions: Record<string, unknown> }[] };
    expect(body.errors.length).toBeGreaterThan(0);
    for (const error of body.errors) expect(error.extensions.requestId).toBe(id);

    const unauthenticated = await graphql('{ me { id } }');
    const theirs = idOf(unauthenticated, 'unauthenticated');
    const refused = (await unauthenticated.json()) as {
      errors: { extensions: Record<string, unknown> }[];
    };
    expect(refused.errors[0]!.extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
      requestId: theirs,
    });
  });

  it('is in the errors of a WebSocket’s operations, the upgrade answer’s id', async () => {
    const upgrade = await workerFetch(`${BASE_URL}/graphql`, {
      headers: { upgrade: 'websocket', 'sec-websocket-protocol': 'graphql-transport-ws' },
    });
    const id = idOf(upgrade, 'upgrade');
    const socket = upgrade.webSocket!;
    socket.accept();
    const messages: Record<string, unknown>[] = [];
    const arrived = (type: string) =>
      new Promise<Record<string, unknown>>((resolve) => {
        const check = () => {
          const found = messages.find((message) => message.type === type);
          if (found) resolve(found);
          else socket.addEventListener('message', check, { once: true });
        };
        check();
      });
    socket.addEventListener('message', (event) => messages.push(JSON.parse(String(event.data))));
    socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    await arrived('connection_ack');
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: '{ nope }' } }));
    const error = (await arrived('error')) as {
      payload: { extensions: Record<string, unknown> }[];
    };
    socket.close();
    expect(error.payload[0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', requestId: id });
  });

  it('is named by the log line of an unexpected error, and by the masked answer', async () => {
    const { api, secret, keyId } = await newKey();
    await api.request(StoreMemoryDocument, { input: { content: 'the vault works for now' } });
    // A stored memory's metadata no longer JSON: something no client can cause.
    const stub = env.VAULT.get(
      env.VAULT.idFromName(vaultObjectName({ kind: 'CORE', keyId, externalId: null })),
    );
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec(`UPDATE memories SET metadata = '{"corrupt'`);
    });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const response = await workerFetch(`${BASE_URL}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
        body: JSON.stringify({
          query: print(SearchDocument),
          variables: { input: { query: 'vault', mode: 'TEXT' } },
        }),
      });
      const id = idOf(response, 'masked');
      const body = (await response.json()) as {
        errors: { message: string; extensions: Record<string, unknown> }[];
      };
      expect(body.errors[0]).toMatchObject({
        message: 'Unexpected error.',
        extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: id },
      });
      expect(logText(logged)).toMatch(/Unterminated string in JSON/);
      expect(logged.mock.calls.some((call) => call[0] === `[${id}]`)).toBe(true);
    } finally {
      logged.mockRestore();
    }
  });

  it('is named by the log line of a provider call that broke or timed out (review 256 F12), the key never in it', async () => {
    const { secret } = await keyWithMemory();
    const providerKey = 'sk-test-broken-SEKRET123';
    const client = new OpenAI({
      apiKey: secret,
      baseURL: `${BASE_URL}/v1`,
      fetch: workerFetch,
      maxRetries: 0,
      defaultHeaders: { 'x-provider-key': providerKey },
    });
    const warned = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      for (const [mode, said] of [
        ['cut', 'openai answer broke (STREAM_BROKEN)'],
        ['hang', 'openai did not answer within'],
      ] as const) {
        await scriptFake({ host: 'api.openai.com', mode });
        const error = (await client.chat.completions
          .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] })
          .then(
            () => null,
            (caught: unknown) => caught,
          )) as InstanceType<typeof OpenAI.APIError>;
        expect(error).toBeInstanceOf(OpenAI.APIError);
        const id = error.headers?.get(HEADER);
        expect(id).toMatch(ID);
        const lines = warned.mock.calls
          .filter((call) => call[0] === `[${id}]`)
          .map((call) => call.map(String).join(' '));
        expect(lines, mode).toEqual([expect.stringContaining(said)]);
        expect(lines.join(' ')).not.toContain('SEKRET');
      }
    } finally {
      warned.mockRestore();
    }
  });

  it('is named by the log line of an unreachable provider, and the SDK’s error holds ours', async () => {
    const { secret } = await keyWithMemory();
    await scriptFake({ host: 'api.openai.com', mode: 'unreachable' });
    const warned = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const client = new OpenAI({
        apiKey: secret,
        baseURL: `${BASE_URL}/v1`,
        fetch: workerFetch,
        maxRetries: 0,
        defaultHeaders: { 'x-provider-key': 'sk-test-unreachable' },
      });
      const error = (await client.chat.completions
        .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] })
        .then(
          () => null,
          (caught: unknown) => caught,
        )) as InstanceType<typeof OpenAI.APIError>;
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect(error.status).toBe(502);
      const id = error.headers?.get(HEADER);
      expect(id).toMatch(ID);
      // No provider answered, so no provider id: the SDK's slot holds ours.
      expect(error.requestID).toBe(id);
      const lines = warned.mock.calls.filter((call) => call[0] === `[${id}]`);
      expect(lines.map((call) => call.map(String).join(' '))).toEqual([
        expect.stringContaining('openai could not be reached'),
      ]);
      expect(logText(warned)).not.toContain('sk-test-unreachable');
    } finally {
      warned.mockRestore();
    }
  });

  it('fills the SDKs’ request id on our own refusals, and leaves the provider’s on theirs', async () => {
    const refusedOpenAi = (await new OpenAI({
      apiKey: 'mk_not.a-key',
      baseURL: `${BASE_URL}/v1`,
      fetch: workerFetch,
      maxRetries: 0,
    }).chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught)) as InstanceType<typeof OpenAI.APIError>;
    expect(refusedOpenAi).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(refusedOpenAi.requestID).toMatch(ID);
    expect(refusedOpenAi.requestID).toBe(refusedOpenAi.headers?.get(HEADER));

    const refusedAnthropic = (await anthropicClient('mk_not.a-key')
      .messages.create({
        model: 'claude-sonnet-4-5',
        max_tokens: 8,
        messages: [{ role: 'user', content: 'hi' }],
      })
      .catch((caught: unknown) => caught)) as InstanceType<typeof Anthropic.APIError>;
    expect(refusedAnthropic).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(refusedAnthropic.requestID).toMatch(ID);
    expect(refusedAnthropic.requestID).toBe(refusedAnthropic.headers?.get(HEADER));

    // A provider's own refusal keeps the provider's id where its SDK reads it.
    const { secret } = await keyWithMemory();
    await scriptFake({
      host: 'api.anthropic.com',
      status: 429,
      headers: { 'request-id': 'req_provider_011' },
    });
    const limited = (await anthropicClient(secret, { 'x-provider-key': 'sk-ant-test' })
      .messages.create({
        model: 'claude-sonnet-4-5',
        max_tokens: 8,
        messages: [{ role: 'user', content: 'hi' }],
      })
      .catch((caught: unknown) => caught)) as InstanceType<typeof Anthropic.APIError>;
    expect(limited.status).toBe(429);
    expect(limited.requestID).toBe('req_provider_011');
    expect(limited.headers?.get(HEADER)).toMatch(ID);
  });
});
