import type { VaultAddress } from '../../vaults/address';
import type { MetaTable } from '../sqlite/sql';
import type { ReembedProgress } from '../rpc/vault-types';
import type { SnapshotHeader } from '../../vaults/jsonl';
import type { ErrorCode } from '../../core/errors';

/** Where the hot index's checkpoint stands: the last seq it holds and its rows. */
export interface CheckpointMark {
  seq: number;
  rows: number;
}

/** A restore under way, as the meta table keeps it (cold-tier/snapshot-restore.ts). */
export interface RestoreJob {
  id: string;
  /** The vault restored (a wiped vault's meta record has none until the swap). */
  address: VaultAddress;
  key: string;
  /** The file's size in bytes. */
  size: number;
  header: SnapshotHeader;
  phase: 'STAGE' | 'VERIFY' | 'SWAP';
  /** Byte offset of the next line to stage. */
  offset: number;
  /** The memory lines' bytes, which the checksum covers: from, and (once read to the end) to. */
  linesFrom: number;
  linesTo: number | null;
  /** The count and checksum the trailer states (one-pass files), else the header's. */
  stated: { count: number; checksum: string | null };
  staged: number;
  /** SWAP: the newest seq of the rows being replaced, and the staged rows copied so far. */
  oldMaxSeq: number;
  copied: number;
  /** When a step last ran: the alarm takes over a job left longer than RESTORE_LEFT_MS. */
  steppedAt: number;
}

/**
 * The last restore job that ended (cold-tier/snapshot-restore.ts), restored
 * or given up: what its caller, coming back with the job's id after the
 * alarm finished it, is told instead of RESTORE_GONE.
 */
export interface EndedRestore {
  id: string;
  key: string;
  /** The memories the vault holds from the snapshot; 0 when the restore failed. */
  restored: number;
  /** Why it was given up (a coded failure, as the step answered it); null when it restored. */
  failure: { code: ErrorCode; message: string; reason: string | null } | null;
  endedAt: number;
}

/** An R2 multipart upload a snapshot began (snapshot-store.ts), until it is completed or aborted. */
export interface SnapshotUpload {
  key: string;
  uploadId: string;
}

/** When a snapshot attempt ended and how long it took (ms). */
export interface SnapshotTiming {
  endedAt: number;
  tookMs: number;
}

/**
 * What a vault knows about itself beside its memories, as typed fields. Times
 * are milliseconds; null (or false, or 0 for `deleteSeq`) means "not set".
 */
export interface VaultMetaRecord {
  /** Written by `migrate` (sql.ts); read-only here. */
  schemaVersion: number;
  /** The vault this object holds; set by its first write (or a restore). */
  address: VaultAddress | null;
  /** The embedder that built its vectors (or CALLER_SUPPLIED_MODEL); fixed by the first write. */
  embeddingModel: string | null;
  dimensions: number | null;
  lastWriteAt: number | null;
  /** EPHEMERAL vaults only: when the alarm deletes it. */
  expiresAt: number | null;
  /** The hot index's checkpoint (hot-checkpoint.ts); null when there is none. */
  checkpoint: CheckpointMark | null;
  /** When the alarm writes the next checkpoint. */
  checkpointDueAt: number | null;
  /** The voice rules (turn-voices.ts `VOICE_RULES`) the text pages were written under; null before there were any. */
  textPagesVoices: number | null;
  /** Counts deletes (and restores), so a snapshot can tell that rows vanished while it ran. */
  deleteSeq: number;
  /** When the alarm writes the next R2 snapshot; pushed back by every change. */
  snapshotDueAt: number | null;
  /** The alarm's last snapshot attempt: when it ended and how long it took (vault-alarm.ts `snapshotSpacing`). */
  lastSnapshot: SnapshotTiming | null;
  /** Whether any memory names its speaker in metadata (text-search.ts reads names only then). */
  speakerMetadata: boolean;
  /** The latest re-embedding (vault-reembed.ts): running, finished or given up; null if none. */
  reembed: ReembedProgress | null;
  /** When the alarm embeds the next batch of a running re-embedding. */
  reembedDueAt: number | null;
  /** When the alarm hands recorded memory tokens to the account (vault-usage.ts). */
  usageDueAt: number | null;
  /** Failed hand-overs in a row, for the retry delay. */
  usageFailures: number;
  /** When the alarm runs the next slices of a full-text index rebuild (full-text-index.ts). */
  ftsRebuildDueAt: number | null;
  /**
   * When the vault was last cleared (or expired): its snapshots taken before
   * are never listed or restored, and every prune deletes them.
   */
  snapshotsFrom: number | null;
  /**
   * When the alarm cleans up in R2: deletes snapshots a clear could not (R2
   * failed), and aborts the upload a snapshot left (`snapshotUpload`).
   */
  snapshotPruneDueAt: number | null;
  /**
   * Imports writing into the vault now (vault-imports.ts): a store made for
   * one whose id is gone (a clear or expiry wiped the list with the rows) is
   * refused, so an import ends at a clear instead of filling the vault again.
   */
  openImports: string[];
  /**
   * Imports a restore ended (vault-imports.ts): those open when it began.
   * A store for one is refused as VAULT_RESTORED, so the import ends there
   * instead of writing rows the swap replaces, or into the restored vault.
   */
  importsEndedByRestore: string[];
  /**
   * The multipart upload of the snapshot being written, recorded before its
   * first part is sent: one still here when no snapshot runs was left by an
   * object that died mid-snapshot (or by an abort R2 failed), and the alarm
   * aborts it, rather than R2 keeping its parts for 7 days.
   */
  snapshotUpload: SnapshotUpload | null;
  /** A restore under way, in steps (snapshot-restore.ts); null when none. */
  restoreJob: RestoreJob | null;
  /** The last restore that ended, kept a day (snapshot-restore.ts `RESTORE_ENDED_KEPT_MS`); null when none. */
  restoreEnded: EndedRestore | null;
}

