import { failure, type Failure, type Result } from '../../core/errors';
import { Sha256Stream } from '../../core/sha256-stream';
import type { VaultAddress } from '../../vaults/address';
import { parseLine, type SnapshotHeader, type StoredRow } from '../../vaults/jsonl';
import { splitLines } from '../../vaults/line-splitter';
import type { Sql } from '../sqlite/sql';
import type { EndedRestore, RestoreJob, VaultMeta } from '../warm-tier/vault-meta';
import type { VaultStorage } from '../warm-tier/vault-storage';
import { indexFoldedText } from '../warm-tier/index-text';
import { keyRecentRows } from '../warm-tier/recent-texts';
import { rowOfLine } from './vault-snapshot';
import { RangeReadFailed, rangeStream } from './range-stream';

/**
 * A restore in steps, so no one request, alarm or transaction of a big
 * vault's restore comes near a Durable Object's CPU limit (30 s per
 * request by default): a 250,000-memory restore cost 27–40 s of CPU in one
 * call, its swap one ~12 s transaction (BENCHMARKS.md). The caller (the
 * restoreVault resolver) sends one RPC per step, each a request of its own;
 * every step's state is in the meta table (`restoreJob`), so a restart
 * resumes it and the alarm finishes a job its caller left.
 *
 *   STAGE   up to STAGE_STEP_ROWS lines read from the file at `offset` (R2
 *           range reads sized to the lines wanted, each read to its end:
 *           range-stream.ts) into `restore_staging`; the vault answers as
 *           before meanwhile.
 *   VERIFY  count against header and trailer, and the checksum: the bytes
 *           of the memory lines streamed from R2 into a native SHA-256 (a
 *           digest's state cannot be kept between requests, so they are
 *           read a second time, without parsing).
 *   SWAP    old rows deleted, then staged rows copied in, SWAP_STEP_ROWS
 *           a transaction; meanwhile the vault refuses calls
 *           (RESTORE_IN_PROGRESS) rather than answer from half of each.
 *           The last step (vault-writes.ts `restore`) sets the meta record
 *           and wakes the vault on the new rows.
 */

/** Lines one STAGE step reads and inserts (~2 s of CPU per step, measured at 100k: BENCHMARKS.md). */
export const STAGE_STEP_ROWS = 20_000;

/** Rows one SWAP transaction deletes or copies. */
export const SWAP_STEP_ROWS = 25_000;

/** Rows inserted per batch (about 590 KB of lines at 384 dimensions), with no wait in between. */
const STAGE_BATCH_ROWS = 256;

/**
 * A STAGE step's range reads (range-stream.ts): the first of a job is this
 * big; later ones are sized to the lines still wanted at the mean line
 * length so far, 5% over, within these bounds, so a step that stops reads
 * little past its last line and cancels no body.
 */
export const WINDOW_BYTES = { first: 1024 * 1024, min: 64 * 1024, max: 32 * 1024 * 1024 };

/** What a header is searched for in: a header line is well under this. */
const HEADER_BYTES = 16 * 1024;

/** A job no step advanced for this long was left by its caller: the alarm finishes it. */
export const RESTORE_LEFT_MS = 30_000;

/**
 * How long the last ended job's outcome is kept for its caller: a caller
 * that left (RESTORE_LEFT_MS) and comes back with the job's id is told how
 * it ended, not RESTORE_GONE, for a day; one record only, so it stays small.
 */
export const RESTORE_ENDED_KEPT_MS = 24 * 3_600_000;

export const inProgress = (job: RestoreJob): Failure => ({
  ...failure(
    'RATE_LIMITED',
    `the vault is being restored from a snapshot (${job.copied} of ${job.staged} memories in); try again in a few seconds`,
    'RESTORE_IN_PROGRESS',
  ),
  details: { retryAfter: 5 },
});

/** A continuing call whose job the vault neither runs nor remembers ending (`outcome`). */
export const restoreGone = (): Failure =>
  failure(
    'NOT_FOUND',
    'the restore was given up: the vault was cleared, or another restore replaced it; restore again',
    'RESTORE_GONE',
  );

/** No snapshot of that key in this vault's listing, or its file gone from R2. */
export const snapshotNotFound = (): Failure =>
  // The likeliest reason a caller meets: a clear (or an expiry) took them.
  failure(
    'NOT_FOUND',
    'no such snapshot of this vault (clearing a vault with clearVault, or its expiry, deletes its snapshots)',
    'SNAPSHOT_NOT_FOUND',
  );

