import type { Sql } from './sql';
import { Calibration } from './vector-codes';
import type { VaultMeta } from './vault-meta';
import {
  VectorIndex,
  type ColdRows,
  type ExactVectors,
  type FloatRows,
  type IndexEntry,
} from './vector-index';

/**
 * Persistence of the HOT index, so that waking a vault up is fast.
 *
 * Reading one BLOB per memory costs about 2 µs a row in workerd's SQLite, too
 * slow for a 10,000-row vault to wake within 20 ms. A checkpoint stores the
 * index itself as a few pages of up to 1 MiB (SQLite rows are capped at 2 MB):
 * ids, a Float64Array of timestamps, Int32Arrays of seqs and chunk numbers,
 * and the float32 vectors, in (createdAt, seq, chunk) order.
 * Rows written since are replayed from `memories` (seq > checkpoint seq) and
 * rows deleted since from `hot_tombstones`. `memories` stays the source of
 * truth: without a checkpoint, the index is rebuilt from it row by row.
 */
const PAGE_BYTES = 1 << 20;
/** Rewrite the checkpoint once this many rows (or an eighth of the vault) changed since. */
const MIN_CHECKPOINT_LAG = 256;
/** A vault rebuilt without a checkpoint is calibrated first when it has this many memories… */
const CALIBRATION_MIN_ROWS = 256;
/** …from this many of them, picked at random. */
const CALIBRATION_SAMPLE = 4_096;

export function loadHotIndex(
  sql: Sql,
  meta: VaultMeta,
  dimensions: number,
  rows: number,
  owner?: string,
): VectorIndex {
  const index = new VectorIndex(dimensions, {
    exact: exactVectors(sql, dimensions),
    coldRows: coldRows(sql),
    owner,
  });
  const checkpoint = meta.get('checkpoint');
  index.reset(rows);
  if (checkpoint === null) {
    rebuild(sql, index, dimensions, rows);
    return index;
  }

  const calibration = sql.first<{ calibration: ArrayBuffer | null }>(
    'SELECT calibration FROM hot_pages ORDER BY page LIMIT 1',
  )?.calibration;
  if (calibration != null) {
    const fitted = Calibration.fromBytes(calibration, dimensions);
    if (fitted !== null) index.useCalibration(fitted);
  }
  const pages = sql.cursor<{
    seqs: ArrayBuffer;
    chunks: ArrayBuffer;
    times: ArrayBuffer;
    codes: ArrayBuffer;
    scales: ArrayBuffer;
    residuals: ArrayBuffer;
    vectors: ArrayBuffer | null;
  }>(
    // The float32 vectors are read only when the index keeps them.
    `SELECT seqs, chunks, times, codes, scales, residuals,
       ${index.holdsFloats ? 'vectors' : 'NULL AS vectors'} FROM hot_pages ORDER BY page`,
  );
  for (const page of pages) {
    index.appendSorted({
      seqs: new Int32Array(page.seqs),
      chunks: new Int32Array(page.chunks),
      times: new Float64Array(page.times),
      codes: new Uint8Array(page.codes),
      scales: new Float32Array(page.scales),
      residuals: new Float32Array(page.residuals),
      vectors: page.vectors === null ? null : new Uint8Array(page.vectors),
    });
  }
  const added = sql.all<MemoryVectors>(
    'SELECT id, seq, created_at, embedding, chunk_embeddings FROM memories WHERE seq > ?',
    checkpoint.seq,
  );
  index.insert(added.flatMap((row) => entriesOf(row, dimensions)));
  for (const tombstone of sql.all<{ seq: number; created_at: number }>(
    'SELECT seq, created_at FROM hot_tombstones',
  )) {
    index.remove(tombstone.seq, tombstone.created_at);
  }
  return index;
}

/**
 * Rows the index holds: a row stored while the vault re-embeds, with only the
 * next model's vectors (vault-reembed.ts), has an empty embedding until the
 * switch and is found by text alone until then.
 */
const INDEXED = 'length(embedding) > 0';

/**
 * The index from `memories` alone: calibrated on a random sample first (so
 * rows are coded once), keys read in time order (a sort of small rows), then
 * vectors in storage order (no sort of the BLOBs).
 */
