import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { CALLER_SUPPLIED_MODEL } from '../../src/embed/embedder';
import { chunkSpans } from '../../src/text/chunks';
import { randomUnitVector, seededRandom } from '../helpers/random';
import type { ListPage, MemoryRecord } from '../../src/durable/rpc/vault-types';
import { windowRange, type MemoryWindow } from '../../src/kronos/windows';
import { DEFAULT_HYBRID_VECTOR_WEIGHT, readConfig } from '../../src/core/config';
import { MAX_STORE_BATCH, maxHotRows } from '../../src/core/limits';
import { env } from 'cloudflare:workers';
import { armedAlarm, runAlarm } from '../helpers/alarms';
import {
  allTime,
  embedder,
  failed,
  writeMetaBeneath,
  freshAddress,
  memory,
  ok,
  searchRequest,
  snapshotKeys,
  storeRequest,
  vaultStub,
} from '../helpers/vaults';
import type { VaultAddress } from '../../src/vaults/address';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const { bands } = readConfig(env);

/** Writes a meta row beneath the object, as time passing would (writeMetaBeneath). */
function setMeta(state: DurableObjectState, key: string, value: number, object: unknown): void {
  writeMetaBeneath(object, state, ({ sql }) =>
    sql.exec('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', key, String(value)),
  );
}

/** The vault's writes have settled (the last is old) and its snapshot is due. */
function settleWrites(state: DurableObjectState, object: unknown): void {
  setMeta(state, 'snapshot_due_at', 0, object);
  setMeta(state, 'last_write_at', 0, object);
}

function metaValue(vault: DurableObjectStub, key: string): Promise<string | null> {
  return runInDurableObject(
    vault,
    (_, state) =>
      state.storage.sql
        .exec<{ value: string }>('SELECT value FROM meta WHERE key = ?', key)
        .toArray()[0]?.value ?? null,
  );
}

/** Everything a vault holds: rows, meta, and its snapshots in R2. */
async function vaultState(vault: DurableObjectStub, address: VaultAddress) {
  const tables = await runInDurableObject(vault, (_, state) => ({
    memories: state.storage.sql.exec('SELECT * FROM memories ORDER BY seq').toArray(),
    meta: state.storage.sql.exec('SELECT key, value FROM meta ORDER BY key').toArray(),
  }));
  return { ...tables, snapshots: await snapshotKeys(address) };
}

function windowsAt(now: number, limit = 10) {
  return (['HOT', 'WORKING', 'LONG_TERM', 'ARCHIVE'] as MemoryWindow[]).map((window) => ({
    window,
    ...windowRange(window, now, bands),
    limit,
  }));
}

