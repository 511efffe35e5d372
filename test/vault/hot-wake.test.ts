import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HotIndex } from '../../src/durable/indexes/hot-index';
import { MetaTable, Sql } from '../../src/durable/sqlite/sql';
import { TextSearch } from '../../src/durable/full-text/text-search';
import type { VaultObject } from '../../src/durable/vault/vault-object';
import { VaultMeta } from '../../src/durable/warm-tier/vault-meta';
import { VaultStorage } from '../../src/durable/warm-tier/vault-storage';
import type { VectorIndex } from '../../src/durable/hot-tier/vector-index';
import {
  affordable,
  ISOLATE_HOT_BYTES,
  registerHolder,
} from '../../src/durable/hot-tier/hot-budget';
import { useOwnHotBudget } from '../helpers/hot-budget';
import {
  allTime,
  embedder,
  freshAddress,
  memory,
  ok,
  searchRequest,
  storeRequest,
  vaultStub,
} from '../helpers/vaults';

const DAY = 86_400_000;
/** About 39 rows of 384 dimensions a page: a 300-row vault checkpoints in 8 pages. */
const PAGE_BYTES = 64 * 1024;
const QUERIES = ['note 7 about topic 3', 'topic 11', 'note 250', 'about topic 16 and 2'];

/**
 * The vault's storage and a fresh in-memory state over it, as after a
 * wake-up, whose float32 block fills only when the test runs the deferred
 * steps (`pending`).
 */
function parts(state: DurableObjectState) {
  const sql = new Sql(state.storage.sql);
  const meta = new VaultMeta(new MetaTable(sql));
  const rows = new VaultStorage(sql);
  const pending: (() => void)[] = [];
  const wake = () =>
    new HotIndex(sql, meta, new TextSearch(sql), () => rows.count(), undefined, {
      defer: (work) => pending.push(work),
      checkpointPageBytes: PAGE_BYTES,
    });
  /** Runs the deferred steps queued so far (each queues the next while pages are left). */
  const step = (times = 1) => {
    for (let i = 0; i < times && pending.length > 0; i++) pending.shift()!();
  };
  return { sql, meta, rows, wake, pending, step };
}

/** What searches answer: ids (seqs) and exact scores, best first, for each query and window size. */
function answers(index: VectorIndex) {
  return QUERIES.flatMap((text) =>
    [3, 10, 40].map((k) =>
      index.search(embedder.embedOne(text), 0, index.size, k).map((hit) => [hit.seq, hit.score]),
    ),
  );
}

/** Every row's float32 vector as the index holds it (null while the block is not in). */
function floats(index: VectorIndex) {
  const vectors = index.slice(0, index.size).vectors;
  return vectors === null ? null : Array.from(new Float32Array(vectors.buffer));
}

/**
 * A vault of `count` memories checkpointed in small pages, and what its
 * index held when it wrote the checkpoint (rebuilt from the rows, the
 * float32 block loaded with them).
 */
async function checkpointedVault(count: number) {
  const address = freshAddress();
  const vault = vaultStub(address);
  const base = Date.now() - DAY;
  const stored = [];
  for (let from = 0; from < count; from += 100) {
    const batch = Array.from({ length: Math.min(100, count - from) }, (_, j) => {
      const i = from + j;
      // Out of time order, so rows are not in write order.
      return memory(`note ${i} about topic ${i % 17}`, { createdAt: base + ((i * 7) % count) });
    });
    stored.push(...ok(await vault.store(address, storeRequest(batch))).memories);
  }
  const written = await runInDurableObject(vault, (_, state) => {
    const { sql, wake } = parts(state);
    const hot = wake();
    const index = hot.vectors()!;
    state.storage.transactionSync(() => hot.checkpoint());
    return {
      answers: answers(index),
      floats: floats(index),
      seqs: Array.from({ length: index.size }, (_, row) => index.seqAt(row)),
      pages: sql.first<{ n: number }>('SELECT COUNT(*) AS n FROM hot_pages')!.n,
    };
  });
  return { address, vault, stored, written };
}

/** The state of the float32 block. */
function block(hot: HotIndex, index: VectorIndex, pending: unknown[]) {
  return {
    kept: index.holdsFloats,
    pending: index.floatsPending,
    filling: hot.filling,
    queued: pending.length,
  };
}

/**
 * What earlier files of the project can leave in the shared isolate: indexes
 * still counted against its hot budget. Here all of it, so any index below
 * that drew on the isolate's budget would be refused its float32 block (and
 * re-score from SQLite); each test has a budget of its own instead.
 */
const earlierFiles = { memoryBytes: 0 };
beforeAll(() => {
  earlierFiles.memoryBytes = ISOLATE_HOT_BYTES;
  registerHolder(earlierFiles);
  expect(affordable(1)).toBe(false);
});
afterAll(() => {
  earlierFiles.memoryBytes = 0;
});
useOwnHotBudget();