function rebuild(sql: Sql, index: VectorIndex, dimensions: number, rows: number): void {
  if (rows >= CALIBRATION_MIN_ROWS) {
    const samples = sql
      .all<{ vector: ArrayBuffer }>(
        `SELECT coalesce(chunk_embeddings, embedding) AS vector FROM memories
         WHERE seq IN (SELECT seq FROM memories WHERE ${INDEXED} ORDER BY random() LIMIT ?)`,
        CALIBRATION_SAMPLE,
      )
      .map(({ vector }) => new Float32Array(vector, 0, dimensions));
    index.calibrate(samples);
  }
  const rowBytes = dimensions * 4;
  const order = sql.all<{ seq: number; created_at: number; bytes: number }>(
    `SELECT seq, created_at, length(coalesce(chunk_embeddings, embedding)) AS bytes
     FROM memories WHERE ${INDEXED} ORDER BY created_at, seq`,
  );
  let total = 0;
  for (const row of order) total += Math.max(1, Math.floor(row.bytes / rowBytes));
  const keys = {
    times: new Float64Array(total),
    seqs: new Int32Array(total),
    chunks: new Int32Array(total),
  };
  let at = 0;
  for (const row of order) {
    const chunks = Math.max(1, Math.floor(row.bytes / rowBytes));
    for (let chunk = 0; chunk < chunks; chunk++, at++) {
      keys.times[at] = row.created_at;
      keys.seqs[at] = row.seq;
      keys.chunks[at] = chunk;
    }
  }
  index.loadRows(keys, storedVectors(sql));
}

function* storedVectors(sql: Sql): Iterable<{ seq: number; vectors: Float32Array }> {
  for (const row of sql.cursor<{ seq: number; vectors: ArrayBuffer }>(
    `SELECT seq, coalesce(chunk_embeddings, embedding) AS vectors FROM memories WHERE ${INDEXED}`,
  )) {
    yield { seq: row.seq, vectors: new Float32Array(row.vectors) };
  }
}

/**
 * Exact vectors by seq, for re-scoring the candidates of a vault too large to
 * keep its float32 vectors in memory: one query per search, about 2 µs a row.
 */
export function exactVectors(sql: Sql, dimensions: number): ExactVectors {
  return (seqs) => {
    const found = new Map<number, Float32Array>();
    for (const row of sql.all<{ seq: number; vectors: ArrayBuffer }>(
      `SELECT seq, coalesce(chunk_embeddings, embedding) AS vectors FROM memories
       WHERE seq IN (SELECT value FROM json_each(?))`,
      JSON.stringify(seqs),
    )) {
      if (row.vectors.byteLength % (dimensions * 4) === 0) {
        found.set(row.seq, new Float32Array(row.vectors));
      }
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

interface MemoryVectors extends Record<string, SqlStorageValue> {
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

/** Whether enough has changed since the last checkpoint to write a new one. */
export function checkpointDue(sql: Sql, meta: VaultMeta, size: number): boolean {
  const checkpoint = meta.get('checkpoint');
  const lag =
    checkpoint === null
      ? size
      : (sql.first<{ n: number }>(
          'SELECT COUNT(*) AS n FROM memories WHERE seq > ?',
          checkpoint.seq,
        )?.n ?? 0) + (sql.first<{ n: number }>('SELECT COUNT(*) AS n FROM hot_tombstones')?.n ?? 0);
  return lag >= Math.max(MIN_CHECKPOINT_LAG, size / 8);
}

/** Notes a deleted row that the current checkpoint still holds. */
export function recordDeletion(
  sql: Sql,
  meta: VaultMeta,
  row: { id: string; seq: number; created_at: number },
): void {
  const checkpoint = meta.get('checkpoint');
  if (checkpoint !== null && row.seq <= checkpoint.seq) {
    sql.run(
      'INSERT OR IGNORE INTO hot_tombstones (id, created_at, seq) VALUES (?, ?, ?)',
      row.id,
      row.created_at,
      row.seq,
    );
  }
}

/** Replaces the checkpoint with the index as it is now. Call inside a transaction. */
export function writeCheckpoint(sql: Sql, meta: VaultMeta, index: VectorIndex): void {
  sql.run('DELETE FROM hot_pages');
  sql.run('DELETE FROM hot_tombstones');
  const perPage = index.rowsPerPage(PAGE_BYTES);
  for (let start = 0, page = 0; start < index.size; start += perPage, page++) {
    const rows = index.slice(start, start + perPage);
    sql.run(
      `INSERT INTO hot_pages (page, seqs, chunks, times, codes, scales, residuals, vectors, calibration)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      page,
      new Uint8Array(rows.seqs.buffer),
      new Uint8Array(rows.chunks.buffer),
      new Uint8Array(rows.times.buffer),
      rows.codes,
      new Uint8Array(rows.scales.buffer),
      new Uint8Array(rows.residuals.buffer),
      rows.vectors,
      page === 0 ? (index.calibration?.toBytes() ?? null) : null,
    );
  }
  const maxSeq =
    sql.first<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM memories')?.seq ?? 0;
  meta.set('checkpoint', { seq: maxSeq, rows: index.size });
}
