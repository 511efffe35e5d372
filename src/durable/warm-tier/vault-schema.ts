import type { Migration } from '../sqlite/sql';
import { ANY_SPEAKER_METADATA } from '../full-text/speaker-names';
import { rebuildFullTextIndex } from './full-text-index';
import { keyRecentRows } from './recent-texts';

/**
 * The WARM tier of a vault. `seq` is the rowid that the FTS5 index points at
 * and, being AUTOINCREMENT, never reused, so "rows after the checkpoint" is a
 * plain `seq >` comparison. `id` is the public local id. Embeddings are
 * little-endian float32 BLOBs of unit length. Timestamps are milliseconds.
 *
 * `hot_pages` is a checkpoint of the hot index (seqs, timestamps, 2-bit codes
 * and, for a vault that keeps them in memory, float32 vectors; up to 1 MiB of
 * vectors per page, in time order) so that waking up reads a few
 * large BLOBs instead of one BLOB per memory; rows written after it are
 * replayed from `memories` and rows deleted after it from `hot_tombstones`.
 */
export const VAULT_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    statements: [
      `CREATE TABLE memories (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        content TEXT NOT NULL,
        role TEXT NOT NULL,
        metadata TEXT,
        created_at INTEGER NOT NULL,
        tokens INTEGER NOT NULL,
        embedding BLOB NOT NULL
      )`,
      'CREATE INDEX memories_by_time ON memories (created_at, id)',
      `CREATE VIRTUAL TABLE memories_fts USING fts5(
        content, content = 'memories', content_rowid = 'seq', tokenize = 'porter unicode61'
      )`,
      `CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN
        INSERT INTO memories_fts (rowid, content) VALUES (new.seq, new.content);
      END`,
      `CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN
        INSERT INTO memories_fts (memories_fts, rowid, content) VALUES ('delete', old.seq, old.content);
      END`,
      `CREATE TRIGGER memories_fts_update AFTER UPDATE OF content ON memories BEGIN
        INSERT INTO memories_fts (memories_fts, rowid, content) VALUES ('delete', old.seq, old.content);
        INSERT INTO memories_fts (rowid, content) VALUES (new.seq, new.content);
      END`,
    ],
  },
  {
    version: 2,
    statements: [
      `CREATE TABLE hot_pages (
        page INTEGER PRIMARY KEY,
        ids TEXT NOT NULL,
        times BLOB NOT NULL,
        vectors BLOB NOT NULL
      )`,
      'CREATE TABLE hot_tombstones (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL)',
    ],
  },
  {
    version: 3,
    statements: [
      // Rows of a snapshot being restored, checked in full before they replace memories.
      `CREATE TABLE restore_staging (
        id TEXT NOT NULL,
        content TEXT NOT NULL,
        role TEXT NOT NULL,
        metadata TEXT,
        created_at INTEGER NOT NULL,
        tokens INTEGER NOT NULL,
        embedding BLOB NOT NULL
      )`,
    ],
  },
  {
    version: 4,
    statements: [
      // The full-text index's postings (term, memory seq, word offset), read by
      // the contextual BM25 ranking (text-search.ts). A view: it stores nothing.
      `CREATE VIRTUAL TABLE memories_vocab USING fts5vocab(memories_fts, 'instance')`,
    ],
  },
  {
    version: 5,
    statements: [
      // Long memories are indexed in chunks: their chunk vectors, back to back
      // (float32, chunk order); NULL for a memory indexed whole.
      'ALTER TABLE memories ADD COLUMN chunk_embeddings BLOB',
      'ALTER TABLE restore_staging ADD COLUMN chunk_embeddings BLOB',
      // Hot index rows are now keyed (createdAt, seq, chunk): checkpoint pages
      // carry seqs and chunk numbers. Older pages lack them, so they are
      // dropped and the index is rebuilt from memories once.
      'ALTER TABLE hot_pages ADD COLUMN seqs BLOB',
      'ALTER TABLE hot_pages ADD COLUMN chunks BLOB',
      'DELETE FROM hot_pages',
      'DELETE FROM hot_tombstones',
      'ALTER TABLE hot_tombstones ADD COLUMN seq INTEGER',
      // The text timeline's checkpoint, written with the hot index's: memories
      // in (createdAt, seq) order with their word counts (text-checkpoint.ts).
      `CREATE TABLE text_pages (
        page INTEGER PRIMARY KEY,
        seqs BLOB NOT NULL,
        times BLOB NOT NULL,
        words BLOB NOT NULL
      )`,
      `DELETE FROM meta WHERE key IN ('hot_checkpoint_seq', 'hot_checkpoint_rows')`,
      // Whether any memory names its speaker in metadata (the name boost reads
      // metadata only then); later writes set it as they come.
      `INSERT INTO meta (key, value) SELECT 'speaker_metadata', '1' WHERE ${ANY_SPEAKER_METADATA}`,
    ],
  },
  {
    version: 6,
    statements: [
      // Re-embedding (vault-reembed.ts): a row's vectors of the model the vault
      // is moving to, beside the ones searches still use; one transaction moves
      // them into embedding/chunk_embeddings. A row stored during the move with
      // only the new model's vectors has an empty embedding until then.
      'ALTER TABLE memories ADD COLUMN next_embedding BLOB',
      'ALTER TABLE memories ADD COLUMN next_chunk_embeddings BLOB',
    ],
  },
  {
    version: 7,
    statements: [
      // Superseding: a memory that a later fact replaced (or declared no longer
      // true) keeps its row; `valid_until` marks it, `superseded_by` names the
      // local id of the memory that replaced it (null for "no longer true").
      'ALTER TABLE memories ADD COLUMN valid_until INTEGER',
      'ALTER TABLE memories ADD COLUMN superseded_by TEXT',
      'CREATE INDEX memories_by_successor ON memories (superseded_by) WHERE superseded_by IS NOT NULL',
      // Snapshots carry them, so a restore keeps what was superseded.
      'ALTER TABLE restore_staging ADD COLUMN valid_until INTEGER',
      'ALTER TABLE restore_staging ADD COLUMN superseded_by TEXT',
      // The vault's change log, replayed to live subscribers that reconnect
      // (memory-events.ts keeps it to a bounded window).
      `CREATE TABLE memory_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        type TEXT NOT NULL,
        memory_id TEXT,
        superseded_by TEXT,
        at INTEGER NOT NULL
      )`,
    ],
  },
  {
    version: 8,
    statements: [
      // The hot index keeps 2-bit codes keyed by seq (vector-codes.ts): pages
      // carry codes, their scales and residuals, and float32 vectors only
      // while the vault keeps its float32 block, and (page 0) the calibration
      // the codes were made with; no ids. Float-only pages are
      // dropped and the index is rebuilt from memories once.
      'DROP TABLE hot_pages',
      `CREATE TABLE hot_pages (
        page INTEGER PRIMARY KEY,
        seqs BLOB NOT NULL,
        chunks BLOB NOT NULL,
        times BLOB NOT NULL,
        codes BLOB NOT NULL,
        scales BLOB NOT NULL,
        residuals BLOB NOT NULL,
        vectors BLOB,
        calibration BLOB
      )`,
      'DELETE FROM hot_tombstones',
      `DELETE FROM meta WHERE key IN ('hot_checkpoint_seq', 'hot_checkpoint_rows')`,
    ],
  },
  {
    version: 9,
    statements: [
      // Memory tokens recorded by reads and writes, one row per request
      // (vault-usage.ts), until the alarm seals them into a batch.
      `CREATE TABLE usage_pending (
        request_id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL,
        key_id TEXT NOT NULL,
        day TEXT NOT NULL,
        memory_tokens INTEGER NOT NULL
      )`,
      // Batches sealed under an identifier, kept until the account took them.
      `CREATE TABLE usage_sealed (
        seq INTEGER PRIMARY KEY,
        batch_id TEXT NOT NULL UNIQUE,
        account_id TEXT NOT NULL,
        entries TEXT NOT NULL
      )`,
    ],
  },
  {
    version: 10,
    statements: [
      // Memories stored with only the next model's vectors (vault-reembed.ts)
      // are counted on every wake-up: without this (mostly empty) index that
      // count reads every row of the table, more than the checkpoint itself.
      'CREATE INDEX memories_without_vectors ON memories (seq) WHERE length(embedding) = 0',
    ],
  },
  {
    version: 11,
    statements: [
      // Chinese, Japanese and Korean runs are indexed as characters and pairs
      // (src/text/cjk.ts): the index reads `fts_text` when set (only memories
      // with such runs), else `content` as before.
      'ALTER TABLE memories ADD COLUMN fts_text TEXT',
      'DROP TRIGGER memories_fts_insert',
      'DROP TRIGGER memories_fts_delete',
      'DROP TRIGGER memories_fts_update',
      `CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN
        INSERT INTO memories_fts (rowid, content) VALUES (new.seq, coalesce(new.fts_text, new.content));
      END`,
      `CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN
        INSERT INTO memories_fts (memories_fts, rowid, content)
          VALUES ('delete', old.seq, coalesce(old.fts_text, old.content));
      END`,
      `CREATE TRIGGER memories_fts_update AFTER UPDATE OF content, fts_text ON memories BEGIN
        INSERT INTO memories_fts (memories_fts, rowid, content)
          VALUES ('delete', old.seq, coalesce(old.fts_text, old.content));
        INSERT INTO memories_fts (rowid, content) VALUES (new.seq, coalesce(new.fts_text, new.content));
      END`,
    ],
    // Memories stored before were re-indexed here; version 26 now writes
    // `fts_text` for every memory that needs it and rebuilds the index.
  },
  {
    version: 12,
    statements: [
      // Listings page in (created_at, seq) order: memories of the same time
      // (a batch stored without createdAt) list in the order they were
      // stored, which their random ids do not give. The (created_at, id)
      // index served only the listing, so it goes: a write still updates one
      // time index.
      'CREATE INDEX memories_by_time_seq ON memories (created_at, seq)',
      'DROP INDEX memories_by_time',
    ],
  },
  {
    version: 13,
    statements: [
      // Idempotency keys of stores (store-keys.ts): the key, a digest of the
      // call's inputs, when it was first seen, and the records it answered
      // (one row per memory: a batch's records can exceed a row's 2 MB).
      `CREATE TABLE store_keys (
        key TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        at INTEGER NOT NULL
      )`,
      'CREATE INDEX store_keys_by_time ON store_keys (at)',
      `CREATE TABLE store_key_records (
        key TEXT NOT NULL,
        position INTEGER NOT NULL,
        record TEXT NOT NULL,
        PRIMARY KEY (key, position)
      ) WITHOUT ROWID`,
    ],
  },
  {
    version: 14,
    statements: [
      // A key's records held each memory's content and metadata, which then
      // outlived a delete, a clear or an expiry by up to 24 hours. Now only
      // the id, time and tokens are kept (store-keys.ts): a replay takes the
      // rest from the retry's own inputs. The copy goes, whatever it held.
      `CREATE TABLE store_key_records_kept (
        key TEXT NOT NULL,
        position INTEGER NOT NULL,
        id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        tokens INTEGER NOT NULL,
        PRIMARY KEY (key, position)
      ) WITHOUT ROWID`,
      `INSERT INTO store_key_records_kept (key, position, id, created_at, tokens)
       SELECT key, position, json_extract(record, '$.id'), json_extract(record, '$.createdAt'),
              json_extract(record, '$.tokens')
       FROM store_key_records`,
      'DROP TABLE store_key_records',
      'ALTER TABLE store_key_records_kept RENAME TO store_key_records',
    ],
  },
  {
    version: 15,
    statements: [
      // Exports read the vault as it was when they began, a page per call
      // (export-views.ts). An open export is the seq it stops at and the seq
      // it has read to; a row it has yet to read that is about to change or
      // go is first copied here, so the export still reads it as it was.
      `CREATE TABLE open_exports (
        id TEXT PRIMARY KEY,
        max_seq INTEGER NOT NULL,
        read_to INTEGER NOT NULL,
        touched_at INTEGER NOT NULL
      )`,
      `CREATE TABLE export_preimages (
        export_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        id TEXT NOT NULL,
        content TEXT NOT NULL,
        role TEXT NOT NULL,
        metadata TEXT,
        created_at INTEGER NOT NULL,
        tokens INTEGER NOT NULL,
        embedding BLOB NOT NULL,
        chunk_embeddings BLOB,
        valid_until INTEGER,
        superseded_by TEXT,
        UNIQUE (export_id, seq)
      )`,
      // The first copy wins (OR IGNORE): it is the row as the export began.
      `CREATE TRIGGER memories_export_delete BEFORE DELETE ON memories
       WHEN EXISTS (SELECT 1 FROM open_exports WHERE old.seq > read_to AND old.seq <= max_seq)
       BEGIN
        INSERT OR IGNORE INTO export_preimages (export_id, seq, id, content, role, metadata, created_at, tokens, embedding, chunk_embeddings, valid_until, superseded_by)
          SELECT pending.id, old.seq, old.id, old.content, old.role, old.metadata, old.created_at, old.tokens, old.embedding, old.chunk_embeddings, old.valid_until, old.superseded_by
          FROM open_exports AS pending WHERE old.seq > pending.read_to AND old.seq <= pending.max_seq;
      END`,
      `CREATE TRIGGER memories_export_update
       BEFORE UPDATE OF id, content, role, metadata, created_at, tokens, embedding, chunk_embeddings, valid_until, superseded_by ON memories
       WHEN EXISTS (SELECT 1 FROM open_exports WHERE old.seq > read_to AND old.seq <= max_seq)
       BEGIN
        INSERT OR IGNORE INTO export_preimages (export_id, seq, id, content, role, metadata, created_at, tokens, embedding, chunk_embeddings, valid_until, superseded_by)
          SELECT pending.id, old.seq, old.id, old.content, old.role, old.metadata, old.created_at, old.tokens, old.embedding, old.chunk_embeddings, old.valid_until, old.superseded_by
          FROM open_exports AS pending WHERE old.seq > pending.read_to AND old.seq <= pending.max_seq;
      END`,
    ],
  },
  {
    version: 16,
    statements: [
      // Context flows only between turns of one conversation (turn-voices.ts):
      // text pages carry each memory's voice. Pages without it are dropped,
      // and the timeline is read from memories once.
      'ALTER TABLE text_pages ADD COLUMN voices BLOB',
      'DELETE FROM text_pages',
    ],
  },
  {
    version: 17,
    statements: [
      // A chat turn repeated within a day is not stored again (recent-texts.ts):
      // each row's digest of its whitespace-normalised text, indexed with the
      // time, finds a repeat without reading the day's memories.
      'ALTER TABLE memories ADD COLUMN content_key INTEGER',
      'CREATE INDEX memories_by_content_key ON memories (content_key, created_at) WHERE content_key IS NOT NULL',
    ],
    // Rows of the last day get their digest now; older ones never need it.
    run: (sql) => keyRecentRows(sql, Date.now()),
  },
  {
    version: 18,
    statements: [],
    // A keyed store with fact extraction (store-keys.ts) keeps, beside its
    // memories' ids, how many were its inputs, the retirements it applied and
    // the Worker's receipt record (counts and decisions, no text), as JSON;
    // null for a store without extraction. Added only where missing, so a
    // vault whose column exists already upgrades too.
    run: (sql) => {
      const has = sql.first<{ found: number }>(
        "SELECT 1 AS found FROM pragma_table_info('store_keys') WHERE name = 'extraction'",
      );
      if (has === null) sql.run('ALTER TABLE store_keys ADD COLUMN extraction TEXT');
    },
  },
  {
    version: 19,
    statements: [
      // A voice now also says whether a memory is small talk alone and how
      // many words its speaker label takes (turn-voices.ts): pages written
      // before lack it, so they go and the timeline is read from memories once.
      'DELETE FROM text_pages',
    ],
  },
  {
    version: 20,
    statements: [
      // Which turns are small talk alone changed (text/turn-text.ts: a
      // question, or "no"/"thing" beside function words, is not): pages hold
      // the old flag in their voices, so they go once, as in version 19.
      'DELETE FROM text_pages',
    ],
  },
  {
    version: 21,
    statements: [
      // A stock phatic question beside a greeting ("hey! how's it going?")
      // became small talk alone (text/turn-text.ts PHATIC_WORDS): the pages'
      // voices hold the old flag, so they go once, as in version 20.
      'DELETE FROM text_pages',
    ],
  },
  {
    version: 22,
    statements: [
      // A voice now also says whether a memory ends in a question, which
      // the turn after it borrows more from (turn-voices.ts): pages written
      // before lack the flag, so they go once, as in version 21.
      'DELETE FROM text_pages',
    ],
  },
  {
    version: 23,
    statements: [
      // "Got it." became small talk alone (text/turn-text.ts acknowledges):
      // the pages' voices hold the old flag, so they go once, as in 20 to 22.
      'DELETE FROM text_pages',
    ],
  },
  {
    version: 24,
    statements: [
      // Turns of this vault whose fact another vault retired (facts kept
      // apart from their turn, factsVault): that vault's Worker call says so
      // here, since this vault holds no copy of the fact. `fact` is the
      // fact's Memory.id there; `since` when it stopped being valid.
      `CREATE TABLE IF NOT EXISTS turns_outdated_elsewhere (
        turn TEXT NOT NULL,
        fact TEXT NOT NULL,
        since INTEGER NOT NULL,
        PRIMARY KEY (turn, fact)
      ) WITHOUT ROWID`,
    ],
  },
  {
    version: 25,
    // The marks' calls come from separate requests, in no set order: each
    // now carries the facts' vault's change order when its decision was
    // read (`changed`: that vault's last event seq), and a mark taken back
    // stays as a row that is not `live`, so a call older than the one last
    // applied changes nothing (vault-storage.ts markOutdatedElsewhere).
    // SQLite adds a column only once: checked, so the migration stays
    // idempotent (a test re-runs migrations from an older version).
    statements: [],
    run: (sql) => {
      const has = new Set(
        sql
          .all<{ name: string }>("SELECT name FROM pragma_table_info('turns_outdated_elsewhere')")
          .map((column) => column.name),
      );
      if (!has.has('live'))
        sql.run('ALTER TABLE turns_outdated_elsewhere ADD COLUMN live INTEGER NOT NULL DEFAULT 1');
      if (!has.has('changed'))
        sql.run(
          'ALTER TABLE turns_outdated_elsewhere ADD COLUMN changed INTEGER NOT NULL DEFAULT 0',
        );
    },
  },
  {
    version: 26,
    // Words keep their combining marks and are folded as
    // src/text/folded-words.ts says (Hindi, Tamil, Thai, vocalised Arabic
    // and Hebrew, Vietnamese, Greek, Cyrillic were split or folded apart
    // from the query's words): a new tokenizer, so a new index, rebuilt at
    // once in a vault of at most 20,000 memories and in slices by the
    // alarm in a bigger one (full-text-index.ts), so the start-up stays
    // short at any size.
    statements: [],
    run: (sql) => rebuildFullTextIndex(sql),
  },
];