const damaged = (reason: string): Failure =>
  failure('BAD_USER_INPUT', `snapshot is damaged: ${reason}`, 'SNAPSHOT_DAMAGED');

/** One step's answer: the job as it stands after, and how many rows the step read, deleted or copied. */
export type StepResult = Result<{ job: RestoreJob; rows: number }>;

/** What a call continuing an ended job is answered: the vault holds the snapshot's rows, or why not. */
export type EndedAnswer = Result<{ restored: number; key: string; job: null }>;

export class SnapshotRestore {
  /** Step and range-read sizes; tests make them small to see a restore of a few rows take many steps, and windows. */
  stageRows = STAGE_STEP_ROWS;
  swapRows = SWAP_STEP_ROWS;
  windowBytes = WINDOW_BYTES;

  constructor(
    private readonly bucket: R2Bucket,
    private readonly sql: Sql,
    private readonly storage: VaultStorage,
    private readonly meta: VaultMeta,
    private readonly transaction: <T>(work: () => T) => T,
  ) {}

  /** The job under way, if any. */
  job(): RestoreJob | null {
    return this.meta.get('restoreJob');
  }

  /**
   * How job `id`, no longer under way, ended: restored (with the rows the
   * vault took from the snapshot) or given up (its coded failure), as long
   * as it is the last job that ended and ended within the day; otherwise
   * RESTORE_GONE (a clear took the record with the rows, another restore
   * replaced the job, or the id was never this vault's).
   */
  outcome(id: string, now: number): EndedAnswer {
    const ended = this.meta.get('restoreEnded');
    if (ended === null || ended.id !== id || now - ended.endedAt > RESTORE_ENDED_KEPT_MS)
      return restoreGone();
    if (ended.failure === null)
      return { ok: true, restored: ended.restored, key: ended.key, job: null };
    const { code, message, reason } = ended.failure;
    return failure(code, message, reason ?? undefined);
  }

  /**
   * Begins restoring `object` (a snapshot of this vault, chosen by the
   * store): reads and checks its header, empties the staging table, records
   * the job. Replaces a job not yet swapping.
   */
  async begin(object: R2Object, address: VaultAddress): Promise<StepResult> {
    const running = this.job();
    if (running?.phase === 'SWAP') return inProgress(running);
    const head = await this.bucket.get(object.key, {
      range: { offset: 0, length: Math.min(HEADER_BYTES, object.size) },
    });
    if (head === null) return this.notFound(null);
    const text = await head.text();
    const end = text.indexOf('\n');
    let header: SnapshotHeader;
    try {
      const parsed = parseLine(end < 0 ? text : text.slice(0, end));
      if (parsed.type !== 'header') return damaged('snapshot has no header line');
      header = parsed.header;
    } catch {
      return damaged('snapshot has no header line');
    }
    if (header.kind !== address.kind || header.externalId !== address.externalId) {
      return failure(
        'BAD_USER_INPUT',
        'the snapshot belongs to another vault',
        'SNAPSHOT_MISMATCH',
      );
    }
    const linesFrom =
      end < 0 ? object.size : new TextEncoder().encode(text.slice(0, end + 1)).length;
    this.clearStaging();
    const job: RestoreJob = {
      id: crypto.randomUUID(),
      address,
      key: object.key,
      size: object.size,
      header,
      phase: 'STAGE',
      offset: linesFrom,
      linesFrom,
      linesTo: null,
      stated: { count: header.count, checksum: header.checksum },
      staged: 0,
      oldMaxSeq: 0,
      copied: 0,
      steppedAt: Date.now(),
    };
    this.meta.set('restoreJob', job);
    return { ok: true, job, rows: 0 };
  }

  /**
   * The next step of job `id` (null: whichever runs, as the alarm asks).
   * Answers the job as it stands after; SWAP with every row copied means
   * only the final step is left (`finish`).
   */
  async step(id: string | null): Promise<StepResult> {
    const job = this.job();
    if (job === null || (id !== null && job.id !== id)) return restoreGone();
    // A step that throws (R2 down) leaves the job where it was, to be tried again.
    if (job.phase === 'STAGE') return this.stage(job);
    if (job.phase === 'VERIFY') return this.verify(job);
    return this.swap(job);
  }

