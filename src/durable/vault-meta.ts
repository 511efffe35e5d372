import type { VaultAddress } from '../vaults/address';
import type { MetaTable } from './sql';
import type { ReembedProgress } from './vault-types';

/** Where the hot index's checkpoint stands: the last seq it holds and its rows. */
export interface CheckpointMark {
  seq: number;
  rows: number;
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
  /** Counts deletes (and restores), so a snapshot can tell that rows vanished while it ran. */
  deleteSeq: number;
  /** When the alarm writes the next R2 snapshot; pushed back by every change. */
  snapshotDueAt: number | null;
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
  deleteSeq: {
    keys: ['delete_seq'],
    read: ([value]) => Number(value ?? 0),
    write: (value) => [value === 0 ? null : String(value)],
  },
  snapshotDueAt: number('snapshot_due_at'),
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
  usageFailures: {
    keys: ['usage_failures'],
    read: ([value]) => Number(value ?? 0),
    write: (value) => [value === 0 ? null : String(value)],
  },
};

/**
 * The one place a vault's `meta` table is read and written. Every read goes
 * to SQLite (a keyed lookup in the object's own database), so nothing here
 * can disagree with what a transaction rolled back.
 */
export class VaultMeta {
  constructor(private readonly table: MetaTable) {}

  get<F extends MetaField>(field: F): VaultMetaRecord[F] {
    const codec = CODECS[field] as Codec<VaultMetaRecord[F]>;
    return codec.read(codec.keys.map((key) => this.table.get(key)));
  }

  set<F extends MetaField>(field: F, value: VaultMetaRecord[F]): void {
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

  /** Every field, in one read. */
  record(): VaultMetaRecord {
    const stored = this.table.entries();
    const record = {} as Record<MetaField, unknown>;
    for (const field of Object.keys(CODECS) as MetaField[]) {
      const codec = CODECS[field];
      record[field] = codec.read(codec.keys.map((key) => stored.get(key) ?? null));
    }
    return record as VaultMetaRecord;
  }
}
