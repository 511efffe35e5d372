import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_OPERATIONS_PER_SOCKET, MAX_SUBSCRIPTIONS_PER_VAULT } from '../src/core/limits';
import { vaultObjectName } from '../src/vaults/address';
import {
  ChatStreamDocument,
  MemoryEventsDocument,
  RevokeMemoryKeyDocument,
  StoreMemoryDocument,
  type MemoryEventsSubscription,
} from './generated/graphql';
import { eventually, resetFakes } from './helpers/fakes';
import { BASE_URL, newKey, workerFetch } from './helpers/graphql';
import { WorkerWebSocket } from './helpers/websocket';

/**
 * review214 W3: a vault serves at most MAX_SUBSCRIPTIONS_PER_VAULT live
 * memoryEvents subscriptions, over SSE, GET and WebSocket together; one more
 * is refused by itself, coded, in its surface's shape; and a subscription
 * that ends, however it ends, gives its slot back.
 */

type Key = Awaited<ReturnType<typeof newKey>>;

interface Outcome {
  /** Which graphql-ws message answered: a result (`next`) or `error`. */
  via?: 'next' | 'error';
  data?: unknown;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
  closed?: { code: number; reason: string };
}

const TOO_MANY = [
  expect.objectContaining({
    message: expect.stringMatching(/at most 100 live memoryEvents subscriptions/),
    extensions: {
      code: 'RATE_LIMITED',
      reason: 'TOO_MANY_SUBSCRIPTIONS',
      requestId: expect.stringMatching(/^mrq_/),
    },
  }),
];

let open: Client[] = [];
afterEach(async () => {
  await Promise.all(open.map((client) => client.dispose()));
  open = [];
});

function socketClient(secret: string): Client {
  const client = createClient({
    url: `${BASE_URL.replace('http', 'ws')}/graphql`,
    webSocketImpl: WorkerWebSocket,
    connectionParams: { authorization: `Bearer ${secret}`, providerKey: 'sk-ant-test' },
    retryAttempts: 0,
    lazy: true,
  });
  open.push(client);
  return client;
}

/** One operation run to its first result, its errors, or the socket's close; `stop` completes it. */
function firstOutcome(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
): { outcome: Promise<Outcome>; stop: () => void } {
  let stop = () => {};
  const outcome = new Promise<Outcome>((resolve) => {
    stop = client.subscribe(
      { query, variables },
      {
        next: (result) => resolve({ via: 'next', ...(result as Outcome) }),
        error: (error) => {
          if (Array.isArray(error)) resolve({ via: 'error', errors: error as Outcome['errors'] });
          else {
            const { code, reason } = error as { code: number; reason: string };
            resolve({ closed: { code, reason } });
          }
        },
        complete: () => undefined,
      },
    );
  });
  return { outcome, stop: () => stop() };
}

/** A memoryEvents subscription of the key's CORE vault from its first event (the stored memory). */
const watch = (client: Client) =>
  firstOutcome(client, print(MemoryEventsDocument), {
    vault: { kind: 'CORE' },
    lastEventId: '0',
  });

