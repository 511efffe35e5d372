import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import { PONG_TIMEOUT_CLOSE, SOCKET_WINDOW_BYTES } from '../src/http/socket-window';
import { vaultObjectName } from '../src/vaults/address';
import { MemoryEventsDocument, StoreMemoriesDocument } from './generated/graphql';
import { eventually } from './helpers/fakes';
import { BASE_URL, newKey, workerFetch } from './helpers/graphql';
import { WorkerWebSocket } from './helpers/websocket';
import { withWorkerVars } from './helpers/worker-vars';

interface Message {
  type: string;
  id?: string;
  payload?: { data?: { memoryEvents?: { id: string; type: string } } };
}

/**
 * A GraphQL WebSocket driven by hand, so the test decides whether and when
 * the server's pings are answered (a graphql-ws client answers them itself).
 */
async function rawSocket(secret: string) {
  const response = await workerFetch(`${BASE_URL}/graphql`, {
    headers: { upgrade: 'websocket', 'sec-websocket-protocol': 'graphql-transport-ws' },
  });
  const socket = response.webSocket!;
  socket.accept();
  const received: { message: Message; bytes: number }[] = [];
  const arrivals: (() => void)[] = [];
  let closed: { code: number; reason: string } | null = null;
  socket.addEventListener('message', (event) => {
    const text = String(event.data);
    received.push({ message: JSON.parse(text) as Message, bytes: text.length });
    for (const arrived of arrivals.splice(0)) arrived();
  });
  socket.addEventListener('close', (event) => {
    closed = { code: event.code, reason: event.reason };
    for (const arrived of arrivals.splice(0)) arrived();
  });
  const send = (message: Record<string, unknown>) => socket.send(JSON.stringify(message));
  /** Waits for the first message from `from` on that `test` accepts; its index. */
  const waitFor = async (test: (message: Message) => boolean, from = 0): Promise<number> => {
    for (;;) {
      const at = received.findIndex((item, index) => index >= from && test(item.message));
      if (at >= 0) return at;
      if (closed) throw new Error(`socket closed: ${JSON.stringify(closed)}`);
      await new Promise<void>((resolve) => arrivals.push(resolve));
    }
  };
  send({ type: 'connection_init', payload: { authorization: `Bearer ${secret}` } });
  await waitFor((message) => message.type === 'connection_ack');
  return { socket, received, send, waitFor, closed: () => closed };
}

/** The live subscriber sockets a key's CORE vault object holds. */
function coreSubscribers(keyId: string): Promise<number> {
  const name = vaultObjectName({ kind: 'CORE', keyId, externalId: null });
  const core = env.VAULT.get(env.VAULT.idFromName(name));
  return runInDurableObject(core, (_, state) => state.getWebSockets().length);
}

/** Distinct contents of about `length` characters (the 24-hour duplicate check keeps copies out). */
function bigContent(index: number, length: number): string {
  const words = Array.from({ length: Math.ceil(length / 4) }, (_, word) => `w${index}x${word}`);
  return words.join(' ').slice(0, length);
}

