import { memoryLine, type StoredRow } from '../../vaults/jsonl';
import type { Sql } from '../sqlite/sql';

/** Rows one page reads at most; the page also stops once its lines pass EXPORT_PAGE_CHARS. */
export const EXPORT_PAGE_ROWS = 256;
/**
 * About 256 KiB of JSONL a page (~110 memories of 384 dimensions): a few
 * milliseconds of the vault's time, so other calls wait little between
 * pages, far below RPC's 32 MiB, and enough to keep a download busy.
 */
export const EXPORT_PAGE_CHARS = 256 * 1024;
/**
 * An export not read for this long is given up (its reader went away without
 * saying so); the next export or page call drops it and its copied rows.
 */
export const EXPORT_IDLE_MS = 10 * 60_000;

export interface ExportView {
  id: string;
  /** Memories the export holds: every row up to its seq as it began. */
  count: number;
}

export interface ExportPage {
  /** JSONL memory lines, each with its newline; empty once the export is read. */
  lines: string;
  rows: number;
  /** True once every row is read; the view is closed then. */
  done: boolean;
}

const COLUMNS =
  'seq, id, content, role, metadata, created_at, tokens, embedding, chunk_embeddings, valid_until, superseded_by';

type PageRow = StoredRow & { seq: number } & Record<string, SqlStorageValue>;

/**
 * Point-in-time views of a vault's memories for exports, read a page per call
 * so that the vault answers other calls between pages. A view is the rows up
 * to the newest seq when it opened: rows stored later are not in it. A row it
 * has not read yet that is edited, retired or deleted meanwhile is first
 * copied to `export_preimages` by a trigger (vault-schema.ts, migration 15),
 * and the view reads the copy: the export is the vault as it was when it
 * began, whole, whatever lands while it streams. Views live in SQLite, so an
 * export survives the object being evicted between two of its pages.
 */
export class ExportViews {
  constructor(private readonly sql: Sql) {}

  open(now: number): ExportView {
    this.dropIdle(now);
    const { maxSeq, count } = this.sql.first<{ maxSeq: number | null; count: number }>(
      'SELECT MAX(seq) AS maxSeq, COUNT(*) AS count FROM memories',
    )!;
    const id = crypto.randomUUID();
    this.sql.run(
      'INSERT INTO open_exports (id, max_seq, read_to, touched_at) VALUES (?, ?, 0, ?)',
      id,
      maxSeq ?? 0,
      now,
    );
    return { id, count };
  }

  /** The next page of view `id`, oldest write first; null when there is no such view. */
  page(id: string, now: number): ExportPage | null {
    this.dropIdle(now);
    const view = this.sql.first<{ maxSeq: number; readTo: number }>(
      'SELECT max_seq AS maxSeq, read_to AS readTo FROM open_exports WHERE id = ?',
      id,
    );
    if (view === null) return null;
    const rows = this.nextRows(id, view.readTo, view.maxSeq);
    if (rows.length === 0) {
      this.close(id);
      return { lines: '', rows: 0, done: true };
    }
    let lines = '';
    let taken = 0;
    for (const row of rows) {
      lines += memoryLine(row);
      taken++;
      if (lines.length >= EXPORT_PAGE_CHARS) break;
    }
    const readTo = rows[taken - 1]!.seq;
    this.sql.run(
      'UPDATE open_exports SET read_to = ?, touched_at = ? WHERE id = ?',
      readTo,
      now,
      id,
    );
    // Copies the view has read are no longer needed.
    this.sql.run('DELETE FROM export_preimages WHERE export_id = ? AND seq <= ?', id, readTo);
    return { lines, rows: taken, done: false };
  }

  close(id: string): void {
    this.sql.run('DELETE FROM open_exports WHERE id = ?', id);
    this.sql.run('DELETE FROM export_preimages WHERE export_id = ?', id);
  }

  /**
   * The view's next rows after `readTo`: live rows it has not seen change,
   * merged by seq with the copies of those that changed. Each source is read
   * in seq order with its own limit, so a page never sorts the rest of the vault.
   */
  private nextRows(id: string, readTo: number, maxSeq: number): PageRow[] {
    const live = this.sql.all<PageRow>(
      `SELECT ${COLUMNS} FROM memories AS m WHERE seq > ? AND seq <= ?
         AND NOT EXISTS (SELECT 1 FROM export_preimages AS p WHERE p.export_id = ? AND p.seq = m.seq)
       ORDER BY seq LIMIT ?`,
      readTo,
      maxSeq,
      id,
      EXPORT_PAGE_ROWS,
    );
    const copied = this.sql.all<PageRow>(
      `SELECT ${COLUMNS} FROM export_preimages WHERE export_id = ? AND seq > ? AND seq <= ?
       ORDER BY seq LIMIT ?`,
      id,
      readTo,
      maxSeq,
      EXPORT_PAGE_ROWS,
    );
    if (copied.length === 0) return live;
    return [...live, ...copied].sort((a, b) => a.seq - b.seq).slice(0, EXPORT_PAGE_ROWS);
  }

  private dropIdle(now: number): void {
    const idle = this.sql.all<{ id: string }>(
      'SELECT id FROM open_exports WHERE touched_at < ?',
      now - EXPORT_IDLE_MS,
    );
    for (const { id } of idle) this.close(id);
  }
}
