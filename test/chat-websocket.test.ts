import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ChatStreamDocument,
  StoreMemoryDocument,
  type ChatStreamSubscription,
} from './generated/graphql';
import { BASE_URL, newKey } from './helpers/graphql';
import { eventually, fakeCalls, resetFakes, scriptFake } from './helpers/fakes';
import { keyWithMemory, usageTokens } from './helpers/drop-in';
import { WorkerWebSocket } from './helpers/websocket';

const input = {
  model: 'anthropic/claude-sonnet-4',
  messages: [{ role: 'USER', content: 'what is my dog called?' }],
};

function wsClient(connectionParams: Record<string, string>) {
  return createClient({
    url: `${BASE_URL.replace('http', 'ws')}/graphql`,
    webSocketImpl: WorkerWebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
  });
}

describe('Subscription.chat over WebSocket (graphql-ws)', () => {
  beforeEach(resetFakes);

  it('streams deltas and the final result with the key in connection_init', async () => {
    const { secret, api } = await newKey();
    await api.request(StoreMemoryDocument, { input: { content: 'My dog is called Pixel' } });
    const client = wsClient({ authorization: `Bearer ${secret}`, providerKey: 'sk-ant-test' });
    const events: ChatStreamSubscription['chat'][] = [];
    for await (const result of client.iterate<ChatStreamSubscription>({
      query: print(ChatStreamDocument),
      variables: { input },
    })) {
      expect(result.errors).toBeUndefined();
      events.push(result.data!.chat);
    }
    await client.dispose();
    const text = events
      .filter((e) => !e.done)
      .map((e) => e.delta)
      .join('');
    expect(text).toBe('Fake api.anthropic.com heard: what is my dog called?');
    expect(events.at(-1)!.result!.memory.hits.map((hit) => hit.memory.content)).toEqual([
      'My dog is called Pixel',
    ]);
    const [call] = await fakeCalls();
    expect(call!.headers['x-api-key']).toBe('sk-ant-test');
  });

  it('takes the provider key under the header’s name too, in any case, and names both when it is missing', async () => {
    const { secret } = await newKey();
    const spellings: Record<string, string>[] = [
      { authorization: `Bearer ${secret}`, 'x-provider-key': 'sk-ant-lower' },
      { Authorization: `Bearer ${secret}`, 'X-Provider-Key': 'sk-ant-upper' },
    ];
    for (const params of spellings) {
      const client = wsClient(params);
      for await (const result of client.iterate({
        query: print(ChatStreamDocument),
        variables: { input },
      })) {
        expect(result.errors).toBeUndefined();
      }
      await client.dispose();
    }
    expect((await fakeCalls()).map((call) => call.headers['x-api-key'])).toEqual([
      'sk-ant-lower',
      'sk-ant-upper',
    ]);

    const noKey = wsClient({ authorization: `Bearer ${secret}` });
    const refused = await noKey
      .iterate({ query: print(ChatStreamDocument), variables: { input } })
      .next();
    await noKey.dispose();
    const [error] = refused.value!.errors!;
    expect(error).toMatchObject({ extensions: { reason: 'PROVIDER_KEY_MISSING' } });
    expect(error!.message).toContain('`providerKey` or `x-provider-key` in connectionParams');
  });

  it('without a memory key, the refusal says to send it in connectionParams, where a browser can (review 256 F6)', async () => {
    const anonymous = wsClient({ providerKey: 'sk-ant-test' });
    const refused = await anonymous
      .iterate({ query: print(ChatStreamDocument), variables: { input } })
      .next();
    await anonymous.dispose();
    const [error] = refused.value!.errors!;
    expect(error).toMatchObject({
      extensions: { code: 'UNAUTHENTICATED', reason: 'NO_CREDENTIAL' },
    });
    expect(error!.message).toContain('connection_init payload');
    expect(error!.message).not.toContain('Authorization: Bearer');
  });

  it('refuses two different provider keys (payload names, or payload and upgrade request) before any provider call; takes one sent twice', async () => {
    const { secret } = await newKey();
    /** The first answer of a chat over a socket whose upgrade request carries `headers`. */
    async function chatWith(params: Record<string, string>, headers: Record<string, string>) {
      class UpgradeWith extends WorkerWebSocket {
        constructor(url: string, protocols?: string | string[]) {
          super(url, protocols, headers);
        }
      }
      const client = createClient({
        url: `${BASE_URL.replace('http', 'ws')}/graphql`,
        webSocketImpl: UpgradeWith,
        connectionParams: { authorization: `Bearer ${secret}`, ...params },
        retryAttempts: 0,
        lazy: true,
      });
      const results = [];
      try {
        for await (const result of client.iterate({
          query: print(ChatStreamDocument),
          variables: { input },
        }))
          results.push(result);
        return results;
      } catch (error) {
        return error;
      } finally {
        await client.dispose();
      }
    }
    const refused = (message: RegExp) => [
      expect.objectContaining({
        message: expect.stringMatching(message),
        extensions: {
          code: 'UNAUTHENTICATED',
          reason: 'AMBIGUOUS_CREDENTIAL',
          requestId: expect.stringMatching(/^mrq_/),
        },
      }),
    ];
    expect(
      await chatWith({ providerKey: 'sk-ant-one', 'x-provider-key': 'sk-ant-two' }, {}),
    ).toEqual(refused(/two different provider keys in the connection_init payload/));
    expect(
      await chatWith({ providerKey: 'sk-ant-one' }, { 'x-provider-key': 'sk-ant-two' }),
    ).toEqual(
      refused(/two different provider keys: the connection_init payload and the upgrade request/),
    );
    expect(await fakeCalls()).toEqual([]);

    // The same key in both places is that key.
    const same = (await chatWith(
      { providerKey: 'sk-ant-one' },
      { 'x-provider-key': 'sk-ant-one' },
    )) as { errors?: unknown }[];
    expect(same.length).toBeGreaterThan(1);
    for (const result of same) expect(result.errors).toBeUndefined();
    expect((await fakeCalls()).map((call) => call.headers['x-api-key'])).toEqual(['sk-ant-one']);
  });

  it('reports coded errors, and a closed socket stops the upstream call', async () => {
    const { secret } = await newKey();
    const noKey = wsClient({ authorization: `Bearer ${secret}` });
    const refused = await noKey
      .iterate({ query: print(ChatStreamDocument), variables: { input } })
      .next();
    expect(refused.value!.errors![0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    await noKey.dispose();

    // The provider never finishes and never goes silent: only the closed socket can stop it.
    await scriptFake({ host: 'api.anthropic.com', mode: 'trickle' });
    const client = wsClient({ authorization: `Bearer ${secret}`, providerKey: 'sk-ant-test' });
    const stream = client.iterate<ChatStreamSubscription>({
      query: print(ChatStreamDocument),
      variables: { input },
    });
    const first = await stream.next();
    expect(first.value!.data!.chat.delta).toBe('Fake ');
    await client.dispose();
    await eventually(async () => expect((await fakeCalls()).at(-1)!.cancelled).toBe(true), 10_000);
  });

  it('stops the upstream call of a subscription the client completes, on a socket that stays open', async () => {
    const { secret } = await newKey();
    await scriptFake({ host: 'api.anthropic.com', mode: 'trickle' });
    // The socket outlives the subscription (no lazy close), so nothing but the
    // subscription's own `complete` can end the provider call.
    const client = createClient({
      url: `${BASE_URL.replace('http', 'ws')}/graphql`,
      webSocketImpl: WorkerWebSocket,
      connectionParams: { authorization: `Bearer ${secret}`, providerKey: 'sk-ant-test' },
      retryAttempts: 0,
      lazyCloseTimeout: 60_000,
    });
    try {
      const stream = client.iterate<ChatStreamSubscription>({
        query: print(ChatStreamDocument),
        variables: { input },
      });
      expect((await stream.next()).value!.data!.chat.delta).toBe('Fake ');
      await stream.return!();
      await eventually(
        async () => expect((await fakeCalls()).at(-1)!.cancelled).toBe(true),
        10_000,
      );
    } finally {
      await client.dispose();
    }
  });
});

// review274 F1: `subscribe` returns the chat's stream at once and the first
// read opens the chat, so a refusal is no longer the error of `subscribe`
// itself but the stream's one event, whose field throws it. Clients read
// what they read before: one next message, `{ errors }` and the receipt (no
// `data: null`: use-refused-opening.ts), then complete.
describe('Subscription.chat over WebSocket: a refusal reads as before', () => {
  beforeEach(resetFakes);

  const refusals: [string, Record<string, unknown>, Record<string, unknown>][] = [
    [
      'a 429 with Retry-After',
      { status: 429, headers: { 'retry-after': '7' } },
      { reason: 'PROVIDER_4XX', status: 429, providerStatus: 429, retryAfter: 7 },
    ],
    [
      'a 401 (a bad provider key)',
      { status: 401 },
      { reason: 'PROVIDER_4XX', status: 401, providerStatus: 401 },
    ],
    ['a provider down', { mode: 'unreachable' }, { reason: 'UNREACHABLE', status: 502 }],
  ];
  for (const [kind, script, extensions] of refusals) {
    it(`${kind}: one next message with the coded error and the receipt, then complete; nothing billed`, async () => {
      const key = await keyWithMemory('My dog is called Pixel');
      const before = await usageTokens(key);
      await scriptFake({ host: 'api.anthropic.com', ...script });
      const client = wsClient({
        authorization: `Bearer ${key.secret}`,
        providerKey: 'sk-ant-test',
      });
      const results: unknown[] = [];
      try {
        for await (const result of client.iterate({
          query: print(ChatStreamDocument),
          variables: { input },
        }))
          results.push(result);
      } finally {
        await client.dispose();
      }
      expect(results).toStrictEqual([
        {
          errors: [
            {
              message: expect.stringContaining('anthropic') as unknown,
              locations: [{ line: 2, column: 3 }],
              path: ['chat'],
              extensions: expect.objectContaining({
                code: 'UPSTREAM_ERROR',
                provider: 'anthropic',
                requestId: expect.stringMatching(/^mrq_/) as unknown,
                ...extensions,
              }) as unknown,
            },
          ],
          extensions: { memory: expect.objectContaining({ memoryTokens: 0 }) as unknown },
        },
      ]);
      expect(await usageTokens(key)).toBe(before);
    });
  }
});
