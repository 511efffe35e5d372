import type { Migration } from './sql';

/**
 * The WARM tier of a vault. `seq` is the rowid that the FTS5 index points at;
 * `id` is the public local id. Embeddings are little-endian float32 BLOBs of
 * unit length. Timestamps are milliseconds since the epoch.
 */
export const VAULT_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    statements: [
      `CREATE TABLE memories (
        seq INTEGER PRIMARY KEY,
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
];
