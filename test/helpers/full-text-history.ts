/**
 * A vault's full-text index as it stood before vault migration 26 (the
 * `porter unicode61` tokenizer, which split words at combining marks), for
 * the migration's test and bench to set a vault back to. Frozen on purpose:
 * it is that version's schema, not today's, so it does not follow
 * vault-schema.ts.
 */

/** Drops today's index, its triggers and its postings view. */
export const DROP_FULL_TEXT_INDEX = [
  'DROP TRIGGER memories_fts_insert',
  'DROP TRIGGER memories_fts_delete',
  'DROP TRIGGER memories_fts_update',
  'DROP TABLE memories_vocab',
  'DROP TABLE memories_fts',
];

/** Creates the index before version 26, empty, with its triggers and view. */
export const FULL_TEXT_INDEX_BEFORE_26 = [
  `CREATE VIRTUAL TABLE memories_fts USING fts5(
    content, content = 'memories', content_rowid = 'seq', tokenize = 'porter unicode61')`,
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
  `CREATE VIRTUAL TABLE memories_vocab USING fts5vocab(memories_fts, 'instance')`,
];