  private async stage(job: RestoreJob): Promise<StepResult> {
    const rowBytes = (job.header.dimensions ?? 0) * 4;
    let offset = job.offset;
    let staged = job.staged;
    let linesTo: number | null = null;
    let stated = job.stated;
    let batch: StoredRow[] = [];
    const insertBatch = () => {
      for (const row of batch) this.insertStaged(row);
      batch = [];
    };
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const window = () => {
      const read = offset - job.linesFrom;
      const { first, min, max } = this.windowBytes;
      if (staged === 0 || read <= 0) return first;
      const wanted = this.stageRows - (staged - job.staged) + 1;
      const bytes = Math.ceil((read / staged) * wanted * 1.05);
      return Math.min(max, Math.max(min, bytes));
    };
    // Empty when the last step ended on the file's last byte (a two-pass
    // file, whose lines a step count divides).
    const body = rangeStream(this.bucket, job.key, job.offset, job.size, window);
    let ended = true;
    try {
      for await (const raw of splitLines(body)) {
        const lineAt = offset;
        offset += raw.length + 1;
        const text = decoder.decode(raw.bytes ?? new Uint8Array());
        if (text.trim() === '') continue;
        if (linesTo !== null) throw new Error('a line after the trailer');
        if (text.startsWith('{"format":')) {
          const parsed = parseLine(text);
          if (parsed.type === 'header' && parsed.header.trailer === true) {
            linesTo = lineAt;
            stated = { count: parsed.header.count, checksum: parsed.header.checksum };
            continue;
          }
        }
        const row = rowOfLine(text, staged + 2);
        if (
          row.chunk_embeddings !== null &&
          (rowBytes === 0 || row.chunk_embeddings.byteLength % rowBytes !== 0)
        ) {
          throw new Error(`memory ${row.id}: chunk embeddings do not match the dimensions`);
        }
        batch.push(row);
        staged++;
        if (batch.length >= STAGE_BATCH_ROWS) insertBatch();
        if (staged - job.staged >= this.stageRows) {
          ended = false;
          break;
        }
      }
      insertBatch();
    } catch (error) {
      if (error instanceof RangeReadFailed) {
        if (error.gone) return this.notFound(job);
        // R2 failed between two windows: the lines read so far are kept (the
        // next step goes on from them); none yet, the job stays as it was.
        if (staged === job.staged) throw error.cause;
        insertBatch();
        return this.save({ ...job, offset, staged }, staged - job.staged);
      }
      return this.giveUp(job, damaged(error instanceof Error ? error.message : 'unreadable'));
    }
    if (!ended) return this.save({ ...job, offset, staged }, staged - job.staged);
    // Written in one pass: `"checksum":null` in the header and a trailer,
    // without which the file was cut short; in two: no trailer.
    if (job.header.checksum === null && linesTo === null) {
      return this.giveUp(job, damaged(`snapshot was cut short (no trailer after ${staged} lines)`));
    }
    return this.save(
      {
        ...job,
        phase: 'VERIFY',
        offset,
        staged,
        stated,
        linesTo: linesTo ?? Math.min(offset, job.size),
      },
      staged - job.staged,
    );
  }

