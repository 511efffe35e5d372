import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { print } from 'graphql';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  MemoryEventLog,
  REPLAY_MAX_AGE_MS,
  REPLAY_MAX_EVENTS,
} from '../src/durable/warm-tier/memory-events';
import { Sql } from '../src/durable/sqlite/sql';
import { vaultObjectName } from '../src/vaults/address';
import {
  ClearVaultDocument,
  DeleteMemoryDocument,
  RevokeMemoryKeyDocument,
  MemoryEventsDocument,
  RestoreVaultDocument,
  StoreMemoryDocument,
  StoreWithFactsDocument,
  type MemoryEventsSubscription,
  type MemoryEventsSubscriptionVariables,
} from './generated/graphql';
import { resetFakes, scriptFake } from './helpers/fakes';
import { BASE_URL, newKey, workerFetch } from './helpers/graphql';
import { postWithProviderKey } from './helpers/graphql-chat';
import { WorkerWebSocket } from './helpers/websocket';
import { writeMetaBeneath } from './helpers/vaults';

type MemoryEvent = MemoryEventsSubscription['memoryEvents'];

/** A subscription read one event at a time; `close()` unsubscribes. */
interface EventStream {
  next(): Promise<MemoryEvent>;
  close(): Promise<void>;
}

type Transport = (secret: string, variables: MemoryEventsSubscriptionVariables) => EventStream;

function reading(
  iterator: AsyncIterableIterator<{ data?: unknown; errors?: unknown }>,
  dispose: () => Promise<void> | void,
): EventStream {
  return {
    async next() {
      const next = await iterator.next();
      if (next.done) throw new Error('the subscription ended');
      expect(next.value.errors).toBeUndefined();
      return (next.value.data as MemoryEventsSubscription).memoryEvents;
    },
    async close() {
      await iterator.return?.();
      await dispose();
    },
  };
}

const TRANSPORTS: [string, Transport][] = [
  [
    'graphql-sse',
    (secret, variables) => {
      const client = createSseClient({
        url: `${BASE_URL}/graphql`,
        fetchFn: workerFetch,
        headers: { authorization: `Bearer ${secret}` },
        retryAttempts: 0,
      });
      const iterator = client.iterate({ query: print(MemoryEventsDocument), variables });
      return reading(iterator, () => client.dispose());
    },
  ],
  [
    'graphql-ws',
    (secret, variables) => {
      const client = createWsClient({
        url: `${BASE_URL.replace('http', 'ws')}/graphql`,
        webSocketImpl: WorkerWebSocket,
        connectionParams: { authorization: `Bearer ${secret}` },
        retryAttempts: 0,
        lazy: true,
      });
      const iterator = client.iterate({ query: print(MemoryEventsDocument), variables });
      return reading(iterator, () => client.dispose());
    },
  ],
];

/** Makes an EPHEMERAL vault due for expiry and runs its alarm, as time passing would. */
async function expireNow(keyId: string, conversationId: string) {
  const name = vaultObjectName({ kind: 'EPHEMERAL', keyId, externalId: conversationId });
  const vault = env.VAULT.get(env.VAULT.idFromName(name));
  await runInDurableObject(vault, async (object, state) => {
    writeMetaBeneath(object, state, ({ meta }) => meta.update({ expiresAt: Date.now() - 1 }));
    await state.storage.setAlarm(Date.now());
  });
  expect(await runDurableObjectAlarm(vault)).toBe(true);
}