export type MetaField = keyof VaultMetaRecord;

/** How one field is kept: its keys in the `meta` table, and the text each holds. */
interface Codec<T> {
  keys: readonly string[];
  read(values: readonly (string | null)[]): T;
  /** One value (or null: no row) per key. */
  write(value: T): (string | null)[];
}

const number = (key: string): Codec<number | null> => ({
  keys: [key],
  read: ([value]) => (value === null || value === undefined ? null : Number(value)),
  write: (value) => [value === null ? null : String(value)],
});

const text = (key: string): Codec<string | null> => ({
  keys: [key],
  read: ([value]) => value ?? null,
  write: (value) => [value],
});

/**
 * The storage keys are those the vault has always used (tests and migration 5
 * name some of them), so existing vaults read back unchanged.
 */
const CODECS: { [F in MetaField]: Codec<VaultMetaRecord[F]> } = {
  schemaVersion: {
    keys: ['schema_version'],
    read: ([value]) => Number(value ?? 0),
    write: (value) => [String(value)],
  },
  address: {
    keys: ['address'],
    read: ([value]) => (value ? (JSON.parse(value) as VaultAddress) : null),
    write: (value) => [value === null ? null : JSON.stringify(value)],
  },
  embeddingModel: text('embedding_model'),
  // 0 was never a vault's dimensions: read as "none yet", like a missing row.
  dimensions: {
    keys: ['dimensions'],
    read: ([value]) => Number(value ?? 0) || null,
    write: (value) => [value === null ? null : String(value)],
  },
  lastWriteAt: number('last_write_at'),
  expiresAt: number('expires_at'),
  checkpoint: {
    keys: ['hot_checkpoint_seq', 'hot_checkpoint_rows'],
    read: ([seq, rows]) =>
      seq === null || seq === undefined || rows === null || rows === undefined
        ? null
        : { seq: Number(seq), rows: Number(rows) },
    write: (mark) => (mark === null ? [null, null] : [String(mark.seq), String(mark.rows)]),
  },
  checkpointDueAt: number('checkpoint_due_at'),
  textPagesVoices: number('text_pages_voices'),
  deleteSeq: {
    keys: ['delete_seq'],
    read: ([value]) => Number(value ?? 0),
    write: (value) => [value === 0 ? null : String(value)],
  },
  snapshotDueAt: number('snapshot_due_at'),
  lastSnapshot: {
    keys: ['snapshot_ended_at', 'snapshot_took_ms'],
    read: ([endedAt, tookMs]) =>
      endedAt === null || endedAt === undefined || tookMs === null || tookMs === undefined
        ? null
        : { endedAt: Number(endedAt), tookMs: Number(tookMs) },
    write: (timing) =>
      timing === null ? [null, null] : [String(timing.endedAt), String(timing.tookMs)],
  },
  speakerMetadata: {
    keys: ['speaker_metadata'],
    read: ([value]) => value === '1',
    write: (value) => [value ? '1' : null],
  },
  reembed: {
    keys: ['reembed'],
    read: ([value]) => (value ? (JSON.parse(value) as ReembedProgress) : null),
    write: (value) => [value === null ? null : JSON.stringify(value)],
  },
  reembedDueAt: number('reembed_due_at'),
  usageDueAt: number('usage_due_at'),
  ftsRebuildDueAt: number('fts_rebuild_due_at'),
  usageFailures: {
    keys: ['usage_failures'],
    read: ([value]) => Number(value ?? 0),
    write: (value) => [value === 0 ? null : String(value)],
  },
  snapshotsFrom: number('snapshots_from'),
  snapshotPruneDueAt: number('snapshot_prune_due_at'),
  openImports: {
    keys: ['open_imports'],
    read: ([value]) => (value ? (JSON.parse(value) as string[]) : []),
    write: (value) => [value.length === 0 ? null : JSON.stringify(value)],
  },
  importsEndedByRestore: {
    keys: ['imports_ended_by_restore'],
    read: ([value]) => (value ? (JSON.parse(value) as string[]) : []),
    write: (value) => [value.length === 0 ? null : JSON.stringify(value)],
  },
  snapshotUpload: {
    keys: ['snapshot_upload'],
    read: ([value]) => (value ? (JSON.parse(value) as SnapshotUpload) : null),
    write: (value) => [value === null ? null : JSON.stringify(value)],
  },
  restoreJob: {
    keys: ['restore_job'],
    read: ([value]) => (value ? (JSON.parse(value) as RestoreJob) : null),
    write: (value) => [value === null ? null : JSON.stringify(value)],
  },
  restoreEnded: {
    keys: ['restore_ended'],
    read: ([value]) => (value ? (JSON.parse(value) as EndedRestore) : null),
    write: (value) => [value === null ? null : JSON.stringify(value)],
  },
};

