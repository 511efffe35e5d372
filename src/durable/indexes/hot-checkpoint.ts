import type { Sql } from '../sqlite/sql';
import { Calibration } from '../hot-tier/vector-codes';
import type { CheckpointMark, VaultMeta } from '../warm-tier/vault-meta';
import {
  coldRows,
  entriesOf,
  exactVectors,
  INDEXED,
  storedVectors,
  type MemoryVectors,
} from './stored-vectors';
import { VectorIndex } from '../hot-tier/vector-index';

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
 *
 * A vault wakes on its codes: the float32 vectors (15 of a 10,000-row
 * vault's 17 MB) are read afterwards, a page at a time (`FloatFill`), and
 * searches re-score from `memories` until they are all in. Reading and
 * copying them took two thirds of a wake-up (BENCHMARKS.md).
 */
const PAGE_BYTES = 1 << 20;
/** Rewrite the checkpoint once this many rows (or an eighth of the vault) changed since. */
const MIN_CHECKPOINT_LAG = 256;
/** A vault rebuilt without a checkpoint is calibrated first when it has this many memories… */
const CALIBRATION_MIN_ROWS = 256;
/** …from this many of them, picked at random. */
const CALIBRATION_SAMPLE = 4_096;

/** The rest of a wake-up: fills the float32 block from the checkpoint, one page per step. */
export interface FloatFill {
  /** Fills the next page; returns whether any page is left. */
  step(): boolean;
}

export function loadHotIndex(
  sql: Sql,
  meta: VaultMeta,
  dimensions: number,
  rows: number,
  owner?: string,
): { index: VectorIndex; fill: FloatFill | null } {
  const index = new VectorIndex(dimensions, {
    exact: exactVectors(sql, dimensions),
    coldRows: coldRows(sql),
    owner,
  });
  const checkpoint = meta.get('checkpoint');
  index.reset(rows);
  if (checkpoint === null) {
    rebuild(sql, index, dimensions, rows);
    return { index, fill: null };
  }

  const calibration = sql.first<{ calibration: ArrayBuffer | null }>(
    'SELECT calibration FROM hot_pages ORDER BY page LIMIT 1',
  )?.calibration;
  if (calibration != null) {
    const fitted = Calibration.fromBytes(calibration, dimensions);
    if (fitted !== null) index.useCalibration(fitted);
  }
  // The float32 vectors come later, when the pages carry them for an index
  // that keeps them; pages without them make it drop the block.
  const pageNumbers = sql.all<{ page: number }>('SELECT page FROM hot_pages ORDER BY page');
  const fillLater =
    index.holdsFloats &&
    pageNumbers.length > 0 &&
    // Read from each record's header: no vector is read.
    sql.first<{ n: number }>('SELECT COUNT(*) AS n FROM hot_pages WHERE vectors IS NULL')?.n === 0;
  if (fillLater) index.beginFloatFill();
  const pages = sql.cursor<{
    seqs: ArrayBuffer;
    chunks: ArrayBuffer;
    times: ArrayBuffer;
    codes: ArrayBuffer;
    scales: ArrayBuffer;
    residuals: ArrayBuffer;
  }>('SELECT seqs, chunks, times, codes, scales, residuals FROM hot_pages ORDER BY page');
  for (const page of pages) {
    index.appendSorted({
      seqs: new Int32Array(page.seqs),
      chunks: new Int32Array(page.chunks),
      times: new Float64Array(page.times),
      codes: new Uint8Array(page.codes),
      scales: new Float32Array(page.scales),
      residuals: new Float32Array(page.residuals),
      vectors: null,
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
  const fill =
    fillLater && index.floatsPending
      ? floatFill(
          sql,
          index,
          pageNumbers.map(({ page }) => page),
        )
      : null;
  return { index, fill };
}

/**
 * Fills the float32 block of an index woken on its codes, a checkpoint page
 * per step (about 1 MiB). Rows written or deleted meanwhile are no trouble:
 * the index places each page's vectors by key, and rows inserted since came
 * with theirs. The pages must stay as they were until the last step (the
 * checkpoint is rewritten only after the fill completes; discarding it
 * abandons the fill).
 */
function floatFill(sql: Sql, index: VectorIndex, pages: number[]): FloatFill {
  let next = 0;
  return {
    step() {
      if (!index.floatsPending) return false;
      const page = sql.first<{
        seqs: ArrayBuffer;
        chunks: ArrayBuffer;
        times: ArrayBuffer;
        vectors: ArrayBuffer | null;
      }>('SELECT seqs, chunks, times, vectors FROM hot_pages WHERE page = ?', pages[next]!);
      if (page == null || page.vectors === null) {
        index.abandonFloatFill(); // the checkpoint changed under it: storage re-scores for good
        return false;
      }
      index.fillFloats({
        seqs: new Int32Array(page.seqs),
        chunks: new Int32Array(page.chunks),
        times: new Float64Array(page.times),
        vectors: page.vectors,
      });
      next++;
      if (next < pages.length) return true;
      index.finishFloatFill();
      return false;
    },
  };
}

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

/**
 * What changed since the checkpoint `mark`: memories written after it and
 * rows deleted that it still holds (two COUNTs; HotIndex keeps the figure in
 * step with writes afterwards, so a busy vault does not count per write).
 */
export function checkpointLag(sql: Sql, mark: CheckpointMark): number {
  return (
    (sql.first<{ n: number }>('SELECT COUNT(*) AS n FROM memories WHERE seq > ?', mark.seq)?.n ??
      0) + (sql.first<{ n: number }>('SELECT COUNT(*) AS n FROM hot_tombstones')?.n ?? 0)
  );
}

/** Whether a lag of `lag` changes behind the checkpoint of an index of `size` rows is enough to rewrite it. */
export function checkpointLagDue(lag: number, size: number): boolean {
  return lag >= Math.max(MIN_CHECKPOINT_LAG, size / 8);
}

/**
 * Whether a checkpoint is so far behind (half the index, or more) that it is
 * rewritten at once, even while writes are still arriving. Below that, a due
 * checkpoint waits for writes to settle (vault-alarm.ts `checkpointDeferral`):
 * each rewrite copies the whole index, so during a bulk import rewriting at
 * every eighth could copy each vector nine times; waiting up to half
 * bounds it at about three, and what a wake-up replays from `memories`
 * (the lag) at about half the index and the writes of the alarm's delay.
 */
export function checkpointLagFar(lag: number, size: number): boolean {
  return lag >= Math.max(MIN_CHECKPOINT_LAG, size / 2);
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
export function writeCheckpoint(
  sql: Sql,
  meta: VaultMeta,
  index: VectorIndex,
  pageBytes = PAGE_BYTES,
): void {
  // Pages written now would lack the vectors, and the next wake-up would drop the block.
  if (index.floatsPending) throw new Error('the float32 block is still being filled');
  sql.run('DELETE FROM hot_pages');
  sql.run('DELETE FROM hot_tombstones');
  const perPage = index.rowsPerPage(pageBytes);
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