describe('a GraphQL WebSocket whose client stops reading (review270 F1)', () => {
  it('holds back results once a window is unacknowledged; the rest wait in the subscriber queue, bounded, and follow the pong', async () => {
    const { secret, api } = await newKey();
    const client = await rawSocket(secret);
    client.send({
      id: '1',
      type: 'subscribe',
      payload: { query: print(MemoryEventsDocument), variables: { vault: { kind: 'CORE' } } },
    });
    // Live before the burst: the first memory's event arrives.
    await api.request(StoreMemoriesDocument, { inputs: [{ content: 'the watch begins' }] });
    await client.waitFor((message) => message.payload?.data?.memoryEvents?.type === 'ADDED');

    // About 3.4 MB of events: past the window and the subscriber queue's bound.
    const size = 30_000;
    for (let batch = 0; batch < 14; batch++) {
      const inputs = Array.from({ length: 8 }, (_, i) => ({
        content: bigContent(batch * 8 + i, size),
      }));
      await api.request(StoreMemoriesDocument, { inputs });
    }
    // A ping of ours: its pong comes after every message the server sent before it.
    const pingedAt = client.received.length;
    client.send({ type: 'ping' });
    const pongAt = await client.waitFor((message) => message.type === 'pong', pingedAt);
    const before = client.received.slice(0, pongAt);
    const nextBytes = before
      .filter(({ message }) => message.type === 'next')
      .reduce((sum, { bytes }) => sum + bytes, 0);
    // The server asked for an acknowledgement and, unanswered, sent no more
    // than a window (and the one result that crossed it).
    expect(before.some(({ message }) => message.type === 'ping')).toBe(true);
    expect(nextBytes).toBeLessThanOrEqual(SOCKET_WINDOW_BYTES + size + 1_000);
    expect(client.closed()).toBeNull();

    // Now read and answer: what waited follows, and the queue's bound gave
    // way to one RESYNC instead of holding every event for this client.
    let answered = 0;
    await eventually(async () => {
      const pings = client.received.filter(({ message }) => message.type === 'ping').length;
      for (; answered < pings; answered++) client.send({ type: 'pong' });
      const types = client.received.map(({ message }) => message.payload?.data?.memoryEvents?.type);
      expect(types).toContain('RESYNC');
    });
    client.socket.close(1000, 'done');
  });

  it('closes a socket that answers no ping within the bound (4504), ending its subscription and freeing its vault slot', async () => {
    const { secret, keyId } = await newKey();
    await withWorkerVars({ WEBSOCKET_PING_MS: '200' }, async () => {
      const client = await rawSocket(secret);
      client.send({
        id: '1',
        type: 'subscribe',
        payload: { query: print(MemoryEventsDocument), variables: { vault: { kind: 'CORE' } } },
      });
      // The vault holds the subscription's socket (one of its MAX_SUBSCRIPTIONS_PER_VAULT slots) ...
      await eventually(async () => expect(await coreSubscribers(keyId)).toBe(1));
      await eventually(async () => expect(client.closed()).not.toBeNull());
      // ... and has it back once the silent client's socket is closed: a client that
      // vanished without a close frame does not keep a slot.
      await eventually(async () => expect(await coreSubscribers(keyId)).toBe(0));
      expect(client.closed()).toEqual({
        code: PONG_TIMEOUT_CLOSE,
        reason: expect.stringMatching(/^PONG_TIMEOUT: /),
      });
      expect(client.received.some(({ message }) => message.type === 'ping')).toBe(true);
    });
  });

  it('keeps a graphql-ws client, which answers pings, open and served across many pings', async () => {
    const { secret, api } = await newKey();
    await withWorkerVars({ WEBSOCKET_PING_MS: '200' }, async () => {
      let pings = 0;
      const client = createClient({
        url: `${BASE_URL.replace('http', 'ws')}/graphql`,
        webSocketImpl: WorkerWebSocket,
        connectionParams: { authorization: `Bearer ${secret}` },
        retryAttempts: 0,
        on: { ping: (received) => void (received && pings++) },
      });
      const events: string[] = [];
      let failure: unknown = null;
      const stop = client.subscribe(
        { query: print(MemoryEventsDocument), variables: { vault: { kind: 'CORE' } } },
        {
          next: (result) => {
            const event = (result.data as { memoryEvents: { type: string } }).memoryEvents;
            events.push(event.type);
          },
          error: (error) => (failure = error),
          complete: () => undefined,
        },
      );
      await eventually(async () => expect(pings).toBeGreaterThanOrEqual(4));
      await api.request(StoreMemoriesDocument, { inputs: [{ content: 'still listening' }] });
      await eventually(async () => expect(events).toContain('ADDED'));
      expect(failure).toBeNull();
      stop();
      await client.dispose();
    });
  });
});