/**
 * The one place a vault's `meta` table is read and written.
 *
 * Every call to the vault opens with the whole record (`current`, from
 * `VaultLifecycle.open`), and decoding it (one query, two JSON fields) was
 * work repeated on every read although the record changes only with a write.
 * So the record decoded at the start of a call is kept, and answered again
 * until anything writes through here, or the vault wakes (a wipe, a restore or
 * a migration writes the table beneath this class: they call `forget`). The
 * object is the only writer of its storage, so nothing else can change it.
 *
 * Why the start of a call: no `transactionSync` can be open there (it is
 * synchronous, and a call begins on a turn of its own), so what SQLite holds
 * then is committed or will be, and a rollback can only undo writes made
 * after it, which cleared the kept record. Every other read (`get`, `record`:
 * the alarm's, the writes', maybe inside a transaction) goes to SQLite and
 * keeps nothing, so nothing here can disagree with what a transaction rolled
 * back.
 */
export class VaultMeta {
  /** The record as decoded at the start of a call with no write since; null when unknown. */
  private kept: VaultMetaRecord | null = null;

  constructor(private readonly table: MetaTable) {}

  get<F extends MetaField>(field: F): VaultMetaRecord[F] {
    const codec = CODECS[field] as Codec<VaultMetaRecord[F]>;
    return codec.read(codec.keys.map((key) => this.table.get(key)));
  }

  set<F extends MetaField>(field: F, value: VaultMetaRecord[F]): void {
    this.kept = null;
    const codec = CODECS[field] as Codec<VaultMetaRecord[F]>;
    const values = codec.write(value);
    codec.keys.forEach((key, at) => {
      const stored = values[at] ?? null;
      if (stored === null) this.table.delete(key);
      else this.table.set(key, stored);
    });
  }

  /** Sets several fields (call inside a transaction to set them together). */
  update(changes: Partial<VaultMetaRecord>): void {
    for (const field of Object.keys(changes) as MetaField[]) {
      this.set(field, changes[field] as VaultMetaRecord[typeof field]);
    }
  }

  /** Every field, read now (and not kept: this may run inside a transaction). */
  record(): VaultMetaRecord {
    return decode(this.table);
  }

  /**
   * Every field, at the start of a call (no transaction open): kept for the
   * calls after it until the next write. Frozen, so no caller can change the
   * kept copy in place.
   */
  current(): VaultMetaRecord {
    this.kept ??= decode(this.table);
    return this.kept;
  }

  /** The table was written beneath this class (a wipe, a restore, a migration): read it again. */
  forget(): void {
    this.kept = null;
  }
}

/** Every field, in one read of the table; frozen, nested values too. */
function decode(table: MetaTable): VaultMetaRecord {
  const stored = table.entries();
  const record = {} as Record<MetaField, unknown>;
  for (const field of Object.keys(CODECS) as MetaField[]) {
    const codec = CODECS[field];
    const value = codec.read(codec.keys.map((key) => stored.get(key) ?? null));
    record[field] = value !== null && typeof value === 'object' ? Object.freeze(value) : value;
  }
  return Object.freeze(record) as VaultMetaRecord;
}
