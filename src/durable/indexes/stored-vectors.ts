import type { Sql } from '../sqlite/sql';
import type { ColdRows, ExactVectors, FloatRows, IndexEntry } from '../hot-tier/vector-index';

/**
 * A vault's vectors as `memories` stores them (one embedding, or its chunks'
 * vectors back to back), read for the hot index: all of them for a rebuild,
 * the rows written since a checkpoint, the candidates a search re-scores
 * exactly, and the part of a window not held hot.
 */

/**
 * Rows the index holds: a row stored while the vault re-embeds, with only the
 * next model's vectors (vault-reembed.ts), has an empty embedding until the
 * switch and is found by text alone until then.
 */
export const INDEXED = 'length(embedding) > 0';

export function* storedVectors(sql: Sql): Iterable<{ seq: number; vectors: Float32Array }> {
  for (const row of sql.cursor<{ seq: number; vectors: ArrayBuffer }>(
    `SELECT seq, coalesce(chunk_embeddings, embedding) AS vectors FROM memories WHERE ${INDEXED}`,
  )) {
    yield { seq: row.seq, vectors: new Float32Array(row.vectors) };
  }
}

/**
 * Exact vectors by seq, for re-scoring the candidates of a vault too large to
 * keep its float32 vectors in memory: one query per search, a few µs a row
 * (each row a page read at random).
 */
export function exactVectors(sql: Sql, dimensions: number): ExactVectors {
  return (seqs) => {
    const found = new Map<number, Float32Array>();
    // Rows as arrays, not objects: a search reads several hundred.
    for (const [seq, vectors] of sql
      .cursor(
        `SELECT seq, coalesce(chunk_embeddings, embedding) FROM memories
         WHERE seq IN (SELECT value FROM json_each(?))`,
        JSON.stringify(seqs),
      )
      .raw<[number, ArrayBuffer]>()) {
      if (vectors.byteLength % (dimensions * 4) === 0) found.set(seq, new Float32Array(vectors));
    }
    return found;
  };
}

/** Memories of (after, through] with their vectors, for the part of a window not held hot. */
export function coldRows(sql: Sql): ColdRows {
  return function* (after, through) {
    const rows = sql.cursor<{ seq: number; created_at: number; vectors: ArrayBuffer }>(
      `SELECT seq, created_at, coalesce(chunk_embeddings, embedding) AS vectors FROM memories
       WHERE created_at > ? AND created_at <= ? AND ${INDEXED}`,
      after ?? -Number.MAX_VALUE,
      through,
    );
    for (const row of rows) {
      yield { seq: row.seq, createdAt: row.created_at, vectors: new Float32Array(row.vectors) };
    }
  };
}

export interface MemoryVectors extends Record<string, SqlStorageValue> {
  id: string;
  seq: number;
  created_at: number;
  embedding: ArrayBuffer;
  chunk_embeddings: ArrayBuffer | null;
}

/**
 * A memory's rows in the index: one per chunk vector when it was indexed in
 * chunks (`chunk_embeddings`, the chunks' vectors back to back), else its one
 * embedding.
 */
function rowsOf(row: MemoryVectors, dimensions: number): FloatRows {
  const vectors = row.chunk_embeddings ?? row.embedding;
  const count = vectors.byteLength / (dimensions * 4);
  return {
    seqs: Array.from({ length: count }, () => row.seq),
    chunks: Array.from({ length: count }, (_, chunk) => chunk),
    times: Array.from({ length: count }, () => row.created_at),
    vectors,
  };
}

export function entriesOf(row: MemoryVectors, dimensions: number): IndexEntry[] {
  const { vectors, chunks } = rowsOf(row, dimensions);
  const floats = new Float32Array(vectors as ArrayBuffer);
  return Array.from(chunks as number[], (chunk) => ({
    seq: row.seq,
    chunk,
    createdAt: row.created_at,
    vector: floats.subarray(chunk * dimensions, (chunk + 1) * dimensions),
  }));
}