describe('VaultObject', () => {
  it('finds a memory in the same request that stored it returns (read-your-writes)', async () => {
    const address = freshAddress();
    const vault = vaultStub(address);
    ok(await vault.store(address, storeRequest([memory('My dog is called Biscuit')])));
    const found = ok(
      await vault.search(address, [searchRequest('what is my dog called', [allTime(1)])]),
    );
    expect(found.results[0]![0]!.hits.map((hit) => hit.memory.content)).toEqual([
      'My dog is called Biscuit',
    ]);
  });

  it('finds a memory from a paraphrased query with the local embedder', async () => {
    const address = freshAddress();
    const vault = vaultStub(address);
    ok(
      await vault.store(
        address,
        storeRequest([
          memory('I adopted a puppy named Biscuit last spring'),
          memory('My sister lives in Porto and works as a nurse'),
          memory('The quarterly report is due on Friday'),
          memory('I prefer green tea over coffee in the morning'),
        ]),
      ),
    );
    const found = ok(
      await vault.search(address, [
        searchRequest("what's the name of the puppy I adopted?", [allTime(1)], { mode: 'VECTOR' }),
        searchRequest('which drink do I like in the mornings', [allTime(1)], { mode: 'VECTOR' }),
      ]),
    );
    expect(found.results[0]![0]!.hits[0]!.memory.content).toContain('Biscuit');
    expect(found.results[1]![0]!.hits[0]!.memory.content).toContain('green tea');
  });

  it('keeps what it stored across a restart of the object', async () => {
    const address = freshAddress();
    const vault = vaultStub(address);
    const contents = ['the launch code word is marmalade', 'the office wifi is on floor three'];
    ok(await vault.store(address, storeRequest(contents.map((text) => memory(text)))));

    await evictDurableObject(vault);
    const again = vaultStub(address);
    const stats = ok(await again.stats(address)).stats;
    expect(stats.memoryCount).toBe(2);
    expect(stats.embeddingModel).toBe(embedder.model);
    expect(stats.dimensions).toBe(384);
    const found = ok(
      await again.search(address, [searchRequest('launch code word', [allTime(1)])]),
    );
    expect(found.results[0]![0]!.hits[0]!.memory.content).toBe(contents[0]);
    // The reloaded index keeps taking writes in order.
    ok(await again.store(address, storeRequest([memory('a third memory about marmalade')])));
    const after = ok(
      await again.search(address, [searchRequest('marmalade', [allTime(5)], { mode: 'VECTOR' })]),
    );
    expect(after.results[0]![0]!.hits).toHaveLength(3);
  });

  it('puts a memory exactly on a band edge in one window only', async () => {
    const address = freshAddress();
    const vault = vaultStub(address);
    const now = Date.UTC(2026, 10, 24, 12);
    const cases: [string, number, MemoryWindow][] = [
      ['at now', now, 'HOT'],
      ['just inside hot', now - bands.hot + 1, 'HOT'],
      ['on the hot edge', now - bands.hot, 'WORKING'],
      ['on the working edge', now - bands.working, 'LONG_TERM'],
      ['just inside working', now - bands.working + 1, 'WORKING'],
      ['on the long-term edge', now - bands.longTerm, 'ARCHIVE'],
      ['ancient', now - 400 * DAY, 'ARCHIVE'],
      ['in the future', now + 1, 'NONE' as MemoryWindow],
    ];
    ok(
      await vault.store(
        address,
        storeRequest(
          cases.map(([label, createdAt]) => memory(`edge marker ${label}`, { createdAt })),
        ),
      ),
    );
    const found = ok(
      await vault.search(address, [
        searchRequest('edge marker', windowsAt(now), { mode: 'VECTOR' }),
      ]),
    );
    const placed = new Map<string, MemoryWindow[]>();
    for (const result of found.results[0]!) {
      for (const hit of result.hits) {
        placed.set(hit.memory.content, [...(placed.get(hit.memory.content) ?? []), result.window]);
      }
    }
    for (const [label, , window] of cases) {
      const windows = placed.get(`edge marker ${label}`);
      if (window === ('NONE' as MemoryWindow)) expect(windows).toBeUndefined();
      else expect(windows, label).toEqual([window]);
    }
  });

  it('places backfilled memories in time order', async () => {
    const address = freshAddress();
    const vault = vaultStub(address);
    const now = Date.now();
    ok(
      await vault.store(address, storeRequest([memory('recent note', { createdAt: now - HOUR })])),
    );
    ok(
      await vault.store(
        address,
        storeRequest([
          memory('old note from last month', { createdAt: now - 30 * DAY }),
          memory('note from two days ago', { createdAt: now - 2 * DAY }),
          memory('note from last year', { createdAt: now - 200 * DAY }),
        ]),
      ),
    );
    const page = ok(await vault.list(address, { first: 10, after: null, order: 'OLDEST_FIRST' }));
    expect(page.memories.map((m) => m.content)).toEqual([
      'note from last year',
      'old note from last month',
      'note from two days ago',
      'recent note',
    ]);
    const found = ok(
      await vault.search(address, [searchRequest('note', windowsAt(now), { mode: 'VECTOR' })]),
    );
    const byWindow = Object.fromEntries(
      found.results[0]!.map((result) => [
        result.window,
        result.hits.map((hit) => hit.memory.content),
      ]),
    );
    expect(byWindow).toEqual({
      HOT: ['recent note'],
      WORKING: ['note from two days ago'],
      LONG_TERM: ['old note from last month'],
      ARCHIVE: ['note from last year'],
    });
  });

  it('pages through a vault without gaps or repeats, in both orders', async () => {
    const address = freshAddress();
    const vault = vaultStub(address);
    const base = Date.now() - DAY;
    // Several memories share a timestamp, so the cursor must break ties (by seq: stored order).
    const memories = Array.from({ length: 23 }, (_, i) =>
      memory(`page item ${i}`, { createdAt: base + Math.floor(i / 3) * 1000 }),
    );
    const stored = ok(await vault.store(address, storeRequest(memories))).memories;
    for (const order of ['OLDEST_FIRST', 'NEWEST_FIRST'] as const) {
      const seen: string[] = [];
      let after: { createdAt: number; localId: string; seq: number } | null = null;
      for (let pages = 0; pages < 10; pages++) {
        const page: ListPage = ok(await vault.list(address, { first: 5, after, order }));
        expect(page.totalCount).toBe(23);
        seen.push(...page.memories.map((m) => m.id));
        if (!page.hasNextPage) break;
        const last: MemoryRecord = page.memories.at(-1)!;
        after = { createdAt: last.createdAt, localId: last.id, seq: page.seqs.at(-1)! };
      }
      const inStoredOrder = stored.map((m) => m.id);
      expect(seen).toEqual(order === 'OLDEST_FIRST' ? inStoredOrder : inStoredOrder.reverse());
    }
  });

  it('stores nothing from a batch with one bad item', async () => {
    const address = freshAddress();
    const vault = vaultStub(address);
    const bad = memory('bad vector', {
      vector: Array.from({ length: 384 }, (_, i) => (i === 7 ? NaN : 1)),
    });
    // Caller vectors throughout: a vault holds one kind of vector.
    const own = (content: string) =>
      memory(content, { vector: Array.from(embedder.embedOne(content)) });
    const result = failed(
      await vault.store(address, storeRequest([own('good one'), own('good two'), bad])),
    );
    expect(result).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'EMBEDDING_NOT_FINITE' });
    expect(result.message).toContain('memory 2');
    const stats = ok(await vault.stats(address)).stats;
    expect(stats.memoryCount).toBe(0);
    expect(stats.embeddingModel).toBeNull();
    const found = ok(await vault.search(address, [searchRequest('good', [allTime(5)])]));
    expect(found.results[0]![0]!.hits).toEqual([]);
  });

  it('rejects wrong-sized, non-finite and zero vectors with coded errors', async () => {
    const address = freshAddress();
    const vault = vaultStub(address);
    const first = 'establishes 384 caller-supplied dimensions';
    ok(
      await vault.store(
        address,
        storeRequest([memory(first, { vector: Array.from(embedder.embedOne(first)) })]),
      ),
    );
    const cases: [number[], string][] = [
      [[1, 2, 3], 'EMBEDDING_DIMENSIONS'],
      [Array.from({ length: 384 }, (_, i) => (i === 0 ? Infinity : 0.5)), 'EMBEDDING_NOT_FINITE'],
      [Array.from({ length: 384 }, () => 0), 'EMBEDDING_ZERO'],
    ];
    for (const [vector, reason] of cases) {
      const result = failed(await vault.store(address, storeRequest([memory('x', { vector })])));
      expect(result).toMatchObject({ code: 'BAD_USER_INPUT', reason });
    }
    expect(ok(await vault.stats(address)).stats.memoryCount).toBe(1);
  });

  it('refuses vectors from another embedding model', async () => {
    const address = freshAddress();
    const vault = vaultStub(address);
    ok(await vault.store(address, storeRequest([memory('built with the local model')])));
    const other = {
      ...storeRequest([memory('from another model')]),
      model: '@cf/baai/bge-small-en-v1.5',
    };
    expect(failed(await vault.store(address, other))).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'EMBEDDING_MISMATCH',
    });
    const query = { ...searchRequest('model', [allTime(1)]), model: '@cf/baai/bge-small-en-v1.5' };
    expect(failed(await vault.search(address, [query]))).toMatchObject({
      reason: 'EMBEDDING_MISMATCH',
    });
  });

  it('refuses writes past its capacity and says so', async () => {
    const address = freshAddress();
    const vault = vaultStub(address);
    const capacity = readConfig(env).vaultMaxMemories;
    const fill = Array.from({ length: capacity - 1 }, (_, i) => memory(`filler ${i}`));
    for (let i = 0; i < fill.length; i += MAX_STORE_BATCH) {
      ok(await vault.store(address, storeRequest(fill.slice(i, i + MAX_STORE_BATCH))));
    }
    const overflow = failed(
      await vault.store(address, storeRequest([memory('last slot'), memory('one too many')])),
    );
    expect(overflow).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', reason: 'VAULT_FULL' });
    expect(overflow.message).toContain(String(capacity));
    ok(await vault.store(address, storeRequest([memory('last slot')])));
    const stats = ok(await vault.stats(address)).stats;
    expect(stats).toMatchObject({ memoryCount: capacity, capacity });
  });

  it('holds at most VAULT_MAX_HOT_MIB of vectors, a long memory taking a row per chunk', async () => {
    const address = freshAddress();
    const vault = vaultStub(address);
    const dims = 4_096;
    const { vaultMaxHotBytes, vaultMaxMemories } = readConfig(env);
    const capacity = maxHotRows({ vaultMaxHotBytes }, dims);
    // The test deployment's hot budget binds before its memory count does.
    expect(capacity).toBeLessThan(vaultMaxMemories);
    const next = seededRandom(dims);
    const vector = () => Array.from(randomUnitVector(next, dims));
    const request = (memories: ReturnType<typeof memory>[]) => ({
      memories,
      model: CALLER_SUPPLIED_MODEL,
      dimensions: dims,
    });
    const short = (i: number) => memory(`wide vector ${i}`, { vector: vector() });
    const fill = Array.from({ length: capacity - 3 }, (_, i) => short(i));
    for (let i = 0; i < fill.length; i += 25)
      ok(await vault.store(address, request(fill.slice(i, i + 25))));
    expect(ok(await vault.stats(address)).stats.capacity).toBe(capacity);

    // Three rows are left; a memory of four chunks needs four.
    const words = Array.from({ length: 1_000 }, (_, i) => `word${i}`).join(' ');
    expect(chunkSpans(words)).toHaveLength(4);
    const long = { ...memory(words, { vector: vector() }), chunkVectors: [1, 2, 3, 4].map(vector) };
    const refused = failed(await vault.store(address, request([long])));
    expect(refused).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', reason: 'VAULT_FULL' });
    expect(refused.message).toContain(`at most ${capacity} vectors`);

    ok(await vault.store(address, request([0, 1, 2].map((i) => short(1_000 + i)))));
    const full = failed(await vault.store(address, request([short(2_000)])));
    expect(full).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', reason: 'VAULT_FULL' });
    expect(full.message).toContain(`at most ${capacity} memories`);
    expect(ok(await vault.stats(address)).stats).toMatchObject({ memoryCount: capacity, capacity });
  });

  it('gives the last free slot to exactly one of two concurrent writes', async () => {
    const address = freshAddress();
    const vault = vaultStub(address);
    const capacity = readConfig(env).vaultMaxMemories;
    const fill = Array.from({ length: capacity - 1 }, (_, i) => memory(`filler ${i}`));
    for (let i = 0; i < fill.length; i += MAX_STORE_BATCH) {
      ok(await vault.store(address, storeRequest(fill.slice(i, i + MAX_STORE_BATCH))));
    }
    const results = await Promise.all(
      ['left', 'right'].map((side) =>
        vault.store(address, storeRequest([memory(`racing for the last slot: ${side}`)])),
      ),
    );
    expect(results.filter((result) => result.ok)).toHaveLength(1);
    expect(failed(results.find((result) => !result.ok)!)).toMatchObject({ reason: 'VAULT_FULL' });
    const winner = ok(results.find((result) => result.ok)!).memories[0]!;
    expect(ok(await vault.stats(address)).stats.memoryCount).toBe(capacity);
    expect(ok(await vault.get(address, [winner.id])).memories).toHaveLength(1);
  });

  it('deletes a memory from both SQLite and the hot index', async () => {
    const address = freshAddress();
    const vault = vaultStub(address);
    const [keep, drop] = ok(
      await vault.store(
        address,
        storeRequest([memory('keep the red bicycle'), memory('drop the red bicycle')]),
      ),
    ).memories;
    expect(ok(await vault.remove(address, drop!.id)).deleted).toBe(true);
    expect(ok(await vault.remove(address, drop!.id)).deleted).toBe(false);
    for (const mode of ['VECTOR', 'TEXT', 'HYBRID'] as const) {
      const found = ok(
        await vault.search(address, [searchRequest('red bicycle', [allTime(5)], { mode })]),
      );
      expect(found.results[0]![0]!.hits.map((hit) => hit.memory.id)).toEqual([keep!.id]);
    }
    expect(ok(await vault.get(address, [keep!.id, drop!.id])).memories.map((m) => m.id)).toEqual([
      keep!.id,
    ]);
  });

  it('clears a vault completely, model included', async () => {
    const address = freshAddress();
    const vault = vaultStub(address);
    ok(await vault.store(address, storeRequest([memory('one'), memory('two')])));
    expect(ok(await vault.clear(address)).removed).toBe(2);
    const stats = ok(await vault.stats(address)).stats;
    expect(stats).toMatchObject({ memoryCount: 0, embeddingModel: null, dimensions: null });
    const found = ok(await vault.search(address, [searchRequest('one', [allTime(5)])]));
    expect(found.results[0]![0]!.hits).toEqual([]);
  });

  it('applies a metadata filter before ranking, so the top-k stays full', async () => {
    const address = freshAddress();
    const vault = vaultStub(address);
    // Every memory holds the query's words "plan number"; the travel ones also
    // "travel", so unfiltered they take the top 4 in every mode, TEXT included.
    const memories = [
      ...Array.from({ length: 12 }, (_, i) =>
        memory(`travel plan number ${i}`, { metadata: { topic: 'travel' } }),
      ),
      ...Array.from({ length: 4 }, (_, i) =>
        memory(`a gardening plan, number ${i}`, { metadata: { topic: 'garden', pinned: true } }),
      ),
      // 1 is not true: the filter compares values with their types.
      memory('gardening plan with the number 1', { metadata: { topic: 'garden', pinned: 1 } }),
    ];
    ok(await vault.store(address, storeRequest(memories)));
    for (const mode of ['VECTOR', 'TEXT', 'HYBRID'] as const) {
      const found = ok(
        await vault.search(address, [
          searchRequest('travel plan number', [allTime(4)], {
            mode,
            metadata: { topic: 'garden', pinned: true },
          }),
        ]),
      );
      const hits = found.results[0]![0]!.hits;
      expect(hits.map((hit) => hit.memory.content).sort(), mode).toEqual(
        [0, 1, 2, 3].map((i) => `a gardening plan, number ${i}`),
      );
    }
  });

  it('ranks better with HYBRID than with either mode alone on a hand-made set', async () => {
    // Caller-supplied 4-d "semantic" vectors: axis 0 billing, 1 travel, 2 pets, 3 food.
    const address = freshAddress();
    const vault = vaultStub(address);
    const docs = [
      { content: 'Invoice INV-4821 was paid by bank transfer', vector: [0.9, 0, 0, 0.1] },
      { content: 'Invoices are due thirty days after issue', vector: [1, 0, 0, 0] },
      { content: 'Our flight to Oslo leaves at nine', vector: [0, 1, 0, 0] },
      { content: 'The cat only eats salmon pâté', vector: [0, 0, 0.8, 0.6] },
      { content: 'Grandma bakes rye bread every Sunday', vector: [0, 0, 0, 1] },
    ];
    ok(
      await vault.store(address, {
        memories: docs.map((doc) => memory(doc.content, { vector: doc.vector })),
        model: CALLER_SUPPLIED_MODEL,
        dimensions: 4,
      }),
    );
    const queries = [
      // An exact identifier: text finds it, vectors prefer the generic billing memory.
      { text: 'status of INV-4821', vector: [1, 0, 0, 0], expected: docs[0]!.content },
      // A paraphrase sharing no word: only vectors find it.
      {
        text: 'what does our kitty like for dinner',
        vector: [0, 0, 0.9, 0.4],
        expected: docs[3]!.content,
      },
      // Both agree.
      { text: 'flight to Oslo', vector: [0, 1, 0, 0], expected: docs[2]!.content },
    ];
    const correctAtOne = async (mode: 'VECTOR' | 'TEXT' | 'HYBRID') => {
      let correct = 0;
      for (const query of queries) {
        const found = ok(
          await vault.search(address, [
            {
              text: query.text,
              vector: new Float32Array(query.vector),
              model: CALLER_SUPPLIED_MODEL,
              mode,
              windows: [allTime(3)],
              metadata: null,
              vectorWeight: DEFAULT_HYBRID_VECTOR_WEIGHT,
            },
          ]),
        );
        if (found.results[0]![0]!.hits[0]?.memory.content === query.expected) correct++;
      }
      return correct;
    };
    const [vector, text, hybrid] = [
      await correctAtOne('VECTOR'),
      await correctAtOne('TEXT'),
      await correctAtOne('HYBRID'),
    ];
    expect(hybrid).toBe(queries.length);
    expect(hybrid).toBeGreaterThan(vector);
    expect(hybrid).toBeGreaterThan(text);
  });

  it('schedules the expiry of an EPHEMERAL vault and truly deletes it when the alarm fires', async () => {
    const address = freshAddress('EPHEMERAL', 'conv-1');
    const vault = vaultStub(address);
    const before = Date.now();
    ok(await vault.store(address, storeRequest([memory('temporary context')])));
    const stats = ok(await vault.stats(address)).stats;
    const ttl = readConfig(env).ephemeralTtlMs;
    expect(stats.expiresAt).toBeGreaterThanOrEqual(before + ttl);
    expect(stats.expiresAt).toBeLessThanOrEqual(Date.now() + ttl);
    // One alarm for whatever is due first: the debounced snapshot, then the expiry.
    const snapshotDue = Number(await metaValue(vault, 'snapshot_due_at'));
    expect(snapshotDue).toBeLessThan(stats.expiresAt!);
    expect(await armedAlarm(vault)).toBe(snapshotDue);

    // The snapshot falls due: R2 holds a copy, and the alarm re-arms for the expiry.
    const rearmed = await runAlarm(vault, settleWrites);
    expect(rearmed).toBe(stats.expiresAt);
    expect(await snapshotKeys(address)).toHaveLength(1);
    expect(ok(await vault.stats(address)).stats.memoryCount).toBe(1);

    // Let the TTL pass, then fire the alarm: rows, meta, alarm and snapshots go.
    expect(
      await runAlarm(vault, (state, object) =>
        setMeta(state, 'expires_at', Date.now() - 1, object),
      ),
    ).toBe(null);
    const leftovers = await runInDurableObject(vault, (_, state) => ({
      memories: state.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM memories').one().n,
      meta: state.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM meta').one().n,
    }));
    expect(leftovers.memories).toBe(0);
    expect(leftovers.meta).toBe(1); // only the schema version of the fresh, empty schema
    expect(await armedAlarm(vault)).toBeNull();
    expect(await snapshotKeys(address)).toEqual([]);
    expect(ok(await vault.stats(address)).stats).toMatchObject({ memoryCount: 0, expiresAt: null });
  });

  it('expires an EPHEMERAL vault on the first call after its time, even before its alarm', async () => {
    const address = freshAddress('EPHEMERAL', 'conv-late');
    const vault = vaultStub(address);
    ok(await vault.store(address, storeRequest([memory('a conversation long over')])));
    ok(await vault.snapshot(address));
    expect(await snapshotKeys(address)).toHaveLength(1);
    // The time is up but no alarm has run (it could be late, or lost).
    await runInDurableObject(vault, (object, state) =>
      setMeta(state, 'expires_at', Date.now() - 1, object),
    );
    const read = ok(
      await vault.read(address, [
        { type: 'search', request: searchRequest('conversation', [allTime(5)]) },
      ]),
    );
    const [searched] = read.results;
    expect(searched).toMatchObject({ ok: true, type: 'search' });
    expect(searched!.ok && searched!.type === 'search' && searched!.windows[0]!.hits).toEqual([]);
    // The call that found it expired answers the vault as its expiry left it.
    expect(read.stats).toMatchObject({ memoryCount: 0, exists: false });
    expect(ok(await vault.stats(address)).stats).toMatchObject({ memoryCount: 0, exists: false });
    expect(await snapshotKeys(address)).toEqual([]);
  });

  it('keeps every write acknowledged while an expired EPHEMERAL vault is being removed', async () => {
    // Before: removal awaited the usage hand-over (a call to the account)
    // before wiping, so writes arriving meanwhile found the vault expired
    // too, each removed it again, and a write acknowledged in between was
    // wiped by a removal decided before it.
    const address = freshAddress('EPHEMERAL', 'conv-race');
    const vault = vaultStub(address);
    const charged = (content: string, at: number) => ({
      ...storeRequest([memory(content)]),
      usage: {
        requestId: `req-${at}`,
        accountId: 'acct-race',
        keyId: address.keyId,
        memoryTokens: 3,
      },
    });
    ok(await vault.store(address, charged('a conversation long over', 0)));
    await runInDurableObject(vault, (object, state) =>
      setMeta(state, 'expires_at', Date.now() - 1, object),
    );
    const writes = await Promise.all(
      [1, 2, 3, 4].map((at) => vault.store(address, charged(`new turn ${at}`, at))),
    );
    const acknowledged = writes.flatMap((write) => ok(write).memories.map((m) => m.content));
    expect(acknowledged.sort()).toEqual(['new turn 1', 'new turn 2', 'new turn 3', 'new turn 4']);
    const page = ok(await vault.list(address, { first: 10, after: null, order: 'OLDEST_FIRST' }));
    expect(page.memories.map((m) => m.content).sort()).toEqual(acknowledged);
  });

  it("renews an EPHEMERAL vault's time to live on a write, not on a read", async () => {
    const address = freshAddress('EPHEMERAL', 'conv-renewed');
    const vault = vaultStub(address);
    const ttl = readConfig(env).ephemeralTtlMs;
    ok(await vault.store(address, storeRequest([memory('first turn')])));
    // Most of its time has passed: a minute is left.
    const soon = Date.now() + 60_000;
    await runInDurableObject(vault, (object, state) => setMeta(state, 'expires_at', soon, object));
    // Reading does not renew it.
    ok(await vault.search(address, [searchRequest('turn', [allTime(5)])]));
    ok(await vault.list(address, { first: 5, after: null, order: 'OLDEST_FIRST' }));
    expect(ok(await vault.stats(address)).stats.expiresAt).toBe(soon);
    // A write gives it a whole TTL again, and the alarm follows.
    const before = Date.now();
    ok(await vault.store(address, storeRequest([memory('second turn')])));
    const renewed = ok(await vault.stats(address)).stats.expiresAt!;
    expect(renewed).toBeGreaterThanOrEqual(before + ttl);
    expect(renewed).toBeLessThanOrEqual(Date.now() + ttl);
    expect(await runAlarm(vault, settleWrites)).toBe(renewed);
  });

  it("refuses every call that names another vault's address, and changes nothing", async () => {
    const address = freshAddress('SESSION', 'alice');
    const vault = vaultStub(address);
    const [stored] = ok(
      await vault.store(address, storeRequest([memory('alice private note')])),
    ).memories;
    const { key } = ok(await vault.snapshot(address)).snapshot;
    const before = await vaultState(vault, address);
    const intruders = [
      { ...address, keyId: 'someone-else' },
      { ...address, externalId: 'bob' },
      { ...address, kind: 'EPHEMERAL' as const },
    ];
    for (const intruder of intruders) {
      const calls: Record<string, () => Promise<{ ok: boolean }>> = {
        store: () => vault.store(intruder, storeRequest([memory('planted by an intruder')])),
        read: () => vault.read(intruder, [{ type: 'get', ids: [stored!.id] }]),
        search: () => vault.search(intruder, [searchRequest('note', [allTime(1)])]),
        get: () => vault.get(intruder, [stored!.id]),
        list: () => vault.list(intruder, { first: 10, after: null, order: 'OLDEST_FIRST' }),
        stats: () => vault.stats(intruder),
        remove: () => vault.remove(intruder, stored!.id),
        clear: () => vault.clear(intruder),
        snapshot: () => vault.snapshot(intruder),
        snapshots: () => vault.snapshots(intruder),
        restore: () => vault.restore(intruder, key),
      };
      for (const [name, call] of Object.entries(calls)) {
        expect(failed(await call()).code, `${name} as ${JSON.stringify(intruder)}`).toBe(
          'FORBIDDEN',
        );
      }
    }
    expect(await vaultState(vault, address)).toEqual(before);
  });

  it('wakes up from a checkpoint plus later writes and deletes with the same index', async () => {
    const address = freshAddress();
    const vault = vaultStub(address);
    const base = Date.now() - DAY;
    const first = ok(
      await vault.store(
        address,
        storeRequest(
          Array.from({ length: 40 }, (_, i) =>
            memory(`checkpointed fact ${i}`, { createdAt: base + i }),
          ),
        ),
      ),
    ).memories;
    // Let the checkpoint fall due and fire the alarm that writes it.
    await runAlarm(vault, (state, object) =>
      setMeta(state, 'checkpoint_due_at', Date.now() - 1, object),
    );
    const pages = await runInDurableObject(
      vault,
      (_, state) =>
        state.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM hot_pages').one().n,
    );
    expect(pages).toBeGreaterThan(0);
    const textPages = await runInDurableObject(
      vault,
      (_, state) =>
        state.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM text_pages').one().n,
    );
    expect(textPages).toBeGreaterThan(0);

    // Changes after the checkpoint: a backfilled write, a new write, deletes.
    ok(
      await vault.store(
        address,
        storeRequest([
          memory('backfilled fact from long ago', { createdAt: base - 50 * DAY }),
          memory('fresh fact written after the checkpoint'),
        ]),
      ),
    );
    ok(await vault.remove(address, first[3]!.id));
    ok(await vault.remove(address, first[17]!.id));

    const queries = [
      searchRequest('checkpointed fact 3', windowsAt(Date.now(), 5), { mode: 'VECTOR' }),
      searchRequest('fact', windowsAt(Date.now(), 50), { mode: 'VECTOR' }),
      // Text ranks each memory with its neighbours: the woken timeline must
      // hold the same memories in the same order.
      searchRequest('checkpointed fact 3', windowsAt(Date.now(), 8), { mode: 'TEXT' }),
      // Memories without evidence kept (`keepUnmatched`): whether one at the
      // noise level stands out can differ while the woken index estimates
      // the spread from its codes (below), and a search leaves out those
      // that do not.
      searchRequest('fresh backfilled', windowsAt(Date.now(), 8), {
        mode: 'HYBRID',
        keepUnmatched: true,
      }),
    ];
    const before = ok(await vault.search(address, queries)).results;
    await evictDurableObject(vault);
    const after = ok(await vaultStub(address).search(address, queries)).results;
    expect(after.slice(0, 3)).toEqual(before.slice(0, 3));
    // HYBRID: the same memories in the same order. Its vector evidence is a
    // test against the window's similarity spread, which a woken index may
    // take from the codes' estimates (before its float32 block is back), so
    // a memory at the noise level can score a little more or less.
    const ranked = (windows: (typeof before)[number]) =>
      windows.map((window) => window.hits.map((hit) => hit.memory.id));
    expect(ranked(after[3]!)).toEqual(ranked(before[3]!));
    const ids = after[1]!.flatMap((window) => window.hits.map((hit) => hit.memory.id));
    expect(ids).toHaveLength(40);
    expect(ids).not.toContain(first[3]!.id);
    expect(ids).not.toContain(first[17]!.id);
    // The woken index holds exactly the live rows (its size is what stats report).
    expect(ok(await vaultStub(address).stats(address)).stats.memoryCount).toBe(40);
  });
});