describe('waking on the codes', () => {
  it('answers identically before its float32 block is in, and holds the same block once filled', async () => {
    const { vault, written } = await checkpointedVault(300);
    const result = await runInDurableObject(vault, (_, state) => {
      const { wake, pending, step } = parts(state);
      const hot = wake();
      const index = hot.vectors()!;
      const woke = {
        block: block(hot, index, pending),
        answers: answers(index),
        floats: floats(index),
      };
      step(); // one page
      const midway = { block: block(hot, index, pending), answers: answers(index) };
      step(written.pages); // each step reads a page and queues the next
      return {
        woke,
        midway,
        filled: {
          block: block(hot, index, pending),
          answers: answers(index),
          floats: floats(index),
        },
      };
    });
    expect(written.pages).toBeGreaterThanOrEqual(6);
    expect(written.floats).not.toBeNull();
    // Woken on the codes: the block is kept but empty, one page is queued.
    expect(result.woke.block).toEqual({ kept: true, pending: true, filling: true, queued: 1 });
    expect(result.woke.floats).toBeNull();
    expect(result.woke.answers).toEqual(written.answers);
    expect(result.midway.block).toEqual({ kept: true, pending: true, filling: true, queued: 1 });
    expect(result.midway.answers).toEqual(written.answers);
    // Filled: every row has the vector it was checkpointed with.
    expect(result.filled.block).toEqual({ kept: true, pending: false, filling: false, queued: 0 });
    expect(result.filled.floats).toEqual(written.floats);
    expect(result.filled.answers).toEqual(written.answers);
  });

  it('evicted mid-fill, the next wake-up starts again and ends with the same block', async () => {
    const { vault, written } = await checkpointedVault(300);
    const result = await runInDurableObject(vault, (_, state) => {
      const first = parts(state);
      const gone = first.wake();
      gone.vectors();
      first.step(3);
      gone.forget(); // what a clear or restore does; an eviction drops the object whole
      first.step(); // the step queued before: nothing left to do
      const afterForget = first.pending.length;
      const second = parts(state);
      const hot = second.wake();
      const index = hot.vectors()!;
      const answered = answers(index);
      second.step(written.pages);
      return {
        afterForget,
        answered,
        floats: floats(index),
        block: block(hot, index, second.pending),
      };
    });
    expect(result.afterForget).toBe(0);
    expect(result.answered).toEqual(written.answers);
    expect(result.floats).toEqual(written.floats);
    expect(result.block).toEqual({ kept: true, pending: false, filling: false, queued: 0 });
  });

  it('keeps a delete made while the block fills', async () => {
    const { vault, stored, written } = await checkpointedVault(300);
    const gone = stored[123]!.id;
    const result = await runInDurableObject(vault, (_, state) => {
      const { rows, wake, pending, step } = parts(state);
      const hot = wake();
      const index = hot.vectors()!;
      step(2);
      const goneRow = rows.find(gone)!;
      const removal = hot.beforeRemove(goneRow);
      state.storage.transactionSync(() => {
        rows.delete(gone);
        hot.recordRemoval(removal);
      });
      hot.removed(removal);
      const whileFilling = answers(index);
      step(written.pages);
      return {
        goneSeq: goneRow.seq,
        whileFilling,
        filled: answers(index),
        floats: floats(index),
        block: block(hot, index, pending),
      };
    });
    // The block holds every other row's vector, in place.
    const row = written.seqs.indexOf(result.goneSeq);
    const dims = embedder.dimensions;
    expect(result.floats).toEqual([
      ...written.floats!.slice(0, row * dims),
      ...written.floats!.slice((row + 1) * dims),
    ]);
    expect(result.block).toMatchObject({ pending: false, filling: false });
    expect(result.filled).toEqual(result.whileFilling);
    expect(result.filled.flat().map(([seq]) => seq)).not.toContain(result.goneSeq);
  });

  it('fills the rest of the block before writing a new checkpoint from it', async () => {
    const { vault, written } = await checkpointedVault(300);
    const result = await runInDurableObject(vault, (_, state) => {
      const { sql, wake, pending, step } = parts(state);
      const hot = wake();
      const index = hot.vectors()!;
      step();
      state.storage.transactionSync(() => hot.checkpoint());
      const after = block(hot, index, pending);
      step();
      const next = wake();
      const woken = next.vectors()!;
      next.finishFilling();
      return {
        after,
        pagesWithoutVectors: sql.first<{ n: number }>(
          'SELECT COUNT(*) AS n FROM hot_pages WHERE vectors IS NULL',
        )!.n,
        floats: floats(woken),
        answers: answers(woken),
      };
    });
    // Filled at once; the step queued before stays queued, and finds nothing left.
    expect(result.after).toEqual({ kept: true, pending: false, filling: false, queued: 1 });
    expect(result.pagesWithoutVectors).toBe(0);
    expect(result.floats).toEqual(written.floats);
    expect(result.answers).toEqual(written.answers);
  });

  it('gives up the block when the checkpoint is discarded mid-fill, and still answers the same', async () => {
    const { vault, written } = await checkpointedVault(300);
    const result = await runInDurableObject(vault, (_, state) => {
      const { wake, pending, step } = parts(state);
      const hot = wake();
      const index = hot.vectors()!;
      step();
      state.storage.transactionSync(() => hot.discardCheckpoint());
      step();
      return { block: block(hot, index, pending), answers: answers(index) };
    });
    expect(result.block).toEqual({ kept: false, pending: false, filling: false, queued: 0 });
    expect(result.answers).toEqual(written.answers);
  });

  it('a woken vault object answers as before it was evicted, and fills its block by itself', async () => {
    const { address, vault } = await checkpointedVault(300);
    const search = () =>
      vault
        .search(
          address,
          QUERIES.map((text) => searchRequest(text, [allTime(10)], { mode: 'VECTOR' })),
        )
        .then((found) => ok(found).results);
    const before = await search();
    await evictDurableObject(vault);
    const afterWake = await search();
    expect(afterWake).toEqual(before);
    // The block fills a page per task after the call that woke the vault.
    await vi.waitFor(
      async () => {
        const state = await runInDurableObject(vault, (instance: VaultObject) => {
          const hot = (instance as unknown as { hot: HotIndex }).hot;
          const index = hot.vectors()!;
          return { kept: index.holdsFloats, pending: index.floatsPending, filling: hot.filling };
        });
        expect(state).toEqual({ kept: true, pending: false, filling: false });
      },
      { timeout: 10_000, interval: 20 },
    );
    expect(await search()).toEqual(before);
  });
});
