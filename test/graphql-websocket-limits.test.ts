import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_OPERATIONS_PER_SOCKET } from '../src/core/limits';
import {
  GetVaultDocument,
  MemoryEventsDocument,
  StoreMemoryDocument,
  type MemoryEventsSubscription,
  type StoreMemoryMutation,
} from './generated/graphql';
import { eventually } from './helpers/fakes';
import { BASE_URL, newKey } from './helpers/graphql';
import { WorkerWebSocket } from './helpers/websocket';

const MAX_REQUEST_BYTES = 262_144; // vitest.config.ts

let open: Client[] = [];
afterEach(async () => {
  await Promise.all(open.map((client) => client.dispose()));
  open = [];
});

function socketClient(secret: string): Client {
  const client = createClient({
    url: `${BASE_URL.replace('http', 'ws')}/graphql`,
    webSocketImpl: WorkerWebSocket,
    connectionParams: { authorization: `Bearer ${secret}` },
    retryAttempts: 0,
    lazy: true,
  });
  open.push(client);
  return client;
}

interface Outcome {
  data?: unknown;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
  closed?: { code: number; reason: string };
}

/** One operation run to its first result, its errors, or the socket's close. */
function firstOutcome(
  client: Client,
  query: string,
  variables: Record<string, unknown>,
): { outcome: Promise<Outcome>; stop: () => void } {
  let stop = () => {};
  const outcome = new Promise<Outcome>((resolve) => {
    stop = client.subscribe(
      { query, variables },
      {
        next: (result) => resolve(result as Outcome),
        error: (error) => {
          if (Array.isArray(error)) resolve({ errors: error as Outcome['errors'] });
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

describe('one GraphQL WebSocket’s limits', () => {
  it(`runs at most ${MAX_OPERATIONS_PER_SOCKET} operations at once; one more is refused by itself, coded`, async () => {
    const { secret, api } = await newKey();
    await api.request(StoreMemoryDocument, { input: { content: 'watched from many tabs' } });
    const client = socketClient(secret);
    const watch = () =>
      firstOutcome(client, print(MemoryEventsDocument), {
        vault: { kind: 'CORE' },
        lastEventId: '0',
      });
    const live = Array.from({ length: MAX_OPERATIONS_PER_SOCKET }, watch);
    // Each replays the stored memory: the positive sign all of them run.
    for (const { outcome } of live) {
      const first = await outcome;
      expect(first.errors).toBeUndefined();
      expect((first.data as MemoryEventsSubscription).memoryEvents.content).toBe(
        'watched from many tabs',
      );
    }
    const refused = await watch().outcome;
    expect(refused.closed).toBeUndefined();
    expect(refused.errors).toEqual([
      expect.objectContaining({
        extensions: {
          code: 'RATE_LIMITED',
          reason: 'TOO_MANY_OPERATIONS',
          requestId: expect.stringMatching(/^mrq_/),
        },
      }),
    ]);
    // The connection and its operations go on; a completed one frees its place.
    live[0]!.stop();
    const again = await eventually(async () => {
      const next = await watch().outcome;
      if (next.errors) throw new Error('still full');
      return next;
    });
    expect((again.data as MemoryEventsSubscription).memoryEvents.content).toBe(
      'watched from many tabs',
    );
  });

  it('closes the socket on a message over MAX_REQUEST_BYTES (1009, PAYLOAD_TOO_LARGE) before running it', async () => {
    const { secret, api } = await newKey();
    const client = socketClient(secret);
    const content = 'x'.repeat(MAX_REQUEST_BYTES);
    const { outcome } = firstOutcome(client, print(StoreMemoryDocument), { input: { content } });
    expect((await outcome).closed).toEqual({
      code: 1009,
      reason: `PAYLOAD_TOO_LARGE: a message over ${MAX_REQUEST_BYTES} bytes`,
    });
    const vault = await api.request(GetVaultDocument, { selector: { kind: 'CORE' }, first: 10 });
    expect(vault.vault?.memories.edges ?? []).toEqual([]);
  });

  it('runs mutations as graphql-ws clients send them, with the same auth and limits', async () => {
    const { secret, api } = await newKey();
    const client = socketClient(secret);
    const stored = await firstOutcome(client, print(StoreMemoryDocument), {
      input: { content: 'stored over the socket' },
    }).outcome;
    expect(stored.errors).toBeUndefined();
    expect((stored.data as StoreMemoryMutation).storeMemory.content).toBe('stored over the socket');
    const vault = await api.request(GetVaultDocument, { selector: { kind: 'CORE' }, first: 10 });
    expect(vault.vault!.memories.edges.map((edge) => edge.node.content)).toEqual([
      'stored over the socket',
    ]);
    // The content limit holds as over HTTP.
    const tooLong = await firstOutcome(client, print(StoreMemoryDocument), {
      input: { content: 'y'.repeat(40_000) },
    }).outcome;
    expect(tooLong.errors?.[0]?.extensions).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(JSON.stringify(tooLong)).not.toContain('"http"');
    // No key: refused, coded.
    const anonymous = await firstOutcome(socketClient(''), print(StoreMemoryDocument), {
      input: { content: 'from nobody' },
    }).outcome;
    expect(anonymous.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('answers an operation over a shape limit, or that does not parse, as HTTP does (coded, at once)', async () => {
    const { secret } = await newKey();
    const client = socketClient(secret);
    const nested = `{ vaults { ${'memories { edges { node { vault { '.repeat(4)}kind ${'} } } } '.repeat(4)}} }`;
    const cases: [string, string][] = [
      [nested, 'DEPTH_LIMIT'],
      [`{ ${Array.from({ length: 16 }, (_, i) => `a${i}: me { id }`).join(' ')} }`, 'ALIAS_LIMIT'],
      [
        `{ me { ${Array.from({ length: 11 }, () => 'id @skip(if: false)').join(' ')} } }`,
        'DIRECTIVE_LIMIT',
      ],
      ['{ me { id }', 'GRAPHQL_PARSE_FAILED'],
    ];
    for (const [query, reason] of cases) {
      const outcome = await firstOutcome(client, query, {}).outcome;
      expect(outcome.errors?.[0]?.extensions, reason).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason,
      });
    }
    // The socket still serves: a rejection closes nothing.
    const me = await firstOutcome(client, '{ me { id } }', {}).outcome;
    expect(me.errors).toBeUndefined();
  });

  it('takes the key from connectionParams under every name a header may carry it', async () => {
    const { secret } = await newKey();
    for (const name of [
      'authorization',
      'Authorization',
      'x-memory-key',
      'x-api-key',
      'x-goog-api-key',
    ]) {
      const value = name.toLowerCase() === 'authorization' ? `Bearer ${secret}` : secret;
      const client = createClient({
        url: `${BASE_URL.replace('http', 'ws')}/graphql`,
        webSocketImpl: WorkerWebSocket,
        connectionParams: { [name]: value },
        retryAttempts: 0,
        lazy: true,
      });
      open.push(client);
      const me = await firstOutcome(client, '{ me { id } }', {}).outcome;
      expect(me.errors, name).toBeUndefined();
      expect((me.data as { me: { id: string } }).me.id, name).toMatch(/\S/);
    }
  });
});