describe('Subscription.memoryEvents', () => {
  beforeEach(resetFakes);

  for (const [transport, subscribe] of TRANSPORTS) {
    it(`${transport}: ADDED, UPDATED, DELETED and CLEARED from the vault's write paths`, async () => {
      const { secret, api } = await newKey();
      const first = await api.request(StoreMemoryDocument, {
        input: { content: 'The user lives in Paris' },
      });
      // Resuming from 0 replays the first write: the positive sign the subscription is live.
      const events = subscribe(secret, { vault: { kind: 'CORE' }, lastEventId: '0' });
      const replayed = await events.next();
      expect(replayed).toMatchObject({
        id: '1',
        type: 'ADDED',
        memoryId: first.storeMemory.id,
        content: 'The user lives in Paris',
      });

      const second = await api.request(StoreMemoryDocument, {
        input: { content: 'The user has a dog' },
      });
      expect(await events.next()).toMatchObject({
        id: '2',
        type: 'ADDED',
        memoryId: second.storeMemory.id,
        content: 'The user has a dog',
      });

      // Extraction superseding Paris: the raw turn and the fact added, Paris updated.
      await scriptFake({
        host: 'api.openai.com',
        toolArguments: JSON.stringify({ facts: ['The user lives in Berlin'] }),
      });
      await scriptFake({
        host: 'api.openai.com',
        toolArguments: JSON.stringify({
          decisions: [{ fact: 1, action: 'UPDATE', target: 'm1.1' }],
        }),
      });
      const stored = await postWithProviderKey(secret, StoreWithFactsDocument, {
        inputs: [{ content: 'We moved to Berlin' }],
        extract: { model: 'openai/gpt-4o-mini' },
      });
      const receipt = (
        stored.extensions as {
          memory: { facts: { superseded: string[]; updated: { id: string }[] } };
        }
      ).memory.facts;
      expect(receipt.superseded).toEqual([first.storeMemory.id]);
      const berlinId = receipt.updated[0]!.id;
      const written = [await events.next(), await events.next(), await events.next()];
      expect(written.map((event) => [event.type, event.content])).toEqual([
        ['ADDED', 'We moved to Berlin'],
        ['ADDED', 'The user lives in Berlin'],
        ['UPDATED', null],
      ]);
      expect(written[2]).toMatchObject({
        memoryId: first.storeMemory.id,
        supersededBy: berlinId,
      });

      await api.request(DeleteMemoryDocument, { id: second.storeMemory.id });
      expect(await events.next()).toMatchObject({
        type: 'DELETED',
        memoryId: second.storeMemory.id,
        content: null,
      });

      await api.request(ClearVaultDocument, { selector: { kind: 'CORE' } });
      const cleared = await events.next();
      expect(cleared).toMatchObject({ id: '7', type: 'CLEARED', memoryId: null });
      expect(Date.parse(cleared.at)).toBeGreaterThan(0);
      await events.close();
    });

    it(`${transport}: EXPIRED when the alarm deletes an EPHEMERAL vault`, async () => {
      const { secret, api, keyId } = await newKey();
      const vault = { kind: 'EPHEMERAL' as const, id: 'call-42' };
      await api.request(StoreMemoryDocument, { input: { content: 'Booked a table', vault } });
      const events = subscribe(secret, { vault, lastEventId: '0' });
      expect(await events.next()).toMatchObject({ type: 'ADDED', content: 'Booked a table' });
      await expireNow(keyId, vault.id);
      expect(await events.next()).toMatchObject({ id: '2', type: 'EXPIRED', memoryId: null });
      await events.close();
    });
  }

  it('hears the import and the drop-in chat routes, which write through the same vault', async () => {
    const { secret, api } = await newKey();
    await api.request(StoreMemoryDocument, { input: { content: 'seed' } });
    const [, subscribe] = TRANSPORTS[0]!;
    const events = subscribe(secret, { vault: { kind: 'CORE' }, lastEventId: '0' });
    expect((await events.next()).content).toBe('seed');

    const imported = await workerFetch(`${BASE_URL}/v1/vaults/core/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}` },
      body: [{ content: 'imported one' }, { content: 'imported two' }]
        .map((line) => JSON.stringify(line))
        .join('\n'),
    });
    expect(imported.status).toBe(200);
    expect([(await events.next()).content, (await events.next()).content]).toEqual([
      'imported one',
      'imported two',
    ]);

    const chat = await workerFetch(`${BASE_URL}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${secret}`,
        'x-provider-key': 'sk-test',
      },
      body: JSON.stringify({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'remember that I like figs' }],
      }),
    });
    expect(chat.status).toBe(200);
    const turn = [await events.next(), await events.next()];
    expect(turn.map((event) => [event.type, event.content])).toEqual([
      ['ADDED', 'remember that I like figs'],
      ['ADDED', 'Fake api.openai.com heard: remember that I like figs'],
    ]);
    await events.close();
  });

  it('tells subscribers to read the vault again after a restore', async () => {
    // Before: a restore replaced every memory and subscribers heard nothing.
    const { secret, api, admin, keyId } = await newKey();
    await api.request(StoreMemoryDocument, { input: { content: 'in the snapshot' } });
    // The snapshot a restore reads, written now (exports write none).
    const core = { kind: 'CORE' as const, keyId, externalId: null };
    const written = await env.VAULT.get(env.VAULT.idFromName(vaultObjectName(core))).snapshot(core);
    expect(written.ok).toBe(true);
    await api.request(StoreMemoryDocument, { input: { content: 'after the snapshot' } });
    const [, subscribe] = TRANSPORTS[0]!;
    const events = subscribe(secret, { vault: { kind: 'CORE' }, lastEventId: '1' });
    expect((await events.next()).content).toBe('after the snapshot');

    const restored = await admin.request(RestoreVaultDocument, { keyId, vault: { kind: 'CORE' } });
    expect(restored.restoreVault.restored).toBe(1);
    expect(await events.next()).toMatchObject({ id: '3', type: 'RESYNC', memoryId: null });
    await events.close();
    // A subscriber resuming from before the restore hears it too, after what it missed.
    const late = subscribe(secret, { vault: { kind: 'CORE' }, lastEventId: '2' });
    expect(await late.next()).toMatchObject({ id: '3', type: 'RESYNC' });
    await late.close();
  });

  it('keeps the last 1,000 events for replay, in SQLite, and holds subscribers as hibernatable sockets', async () => {
    const keyId = `window-${Date.now().toString(36)}`;
    const vault = env.VAULT.get(
      env.VAULT.idFromName(vaultObjectName({ kind: 'CORE', keyId, externalId: null })),
    );
    const window = await runInDurableObject(vault, (_, state) => {
      const log = new MemoryEventLog(new Sql(state.storage.sql));
      const at = Date.now();
      for (let i = 0; i < REPLAY_MAX_EVENTS + 5; i++) {
        log.append([{ type: 'DELETED', memoryId: `m${i}`, content: null, supersededBy: null, at }]);
      }
      // An event older than 24 hours leaves the window too.
      const fromYesterday = log.since(REPLAY_MAX_EVENTS);
      return {
        last: log.lastSeq(),
        tooOld: log.since(4),
        edge: log.since(5)?.length,
        recent: fromYesterday?.map((event) => event.seq),
      };
    });
    expect(window).toEqual({
      last: REPLAY_MAX_EVENTS + 5,
      tooOld: null,
      edge: REPLAY_MAX_EVENTS,
      recent: [1001, 1002, 1003, 1004, 1005],
    });
    const aged = await runInDurableObject(vault, (_, state) => {
      const log = new MemoryEventLog(new Sql(state.storage.sql));
      log.append([
        {
          type: 'CLEARED',
          memoryId: null,
          content: null,
          supersededBy: null,
          at: Date.now() + REPLAY_MAX_AGE_MS + 1,
        },
      ]);
      return { last: log.lastSeq(), missed: log.since(REPLAY_MAX_EVENTS + 4) };
    });
    expect(aged).toEqual({ last: REPLAY_MAX_EVENTS + 6, missed: null });

    // A subscriber is a socket the object accepted through the Hibernation API.
    const { secret, api, keyId: realKey } = await newKey();
    await api.request(StoreMemoryDocument, { input: { content: 'hello' } });
    const [, subscribe] = TRANSPORTS[0]!;
    const events = subscribe(secret, { vault: { kind: 'CORE' }, lastEventId: '0' });
    await events.next();
    const core = env.VAULT.get(
      env.VAULT.idFromName(vaultObjectName({ kind: 'CORE', keyId: realKey, externalId: null })),
    );
    expect(await runInDurableObject(core, (_, state) => state.getWebSockets().length)).toBe(1);
    await events.close();
  });

  it('drops events older than 24 hours as the log goes on, not only when it is opened', async () => {
    const keyId = `aging-${Date.now().toString(36)}`;
    const vault = env.VAULT.get(
      env.VAULT.idFromName(vaultObjectName({ kind: 'CORE', keyId, externalId: null })),
    );
    const kept = await runInDurableObject(vault, (_, state) => {
      const sql = new Sql(state.storage.sql);
      const log = new MemoryEventLog(sql);
      const event = (at: number) =>
        log.append([
          { type: 'DELETED', memoryId: `m${at}`, content: null, supersededBy: null, at },
        ]);
      const seqs = () =>
        sql
          .all<{ seq: number }>('SELECT seq FROM memory_events ORDER BY seq')
          .map(({ seq }) => seq);
      const start = Date.now();
      event(start); // 1
      event(start + 1); // 2
      const young = seqs();
      event(start + REPLAY_MAX_AGE_MS + 1); // 3: event 1 is now too old
      const first = seqs();
      event(start + REPLAY_MAX_AGE_MS + 2); // 4: event 2 too
      const second = seqs();
      // A clock that stepped back: an event older than those before it still ages out.
      event(start + 5); // 5
      event(start + REPLAY_MAX_AGE_MS + 6); // 6: event 5 is too old, 3 and 4 are not
      return { young, first, second, stepped: seqs() };
    });
    expect(kept).toEqual({ young: [1, 2], first: [2, 3], second: [3, 4], stepped: [3, 4, 6] });
  });

  it('still drops an aged event whose trim was rolled back with the change that appended', async () => {
    const keyId = `rollback-${Date.now().toString(36)}`;
    const vault = env.VAULT.get(
      env.VAULT.idFromName(vaultObjectName({ kind: 'CORE', keyId, externalId: null })),
    );
    const kept = await runInDurableObject(vault, (_, state) => {
      const sql = new Sql(state.storage.sql);
      const log = new MemoryEventLog(sql);
      const event = (memoryId: string, at: number) =>
        log.append([{ type: 'DELETED', memoryId, content: null, supersededBy: null, at }]);
      const ids = () =>
        sql
          .all<{ memory_id: string }>('SELECT memory_id FROM memory_events ORDER BY seq')
          .map((row) => row.memory_id);
      const start = Date.now();
      event('old', start);
      // A change whose append trimmed `old`, then failed: its transaction rolls back.
      try {
        state.storage.transactionSync(() => {
          event('failed', start + REPLAY_MAX_AGE_MS + 1);
          throw new Error('the change failed after its event');
        });
      } catch {
        // expected: nothing of the change is kept, the trim included
      }
      const afterRollback = ids();
      event('next', start + REPLAY_MAX_AGE_MS + 1);
      return { afterRollback, afterNext: ids() };
    });
    expect(kept).toEqual({ afterRollback: ['old'], afterNext: ['next'] });
  });

  it('replays what a reconnecting subscriber missed, and tells it to resync past the window', async () => {
    const { secret, api } = await newKey();
    for (const content of ['one', 'two', 'three']) {
      await api.request(StoreMemoryDocument, { input: { content } });
    }
    const [, subscribe] = TRANSPORTS[0]!;
    const resumed = subscribe(secret, { vault: { kind: 'CORE' }, lastEventId: '1' });
    expect([(await resumed.next()).content, (await resumed.next()).content]).toEqual([
      'two',
      'three',
    ]);
    await resumed.close();

    // Cleared: the log starts again after the CLEARED event, so ids from before it resync.
    await api.request(ClearVaultDocument, { selector: { kind: 'CORE' } });
    const stale = subscribe(secret, { vault: { kind: 'CORE' }, lastEventId: '2' });
    expect(await stale.next()).toMatchObject({ id: '4', type: 'RESYNC' });
    await stale.close();
    const fromClear = subscribe(secret, { vault: { kind: 'CORE' }, lastEventId: '3' });
    expect(await fromClear.next()).toMatchObject({ id: '4', type: 'CLEARED' });
    await fromClear.close();
  });

  it("never delivers another key's events", async () => {
    const alice = await newKey();
    const bob = await newKey();
    await alice.api.request(StoreMemoryDocument, { input: { content: 'alice first' } });
    const [, subscribe] = TRANSPORTS[1]!;
    const events = subscribe(alice.secret, { vault: { kind: 'CORE' }, lastEventId: '0' });
    expect((await events.next()).content).toBe('alice first');
    // Bob writes to his CORE vault and to a session named like one of Alice's.
    await bob.api.request(StoreMemoryDocument, { input: { content: 'bob secret' } });
    await bob.api.request(StoreMemoryDocument, {
      input: { content: 'bob session', vault: { kind: 'SESSION', id: 'shared' } },
    });
    await alice.api.request(StoreMemoryDocument, { input: { content: 'alice second' } });
    // The next event Alice sees is her own write: nothing of Bob's came first.
    expect(await events.next()).toMatchObject({ id: '2', content: 'alice second' });
    await events.close();
  });

  it('ends an open SSE subscription with KEY_REVOKED once its key is revoked', async () => {
    // Before: a stream opened before revokeMemoryKey stayed open for good.
    // The check runs every STANDING_CHECK_MS (a second in the tests, 15 s in
    // production; test/standing-watch.test.ts covers the rules and the bound).
    const { secret, keyId, api, admin } = await newKey();
    await api.request(StoreMemoryDocument, { input: { content: 'seen before revocation' } });
    const client = createSseClient({
      url: `${BASE_URL}/graphql`,
      fetchFn: workerFetch,
      headers: { authorization: `Bearer ${secret}` },
      retryAttempts: 0,
    });
    try {
      const iterator = client.iterate({
        query: print(MemoryEventsDocument),
        variables: { vault: { kind: 'CORE' }, lastEventId: '0' },
      });
      expect((await iterator.next()).value?.data).toMatchObject({
        memoryEvents: { content: 'seen before revocation' },
      });
      await admin.request(RevokeMemoryKeyDocument, { id: keyId });
      expect((await iterator.next()).value?.errors).toEqual([
        expect.objectContaining({
          extensions: expect.objectContaining({ code: 'UNAUTHENTICATED', reason: 'KEY_REVOKED' }),
        }),
      ]);
      expect((await iterator.next()).done).toBe(true);
    } finally {
      client.dispose();
    }
  });

  it('refuses a subscription without a memory key and a malformed lastEventId', async () => {
    const anonymous = await workerFetch(`${BASE_URL}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({
        query: print(MemoryEventsDocument),
        variables: { vault: { kind: 'CORE' } },
      }),
    });
    expect(await anonymous.text()).toContain('UNAUTHENTICATED');
    const { secret } = await newKey();
    const [, subscribe] = TRANSPORTS[0]!;
    const bad = subscribe(secret, { vault: { kind: 'CORE' }, lastEventId: 'yesterday' });
    await expect(bad.next()).rejects.toBeDefined();
    await bad.close();
  });
});