/** The same subscription over SSE (POST), or by GET as an EventSource sends it. */
function watchOverHttp(key: Key, method: 'POST' | 'GET', signal?: AbortSignal) {
  const variables = { vault: { kind: 'CORE' }, lastEventId: '0' };
  const query = print(MemoryEventsDocument);
  if (method === 'GET') {
    const url = new URL(`${BASE_URL}/graphql`);
    url.searchParams.set('key', key.secret);
    url.searchParams.set('query', query);
    url.searchParams.set('variables', JSON.stringify(variables));
    return workerFetch(url, { headers: { accept: 'text/event-stream' }, signal });
  }
  return workerFetch(`${BASE_URL}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      authorization: `Bearer ${key.secret}`,
    },
    body: JSON.stringify({ query, variables }),
    signal,
  });
}

/** The first `next` event's payload of an SSE answer, read as it arrives. */
async function firstSseEvent(response: Response): Promise<Outcome> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  for (;;) {
    const match = /event: next\n(?:id: .*\n)?data: (.*)\n/.exec(text);
    // The stream stays open: reading on is the client's to decide.
    if (match) return JSON.parse(match[1]!) as Outcome;
    const { done, value } = await reader.read();
    if (done) throw new Error(`the stream ended without an event: ${text}`);
    text += value;
  }
}

/** The live subscriber sockets the key's CORE vault object holds. */
function subscribers(key: Key): Promise<number> {
  const core = env.VAULT.get(
    env.VAULT.idFromName(vaultObjectName({ kind: 'CORE', keyId: key.keyId, externalId: null })),
  );
  return runInDurableObject(core, (_, state) => state.getWebSockets().length);
}

async function untilSubscribers(key: Key, count: number): Promise<void> {
  await eventually(async () => expect(await subscribers(key)).toBe(count));
}

const accepted = (outcome: Outcome) =>
  expect((outcome.data as MemoryEventsSubscription | undefined)?.memoryEvents.content).toBe(
    'watched by many',
  );

// A hundred subscriptions each: slow on a loaded machine, the first with the embedder's first load.
describe(
  `a vault's live subscriptions: at most ${MAX_SUBSCRIPTIONS_PER_VAULT}`,
  { timeout: 120_000 },
  () => {
    beforeEach(resetFakes);

    it('refuses one more over each surface, coded, by itself; the socket and its other operations go on', async () => {
      expect(MAX_SUBSCRIPTIONS_PER_VAULT / MAX_OPERATIONS_PER_SOCKET).toBe(2);
      const key = await newKey();
      await key.api.request(StoreMemoryDocument, { input: { content: 'watched by many' } });
      const first = socketClient(key.secret);
      const second = socketClient(key.secret);
      const live = [
        ...Array.from({ length: MAX_OPERATIONS_PER_SOCKET }, () => watch(first)),
        ...Array.from({ length: MAX_OPERATIONS_PER_SOCKET }, () => watch(second)),
      ];
      for (const { outcome } of live) accepted(await outcome);
      expect(await subscribers(key)).toBe(MAX_SUBSCRIPTIONS_PER_VAULT);

      // WebSocket: an error for that operation, on a socket that keeps working.
      const third = socketClient(key.secret);
      const refused = await watch(third).outcome;
      expect(refused.closed).toBeUndefined();
      expect(refused.errors).toEqual(TOO_MANY);
      expect(refused.via).toBe('next');
      expect((await firstOutcome(third, '{ me { id } }').outcome).data).toEqual({
        me: { id: key.keyId },
      });
      // A streamed chat is no live subscription (it holds no vault socket): it runs.
      const chat = await firstOutcome(third, print(ChatStreamDocument), {
        input: {
          model: 'anthropic/claude-sonnet-4',
          messages: [{ role: 'USER', content: 'who watches?' }],
        },
      }).outcome;
      expect(chat.errors).toBeUndefined();
      expect(chat.data).toMatchObject({ chat: { done: false } });
      // SSE (POST) and an EventSource's GET: the refusal as the stream's event.
      for (const method of ['POST', 'GET'] as const) {
        const response = await watchOverHttp(key, method);
        expect(response.status, method).toBe(200);
        expect((await firstSseEvent(response)).errors, method).toEqual(TOO_MANY);
      }
      // Another vault of the same key is not full.
      const session = firstOutcome(third, print(MemoryEventsDocument), {
        vault: { kind: 'SESSION', id: 'elsewhere' },
      });
      await key.api.request(StoreMemoryDocument, {
        input: { content: 'in a session', vault: { kind: 'SESSION', id: 'elsewhere' } },
      });
      expect(await session.outcome).toMatchObject({
        data: { memoryEvents: { content: 'in a session' } },
      });
      // Nothing refused took a slot, and the 100 still hear every event.
      expect(await subscribers(key)).toBe(MAX_SUBSCRIPTIONS_PER_VAULT);
    });

    it('gives a slot back however a subscription ends: completed, its socket closed, its SSE client gone, its key revoked', async () => {
      const key = await newKey();
      await key.api.request(StoreMemoryDocument, { input: { content: 'watched by many' } });
      const first = socketClient(key.secret);
      const second = socketClient(key.secret);
      const onFirst = Array.from({ length: MAX_OPERATIONS_PER_SOCKET - 1 }, () => watch(first));
      const onSecond = Array.from({ length: MAX_OPERATIONS_PER_SOCKET }, () => watch(second));
      for (const { outcome } of [...onFirst, ...onSecond]) accepted(await outcome);
      // The last slot: an SSE subscription whose client goes away.
      const gone = new AbortController();
      const sse = await watchOverHttp(key, 'POST', gone.signal);
      accepted(await firstSseEvent(sse));
      await untilSubscribers(key, MAX_SUBSCRIPTIONS_PER_VAULT);
      const third = socketClient(key.secret);
      expect((await watch(third).outcome).errors).toEqual(TOO_MANY);

      // Completed by the client (graphql-ws `complete`): its slot is free.
      onFirst[0]!.stop();
      await untilSubscribers(key, MAX_SUBSCRIPTIONS_PER_VAULT - 1);
      accepted(await watch(third).outcome);
      expect((await watch(third).outcome).errors).toEqual(TOO_MANY);

      // The SSE client gone.
      gone.abort();
      await untilSubscribers(key, MAX_SUBSCRIPTIONS_PER_VAULT - 1);
      const byGet = await watchOverHttp(key, 'GET');
      accepted(await firstSseEvent(byGet));
      await untilSubscribers(key, MAX_SUBSCRIPTIONS_PER_VAULT);

      // A whole socket closed: its 50 slots.
      await second.dispose();
      await untilSubscribers(key, MAX_SUBSCRIPTIONS_PER_VAULT - MAX_OPERATIONS_PER_SOCKET);
      const fourth = socketClient(key.secret);
      for (const { outcome } of Array.from({ length: MAX_OPERATIONS_PER_SOCKET }, () =>
        watch(fourth),
      ))
        accepted(await outcome);
      expect((await watch(third).outcome).errors).toEqual(TOO_MANY);

      // Ended by the server: the key revoked ends every one of them.
      await key.admin.request(RevokeMemoryKeyDocument, { id: key.keyId });
      await untilSubscribers(key, 0);
    });
  },
);
