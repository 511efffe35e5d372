import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { MAX_STORE_BATCH } from '../../src/core/limits';
import type { NewMemory } from '../../src/durable/rpc/vault-types';
import {
  allTime,
  freshAddress,
  memory,
  searchRequest,
  storeRequest,
  vaultStub,
} from '../helpers/vaults';

/**
 * A batch is written with few statements (sql-batch.ts): its rows in one
 * `INSERT … SELECT FROM json_each`, its ADDED events in one statement that
 * copies the ids from those rows (memory-events.ts `appendAdded`), while a
 * single memory takes one VALUES statement for each. What is stored and found
 * must not depend on that: a batch of 100 is compared with the same
 * memories stored one at a time.
 */
const TOPICS = ['hiking trip', 'sister in Porto', 'guitar lessons', 'birthday cake', 'new job'];

function conversation(start: number): NewMemory[] {
  return Array.from({ length: MAX_STORE_BATCH }, (_, i) =>
    memory(
      i % 7 === 3
        ? `yes, I went there last week (${i})`
        : `${i % 2 === 0 ? 'Ann' : 'Bob'}: turn ${i} about the ${TOPICS[i % TOPICS.length]}`,
      {
        createdAt: start + i * 1_000,
        role: i % 2 === 0 ? 'USER' : 'ASSISTANT',
        metadata: i % 10 === 0 ? { speaker: i % 2 === 0 ? 'Ann' : 'Bob', turn: i } : null,
      },
    ),
  );
}

/** Rows, full-text postings and events as stored, with seqs relative to the first. */
async function storedState(address: ReturnType<typeof freshAddress>) {
  return runInDurableObject(vaultStub(address), (_, state) => {
    const sql = state.storage.sql;
    const rows = sql
      .exec<{ seq: number } & Record<string, SqlStorageValue>>(
        `SELECT seq, content, role, metadata, created_at, tokens, hex(embedding) AS embedding,
                chunk_embeddings, next_embedding
         FROM memories ORDER BY seq`,
      )
      .toArray();
    const first = rows[0]!.seq;
    const postings = sql
      .exec<{ term: string; doc: number; offset: number }>(
        'SELECT term, doc, offset FROM memories_vocab ORDER BY doc, offset',
      )
      .toArray()
      .map(({ term, doc, offset }) => `${term}@${doc - first}:${offset}`);
    const events = sql
      .exec<{ seq: number; type: string; memory: number }>(
        'SELECT e.seq, e.type, m.seq AS memory FROM memory_events e JOIN memories m ON m.id = e.memory_id ORDER BY e.seq',
      )
      .toArray();
    const firstEvent = events[0]!.seq;
    return {
      rows: rows.map(({ seq, ...rest }) => ({ at: seq - first, ...rest })),
      postings,
      events: events.map((event) => ({
        at: event.seq - firstEvent,
        type: event.type,
        memory: event.memory - first,
      })),
    };
  });
}

describe('a batch written with multi-row statements', () => {
  it('stores, indexes and logs exactly what one-at-a-time stores do', async () => {
    const start = Date.now() - 10 * 60_000;
    const memories = conversation(start);
    const batched = freshAddress('SESSION');
    const single = freshAddress('SESSION');

    const whole = await vaultStub(batched).store(batched, storeRequest(memories));
    if (!whole.ok) throw new Error(whole.message);
    const ids: string[] = [];
    for (const one of memories) {
      const stored = await vaultStub(single).store(single, storeRequest([one]));
      if (!stored.ok) throw new Error(stored.message);
      ids.push(stored.memories[0]!.id);
    }

    // Every memory comes back under its own id, in the order sent.
    expect(whole.memories.map((stored) => stored.content)).toEqual(
      memories.map((one) => one.content),
    );
    const batchState = await storedState(batched);
    const singleState = await storedState(single);
    expect(batchState.rows).toHaveLength(MAX_STORE_BATCH);
    expect(batchState.rows).toEqual(singleState.rows);
    expect(batchState.postings).toEqual(singleState.postings);
    // One ADDED event per memory, in the batch's order.
    expect(batchState.events).toEqual(
      memories.map((_, position) => ({ at: position, type: 'ADDED', memory: position })),
    );
    expect(singleState.events).toEqual(batchState.events);
  });

  it('finds the same memories by text (neighbours included) and by vector as one-at-a-time stores', async () => {
    const start = Date.now() - 10 * 60_000;
    const memories = conversation(start);
    const batched = freshAddress('SESSION');
    const single = freshAddress('SESSION');
    // Both hold the same earlier conversation and were searched by text, so
    // each write also updates the text timeline, and the cached postings
    // (some 360 occurrences) are kept true two ways: a one-memory write
    // forgets its terms, a batch of 50 forgets them all (text-search.ts).
    for (const address of [batched, single]) {
      const earlier = await vaultStub(address).store(
        address,
        storeRequest(conversation(start - MAX_STORE_BATCH * 1_000)),
      );
      if (!earlier.ok) throw new Error(earlier.message);
      await vaultStub(address).search(address, [
        searchRequest('Ann Bob turn about the', [allTime()], { mode: 'TEXT' }),
      ]);
    }
    const halves = [memories.slice(0, 50), memories.slice(50)];
    for (const half of halves) {
      const stored = await vaultStub(batched).store(batched, storeRequest(half));
      if (!stored.ok) throw new Error(stored.message);
    }
    for (const one of memories) {
      const stored = await vaultStub(single).store(single, storeRequest([one]));
      if (!stored.ok) throw new Error(stored.message);
    }
    const found = async (
      address: ReturnType<typeof freshAddress>,
      query: string,
      mode: 'TEXT' | 'VECTOR',
    ) => {
      const response = await vaultStub(address).search(address, [
        searchRequest(query, [allTime(20)], { mode }),
      ]);
      if (!response.ok) throw new Error(response.message);
      return response.results[0]![0]!.hits.map((hit) => [hit.memory.content, hit.score]);
    };
    for (const mode of ['TEXT', 'VECTOR'] as const) {
      for (const query of ['sister Porto', 'went there last week', 'Ann guitar', 'cake']) {
        const hits = await found(batched, query, mode);
        expect(hits.length).toBeGreaterThan(0);
        expect(hits).toEqual(await found(single, query, mode));
      }
    }
  });
});