  /** Counts and checksum; the memory lines' bytes hashed natively, straight from R2. */
  private async verify(job: RestoreJob): Promise<StepResult> {
    const from = job.linesFrom;
    const length = (job.linesTo ?? from) - from;
    const digest = new Sha256Stream();
    if (length > 0) {
      const lines = await this.bucket.get(job.key, { range: { offset: from, length } });
      if (lines === null) return this.notFound(job);
      const reader = lines.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        await digest.write(value);
      }
    }
    const checksum = await digest.finish();
    if (
      job.staged !== job.header.count ||
      job.staged !== job.stated.count ||
      checksum !== job.stated.checksum
    ) {
      return this.giveUp(
        job,
        damaged(
          `snapshot does not match its header (count ${job.staged}/${job.header.count}, checksum)`,
        ),
      );
    }
    // From here the vault refuses calls, and its alarm starts no snapshot,
    // until the swap is done. A snapshot already streaming reads its
    // point-in-time view (export-views.ts) of the rows as they were; the
    // final step counts the restore as a delete (deleteSeq), which voids
    // one that ends after it.
    // It read every line's bytes again: a call's worth of work on its own
    // (at 250k, run with a STAGE and a SWAP step, one call took 10.5 s).
    return this.save({ ...job, phase: 'SWAP', oldMaxSeq: this.storage.maxSeq() }, job.staged);
  }

  /** One transaction: old rows deleted, or staged rows copied in, SWAP_STEP_ROWS at most. */
  private swap(job: RestoreJob): StepResult {
    return this.transaction(() => {
      if (this.oldRowsLeft(job)) {
        const deleted = this.sql.run(
          `DELETE FROM memories WHERE seq IN
             (SELECT seq FROM memories WHERE seq <= ? ORDER BY seq LIMIT ${this.swapRows})`,
          job.oldMaxSeq,
        );
        return this.save({ ...job }, deleted);
      }
      if (job.copied >= this.lastStagedRowid()) return this.save({ ...job });
      const before = this.storage.maxSeq();
      this.sql.run(
        `INSERT INTO memories (id, content, role, metadata, created_at, tokens, embedding,
           chunk_embeddings, valid_until, superseded_by)
         SELECT id, content, role, metadata, created_at, tokens, embedding, chunk_embeddings,
           valid_until, superseded_by
         FROM restore_staging WHERE rowid > ? ORDER BY rowid LIMIT ${this.swapRows}`,
        job.copied,
      );
      const copied =
        this.sql.first<{ n: number | null }>(
          `SELECT MAX(rowid) AS n FROM (SELECT rowid FROM restore_staging WHERE rowid > ?
             ORDER BY rowid LIMIT ${this.swapRows})`,
          job.copied,
        )?.n ?? job.copied;
      // Snapshots carry content, not the index's folded text (index-text.ts).
      indexFoldedText(this.sql, `fts_text IS NULL AND seq > ${before}`);
      return this.save({ ...job, copied }, copied - job.copied);
    });
  }

  /** Whether the swap has only its final step left: the old rows gone, every staged row copied. */
  swapped(job: RestoreJob): boolean {
    return job.phase === 'SWAP' && !this.oldRowsLeft(job) && job.copied >= this.lastStagedRowid();
  }

  private oldRowsLeft(job: RestoreJob): boolean {
    return (
      this.sql.first<{ n: number }>(
        'SELECT COUNT(*) AS n FROM (SELECT 1 FROM memories WHERE seq <= ? LIMIT 1)',
        job.oldMaxSeq,
      )!.n > 0
    );
  }

  /**
   * The final step's own part, inside its transaction: digests of the last
   * day's rows, staging emptied, job ended and its outcome kept for a
   * caller that comes back for it.
   */
  finish(job: RestoreJob): void {
    keyRecentRows(this.sql, Date.now());
    this.clearStaging();
    this.end(job, { restored: job.staged, failure: null });
  }

  private lastStagedRowid(): number {
    return (
      this.sql.first<{ n: number | null }>('SELECT MAX(rowid) AS n FROM restore_staging')?.n ?? 0
    );
  }

  private save(job: RestoreJob, rows = 0): Extract<StepResult, { ok: true }> {
    const saved = { ...job, steppedAt: Date.now() };
    this.meta.set('restoreJob', saved);
    return { ok: true, job: saved, rows };
  }

  /** Ends `job` (null: none was recorded yet) with `reason`, kept for its caller. */
  private giveUp(job: RestoreJob | null, reason: Failure): Failure {
    this.clearStaging();
    if (job === null) this.meta.set('restoreJob', null);
    else {
      const { code, message } = reason;
      this.end(job, { restored: 0, failure: { code, message, reason: reason.reason ?? null } });
    }
    return reason;
  }

  private end(job: RestoreJob, outcome: Pick<EndedRestore, 'restored' | 'failure'>): void {
    this.meta.set('restoreJob', null);
    this.meta.set('restoreEnded', { id: job.id, key: job.key, ...outcome, endedAt: Date.now() });
  }

  private notFound(job: RestoreJob | null): Failure {
    return this.giveUp(job, snapshotNotFound());
  }

  private insertStaged(row: StoredRow): void {
    this.sql.run(
      `INSERT INTO restore_staging (id, content, role, metadata, created_at, tokens, embedding,
         chunk_embeddings, valid_until, superseded_by)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      row.id,
      row.content,
      row.role,
      row.metadata,
      row.created_at,
      row.tokens,
      row.embedding,
      row.chunk_embeddings,
      row.valid_until ?? null,
      row.superseded_by ?? null,
    );
  }

  private clearStaging(): void {
    this.sql.run('DELETE FROM restore_staging');
  }
}
