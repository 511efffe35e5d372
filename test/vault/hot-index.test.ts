import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { HotIndex } from '../../src/durable/indexes/hot-index';
import { MetaTable, Sql } from '../../src/durable/sqlite/sql';
import { TextSearch } from '../../src/durable/full-text/text-search';
import type { TextTimeline } from '../../src/durable/full-text/text-timeline';
import { VaultMeta } from '../../src/durable/warm-tier/vault-meta';
import { VaultStorage } from '../../src/durable/warm-tier/vault-storage';
import type { VectorIndex } from '../../src/durable/hot-tier/vector-index';
import { embedder, freshAddress, memory, ok, storeRequest, vaultStub } from '../helpers/vaults';

const DAY = 86_400_000;

/** The vault's storage as the object sees it, and a fresh in-memory state over it, as after a wake-up. */
function parts(state: DurableObjectState) {
  const sql = new Sql(state.storage.sql);
  const meta = new VaultMeta(new MetaTable(sql));
  const rows = new VaultStorage(sql);
  const wake = () => new HotIndex(sql, meta, new TextSearch(sql), () => rows.count());
  return { sql, meta, rows, wake };
}

const count = (sql: Sql, table: string) =>
  sql.first<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`)!.n;

/** What a woken state holds: every row of the index and the timeline, in order. */
function contents(hot: HotIndex) {
  const index: VectorIndex = hot.vectors()!;
  const timeline: TextTimeline = hot.timeline();
  return {
    seqs: Array.from({ length: index.size }, (_, row) => index.seqAt(row)),
    memories: index.memoryCount,
    timeline: [...timeline.pages(1_000)].map(({ seqs, times, words, voices }) => [
      Array.from(seqs),
      Array.from(times),
      Array.from(words),
      Array.from(voices),
    ]),
    best: index
      .search(embedder.embedOne('fact 7'), 0, index.size, 3)
      .map((hit) => [hit.seq, hit.score]),
  };
}

async function seededVault(count: number) {
  const address = freshAddress();
  const vault = vaultStub(address);
  const base = Date.now() - DAY;
  const stored = ok(
    await vault.store(
      address,
      storeRequest(
        Array.from({ length: count }, (_, i) =>
          // Stored out of time order, so the index's order is not the write order.
          memory(`fact ${i} of the hot index test`, { createdAt: base + ((i * 7) % count) }),
        ),
      ),
    ),
  ).memories;
  return { vault, stored };
}

describe('the hot index lifecycle', () => {
  it('wakes from its checkpoint to exactly what it held, the text timeline included', async () => {
    const { vault } = await seededVault(30);
    const result = await runInDurableObject(vault, (_, state) => {
      const { sql, meta, wake } = parts(state);
      const before = contents(wake());
      // A state fresh from a wake-up, nothing loaded yet, writes the checkpoint.
      const fresh = wake();
      state.storage.transactionSync(() => fresh.checkpoint());
      return {
        before,
        fromCheckpoint: contents(wake()),
        checkpoint: meta.get('checkpoint'),
        pages: count(sql, 'hot_pages'),
        textPages: count(sql, 'text_pages'),
      };
    });
    expect(result.before.memories).toBe(30);
    expect(result.checkpoint).toEqual({ seq: expect.any(Number), rows: 30 });
    expect(result.pages).toBeGreaterThan(0);
    expect(result.textPages).toBeGreaterThan(0);
    expect(result.fromCheckpoint).toEqual(result.before);
  });

  it('calibrates its codes once it holds enough rows, and wakes with the same codes', async () => {
    const address = freshAddress();
    const vault = vaultStub(address);
    const base = Date.now() - DAY;
    for (let batch = 0; batch < 3; batch++) {
      ok(
        await vault.store(
          address,
          storeRequest(
            Array.from({ length: 100 }, (_, i) =>
              memory(`note ${batch * 100 + i} about topic ${i % 17}`, {
                createdAt: base + batch * 100 + i,
              }),
            ),
          ),
        ),
      );
    }
    const result = await runInDurableObject(vault, (_, state) => {
      const { wake } = parts(state);
      const coded = (hot: HotIndex) => {
        const index = hot.vectors()!;
        const rows = index.slice(0, index.size);
        return {
          calibration: Array.from(index.calibration?.toBytes() ?? []),
          codes: Array.from(rows.codes),
          scales: Array.from(rows.scales),
        };
      };
      const rebuilt = wake(); // no checkpoint yet: calibrated from a sample, then coded
      const fromRows = coded(rebuilt);
      state.storage.transactionSync(() => rebuilt.checkpoint());
      return { fromRows, fromCheckpoint: coded(wake()) };
    });
    expect(result.fromRows.calibration.length).toBeGreaterThan(0);
    expect(result.fromRows.codes.length).toBe(300 * 96);
    expect(result.fromCheckpoint).toEqual(result.fromRows);
  });

  it('keeps a delete through the checkpoint: a tombstone, replayed on wake-up', async () => {
    const { vault, stored } = await seededVault(20);
    const gone = stored[7]!.id;
    const result = await runInDurableObject(vault, (_, state) => {
      const { sql, rows, wake } = parts(state);
      const hot = wake();
      hot.timeline();
      state.storage.transactionSync(() => hot.checkpoint());
      const goneRow = rows.find(gone)!;
      const removal = hot.beforeRemove(goneRow);
      state.storage.transactionSync(() => {
        rows.delete(gone);
        hot.recordRemoval(removal);
      });
      hot.removed(removal);
      const live = contents(hot);
      return {
        live,
        woken: contents(wake()),
        tombstones: count(sql, 'hot_tombstones'),
        goneSeq: goneRow.seq,
      };
    });
    expect(result.tombstones).toBe(1);
    expect(result.live.memories).toBe(19);
    expect(result.live.seqs).not.toContain(result.goneSeq);
    expect(result.live.timeline.flatMap(([seqs]) => seqs)).toHaveLength(19);
    expect(result.woken).toEqual(result.live);
  });

  it('rebuilds from the rows once the checkpoint is discarded', async () => {
    const { vault } = await seededVault(12);
    const result = await runInDurableObject(vault, (_, state) => {
      const { sql, meta, wake } = parts(state);
      const hot = wake();
      state.storage.transactionSync(() => hot.checkpoint());
      const before = contents(hot);
      state.storage.transactionSync(() => hot.discardCheckpoint());
      return {
        before,
        after: contents(wake()),
        checkpoint: meta.get('checkpoint'),
        tables: ['hot_pages', 'hot_tombstones', 'text_pages'].map((table) => count(sql, table)),
      };
    });
    expect(result.checkpoint).toBeNull();
    expect(result.tables).toEqual([0, 0, 0]);
    expect(result.after).toEqual(result.before);
  });

  it('forgets what it holds, and loads it again on next use', async () => {
    const { vault } = await seededVault(5);
    const result = await runInDurableObject(vault, (_, state) => {
      const hot = parts(state).wake();
      const first = hot.vectors();
      hot.forget();
      const second = hot.vectors();
      return {
        same: first === second,
        sizes: [first!.size, second!.size],
        count: hot.memoryCount(),
      };
    });
    expect(result).toEqual({ same: false, sizes: [5, 5], count: 5 });
  });
});