describe("a batch's ADDED events, copied from its rows in one statement", () => {
  it('name the stored memories in order, at the time of the write, superseding nothing', async () => {
    const address = freshAddress('SESSION');
    const before = Date.now();
    const stored = await vaultStub(address).store(
      address,
      storeRequest(conversation(before - 10 * 60_000)),
    );
    if (!stored.ok) throw new Error(stored.message);
    const after = Date.now();
    const events = await runInDurableObject(vaultStub(address), (_, state) =>
      state.storage.sql
        .exec<{ type: string; memory_id: string; superseded_by: string | null; at: number }>(
          'SELECT type, memory_id, superseded_by, at FROM memory_events ORDER BY seq',
        )
        .toArray(),
    );
    expect(events.map((event) => event.memory_id)).toEqual(stored.memories.map(({ id }) => id));
    expect(new Set(events.map((event) => event.type))).toEqual(new Set(['ADDED']));
    expect(events.every((event) => event.superseded_by === null)).toBe(true);
    expect(new Set(events.map((event) => event.at)).size).toBe(1);
    expect(events[0]!.at).toBeGreaterThanOrEqual(before);
    expect(events[0]!.at).toBeLessThanOrEqual(after);
  });

  it('refuse seqs that are not rows of the batch, and the transaction writes nothing', async () => {
    const address = freshAddress('SESSION');
    const stored = await vaultStub(address).store(
      address,
      storeRequest(conversation(Date.now() - 10 * 60_000).slice(0, 3)),
    );
    if (!stored.ok) throw new Error(stored.message);
    await runInDurableObject(vaultStub(address), (instance, state) => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const { events } = (instance as any).writes;
      const count = () =>
        state.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM memory_events').one().n;
      expect(count()).toBe(3);
      const memories = [
        { id: 'nowhere-1', content: 'a' },
        { id: 'nowhere-2', content: 'b' },
      ];
      expect(() =>
        state.storage.transactionSync(() => events.appendAdded(memories, [1_000, 1_001], 1)),
      ).toThrow('memory rows missing for their events');
      expect(count()).toBe(3);
    });
  });
});

describe("a batch's ids", () => {
  it('sort together in the vault (one run of its id index), each as random an id as one stored alone', async () => {
    const address = freshAddress('SESSION');
    const start = Date.now() - 10 * 60_000;
    const ids = async (memories: NewMemory[]) => {
      const stored = await vaultStub(address).store(address, storeRequest(memories));
      if (!stored.ok) throw new Error(stored.message);
      return stored.memories.map(({ id }) => id);
    };
    const first = await ids(conversation(start));
    const alone = await ids([memory('one memory stored alone', { createdAt: start })]);
    const given = conversation(start + 200_000).slice(0, 20);
    given[5] = { ...given[5]!, id: 'kept-as-given' };
    const second = await ids(given);

    const all = [...first, ...alone, ...second];
    expect(new Set(all).size).toBe(all.length);
    for (const id of all.filter((id) => id !== 'kept-as-given'))
      expect(id).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(second[5]).toBe('kept-as-given');
    // Each batch a run of the vault's ids in the index's order, with a half
    // of its own; the other halves all differ.
    const order = all.filter((id) => id !== 'kept-as-given').sort();
    for (const batch of [first, second.filter((id) => id !== 'kept-as-given')]) {
      const at = order.indexOf(batch.toSorted()[0]!);
      expect(order.slice(at, at + batch.length)).toEqual(batch.toSorted());
      expect(new Set(batch.map((id) => id.slice(0, 8))).size).toBe(1);
      expect(new Set(batch.map((id) => id.slice(8))).size).toBe(batch.length);
    }
    expect(new Set([first[0]!, second[0]!, alone[0]!].map((id) => id.slice(0, 8))).size).toBe(3);
  });
});
