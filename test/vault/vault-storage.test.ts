import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { Sql } from '../../src/durable/sqlite/sql';
import { VaultStorage, type PreparedMemory } from '../../src/durable/warm-tier/vault-storage';
import { VaultQueries } from '../../src/durable/queries/vault-queries';
import { freshAddress, vaultStub } from '../helpers/vaults';

function prepared(id: string, metadata: string | null = null, chunks = 0): PreparedMemory {
  const vector = new Float32Array([1, 0, 0, 0]);
  return {
    record: { id, content: `memory ${id}`, role: 'USER', metadata, createdAt: 1_000, tokens: 2 },
    vector,
    chunkVectors:
      chunks === 0
        ? null
        : Array.from({ length: chunks }, (_, i) => new Float32Array([0, i, 1, 0])),
  };
}

describe('the vault’s rows', () => {
  it('writes, finds, counts and deletes rows, seqs never reused', async () => {
    const result = await runInDurableObject(vaultStub(freshAddress()), (_, state) => {
      const sql = new Sql(state.storage.sql);
      const rows = new VaultStorage(sql);
      const empty = { count: rows.count(), maxSeq: rows.maxSeq() };
      const seqs = state.storage.transactionSync(() =>
        rows.insert([prepared('a'), prepared('b', null, 3), prepared('c')]),
      );
      const taken = rows.taken(['a', 'c', 'zzz']);
      const found = rows.find('b');
      state.storage.transactionSync(() => rows.delete('c'));
      const later = state.storage.transactionSync(() => rows.insert([prepared('d')]));
      const stored = sql.first<{ chunks: ArrayBuffer; embedding: ArrayBuffer }>(
        "SELECT chunk_embeddings AS chunks, embedding FROM memories WHERE id = 'b'",
      )!;
      return {
        empty,
        seqs,
        later,
        taken,
        found,
        count: rows.count(),
        maxSeq: rows.maxSeq(),
        gone: rows.find('c'),
        chunkFloats: Array.from(new Float32Array(stored.chunks)),
        embeddingBytes: stored.embedding.byteLength,
        listed: new VaultQueries(sql).hydrate(['a', 'b', 'c', 'd']).map((record) => record.id),
      };
    });
    expect(result.empty).toEqual({ count: 0, maxSeq: 0 });
    const [a, b, c] = result.seqs;
    expect(b).toBe(a! + 1);
    expect(c).toBe(a! + 2);
    // AUTOINCREMENT: the deleted row's seq is not given out again.
    expect(result.later).toEqual([c! + 1]);
    expect(result.taken.sort()).toEqual(['a', 'c']);
    expect(result.found).toEqual({ id: 'b', seq: b, created_at: 1_000, content: 'memory b' });
    expect(result.gone).toBeNull();
    expect(result).toMatchObject({ count: 3, maxSeq: c! + 1 });
    expect(result.chunkFloats).toEqual([0, 0, 1, 0, 0, 1, 1, 0, 0, 2, 1, 0]);
    expect(result.embeddingBytes).toBe(16);
    expect(result.listed.sort()).toEqual(['a', 'b', 'd']);
  });

  it('tells whether any memory names its speaker', async () => {
    const answers = await runInDurableObject(vaultStub(freshAddress()), (_, state) => {
      const rows = new VaultStorage(new Sql(state.storage.sql));
      const seen = [rows.anySpeakerMetadata()];
      state.storage.transactionSync(() => rows.insert([prepared('x', '{"topic":"tea"}')]));
      seen.push(rows.anySpeakerMetadata());
      state.storage.transactionSync(() => rows.insert([prepared('y', '{"speaker":"Ann"}')]));
      seen.push(rows.anySpeakerMetadata());
      return seen;
    });
    expect(answers).toEqual([false, false, true]);
  });
});
