import { ftsText } from '../../text/tokens';
import { MetaTable, type Sql } from '../sqlite/sql';
import { indexFoldedText, MAY_NEED_FTS_TEXT } from './index-text';

/**
 * The full-text index (`memories_fts` over `coalesce(fts_text, content)`,
 * its triggers and its postings view) and how it is rebuilt when its
 * tokenizer or the folding of `fts_text` changes: at once in a small vault,
 * in slices outside the object's start-up in a big one.
 *
 * A rebuild in slices builds the new index beside the old one and swaps
 * when it is complete. Until then every search reads the old index, which
 * stays exactly as it was for the rows it held (the answers of the vault
 * before the rebuild) and indexes new writes; the new index gets new
 * writes through its own triggers and the older rows a slice at a time, in
 * `seq` order, from `fts_rebuild.cursor` on. Why not search a half-built
 * index and the old one "both ways": the ranking reads per-term postings,
 * per-row word counts and corpus totals of one index (text-search.ts,
 * text-timeline.ts), and a mix of two tokenizers has no coherent totals;
 * the swap keeps every answer from one complete index.
 *
 * A slice re-folds its rows' `fts_text` and copies them into the new index.
 * The old index must still be told, on a delete, the exact text it holds
 * for a row, so a row whose `fts_text` a slice changed keeps its old text
 * in `fts_old_text` and the old index's triggers read it from there. All
 * the state is in SQLite: a restart resumes at the cursor.
 */

/**
 * The full-text index's tokenizer, after Porter: it splits words where
 * src/text/folded-words.ts does (letters, digits, private-use characters and
 * combining marks make words) and folds nothing more than ASCII case, since
 * memories with non-ASCII words come to it already folded (`fts_text`).
 */
export const WORD_TOKENIZER = "unicode61 remove_diacritics 0 categories 'L* N* Co M*'";

/** A vault of at most this many memories rebuilds its index at once, in its start-up. */
export const REBUILD_AT_ONCE_ROWS = 20_000;

/** Rows one slice re-folds and indexes (one transaction). */
export const REBUILD_SLICE_ROWS = 1_000;

/** The meta key of when the alarm runs the next slices (vault-meta.ts `ftsRebuildDueAt`). */
export const REBUILD_DUE_KEY = 'fts_rebuild_due_at';

const INDEX = 'memories_fts';
const NEXT = 'memories_fts_next';

function createIndex(name: string): string {
  return `CREATE VIRTUAL TABLE ${name} USING fts5(
    content, content = 'memories', content_rowid = 'seq', tokenize = "porter ${WORD_TOKENIZER}"
  )`;
}

/** The index's triggers; `when` limits delete and update to the rows the index holds. */
function indexTriggers(name: string, when = ''): string[] {
  const where = when === '' ? '' : `WHEN ${when.replaceAll('$', 'old')}`;
  return [
    `CREATE TRIGGER ${name}_insert AFTER INSERT ON memories BEGIN
      INSERT INTO ${name} (rowid, content) VALUES (new.seq, coalesce(new.fts_text, new.content));
    END`,
    `CREATE TRIGGER ${name}_delete AFTER DELETE ON memories ${where} BEGIN
      INSERT INTO ${name} (${name}, rowid, content)
        VALUES ('delete', old.seq, coalesce(old.fts_text, old.content));
    END`,
    `CREATE TRIGGER ${name}_update AFTER UPDATE OF content, fts_text ON memories ${where} BEGIN
      INSERT INTO ${name} (${name}, rowid, content)
        VALUES ('delete', old.seq, coalesce(old.fts_text, old.content));
      INSERT INTO ${name} (rowid, content) VALUES (new.seq, coalesce(new.fts_text, new.content));
    END`,
  ];
}

const POSTINGS_VIEW = `CREATE VIRTUAL TABLE memories_vocab USING fts5vocab(${INDEX}, 'instance')`;

/** The full-text index over `coalesce(fts_text, content)`, its triggers and its postings view. */
export const FULL_TEXT_INDEX = [createIndex(INDEX), ...indexTriggers(INDEX), POSTINGS_VIEW];

const DROP_TRIGGERS = (name: string) =>
  ['insert', 'delete', 'update'].map((event) => `DROP TRIGGER IF EXISTS ${name}_${event}`);

/** The old index's text for a row: the one a slice set aside, else the row's. */
const OLD_TEXT = (row: string) =>
  `coalesce((SELECT text FROM fts_old_text WHERE seq = ${row}.seq), ${row}.fts_text, ${row}.content)`;

/** The old index's triggers during a rebuild (see the module's comment). */
const OLD_INDEX_TRIGGERS = [
  `CREATE TRIGGER ${INDEX}_insert AFTER INSERT ON memories BEGIN
    INSERT INTO ${INDEX} (rowid, content) VALUES (new.seq, coalesce(new.fts_text, new.content));
  END`,
  `CREATE TRIGGER ${INDEX}_delete AFTER DELETE ON memories BEGIN
    INSERT INTO ${INDEX} (${INDEX}, rowid, content) VALUES ('delete', old.seq, ${OLD_TEXT('old')});
    DELETE FROM fts_old_text WHERE seq = old.seq;
  END`,
  // A row with its old text set aside keeps that text in the old index.
  `CREATE TRIGGER ${INDEX}_update AFTER UPDATE OF content, fts_text ON memories
    WHEN NOT EXISTS (SELECT 1 FROM fts_old_text WHERE seq = old.seq) BEGIN
    INSERT INTO ${INDEX} (${INDEX}, rowid, content)
      VALUES ('delete', old.seq, coalesce(old.fts_text, old.content));
    INSERT INTO ${INDEX} (rowid, content) VALUES (new.seq, coalesce(new.fts_text, new.content));
  END`,
];

/** Rows the new index holds: those slices copied, and those written since the rebuild began. */
const IN_NEXT =
  '($.seq <= (SELECT cursor FROM fts_rebuild) OR $.seq > (SELECT last FROM fts_rebuild))';

/**
 * Rebuilds the index with today's tokenizer and `fts_text`: at once when
 * the vault holds at most `atOnceRows` memories, else starts a rebuild in
 * slices (cheap: tables and triggers) and asks the alarm for it. Replaces a
 * rebuild in slices already under way (its new index starts again).
 */
export function rebuildFullTextIndex(sql: Sql, atOnceRows = REBUILD_AT_ONCE_ROWS): void {
  const rows = sql.first<{ n: number }>(
    `SELECT COUNT(*) AS n FROM (SELECT 1 FROM memories LIMIT ${atOnceRows + 1})`,
  )!.n;
  if (rows <= atOnceRows) rebuildAtOnce(sql);
  else startRebuild(sql);
}

/**
 * The whole index anew, in the caller's transaction. FTS5's 'rebuild' would
 * read the content table's `content` column, not `coalesce(fts_text,
 * content)`, so the index is filled by one INSERT … SELECT instead, the same
 * work on an empty index. Word counts of re-folded memories changed, so the
 * text timeline's checkpoint goes when any did.
 */
function rebuildAtOnce(sql: Sql): void {
  for (const statement of [
    ...DROP_TRIGGERS(INDEX),
    ...DROP_TRIGGERS(NEXT),
    `DROP TABLE IF EXISTS ${NEXT}`,
    'DROP TABLE IF EXISTS fts_old_text',
    'DROP TABLE IF EXISTS fts_rebuild',
    'DROP TABLE IF EXISTS memories_vocab',
    `DROP TABLE IF EXISTS ${INDEX}`,
  ])
    sql.run(statement);
  const changed = indexFoldedText(sql, 'true');
  for (const statement of FULL_TEXT_INDEX) sql.run(statement);
  sql.run(
    `INSERT INTO ${INDEX} (rowid, content) SELECT seq, coalesce(fts_text, content) FROM memories`,
  );
  if (changed > 0) sql.run('DELETE FROM text_pages');
  new MetaTable(sql).delete(REBUILD_DUE_KEY);
}

/** Whether a rebuild in slices is under way (its state table exists). */
export function rebuildUnderWay(sql: Sql): boolean {
  return (
    sql.first(
      "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = 'fts_rebuild'",
    ) !== null
  );
}

function startRebuild(sql: Sql): void {
  for (const statement of [
    ...DROP_TRIGGERS(INDEX),
    ...DROP_TRIGGERS(NEXT),
    `DROP TABLE IF EXISTS ${NEXT}`,
    'CREATE TABLE IF NOT EXISTS fts_old_text (seq INTEGER PRIMARY KEY, text TEXT NOT NULL)',
    'DROP TABLE IF EXISTS fts_rebuild',
    `CREATE TABLE fts_rebuild (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      cursor INTEGER NOT NULL,
      last INTEGER NOT NULL,
      changed INTEGER NOT NULL DEFAULT 0
    )`,
    'INSERT INTO fts_rebuild (id, cursor, last) SELECT 1, 0, coalesce(MAX(seq), 0) FROM memories',
    ...OLD_INDEX_TRIGGERS,
    createIndex(NEXT),
    ...indexTriggers(NEXT, IN_NEXT),
  ])
    sql.run(statement);
  new MetaTable(sql).set(REBUILD_DUE_KEY, Date.now());
}

/** What one slice did: rows it indexed, and whether the rebuild is now complete (swapped). */
export interface RebuildSlice {
  rows: number;
  done: boolean;
}

/**
 * One slice of a rebuild under way, in the caller's transaction: the next
 * `limit` rows by `seq` get today's `fts_text` (their old text set aside
 * when it changes) and join the new index; the last slice swaps the
 * indexes. The caller forgets what it holds in memory of the index when
 * `done` (postings, vocabulary, word counts: hot-index.ts `forget`).
 */
export function rebuildSlice(sql: Sql, limit = REBUILD_SLICE_ROWS): RebuildSlice {
  if (!rebuildUnderWay(sql)) {
    new MetaTable(sql).delete(REBUILD_DUE_KEY);
    return { rows: 0, done: true };
  }
  const state = sql.first<{ cursor: number; last: number }>(
    'SELECT cursor, last FROM fts_rebuild',
  )!;
  const rows = sql.all<{ seq: number; content: string; fts_text: string | null; maybe: number }>(
    `SELECT seq, content, fts_text, ${MAY_NEED_FTS_TEXT} AS maybe FROM memories
     WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?`,
    state.cursor,
    state.last,
    limit,
  );
  let changed = 0;
  for (const { seq, content, fts_text: before, maybe } of rows) {
    if (maybe === 0) continue;
    const text = ftsText(content);
    if (text === before) continue;
    // Set aside first: the old index's update trigger then leaves the row alone.
    sql.run('INSERT OR IGNORE INTO fts_old_text (seq, text) VALUES (?, ?)', seq, before ?? content);
    sql.run('UPDATE memories SET fts_text = ? WHERE seq = ?', text, seq);
    changed++;
  }
  const cursor = rows.length < limit ? state.last : rows.at(-1)!.seq;
  sql.run(
    `INSERT INTO ${NEXT} (rowid, content)
     SELECT seq, coalesce(fts_text, content) FROM memories WHERE seq > ? AND seq <= ?`,
    state.cursor,
    cursor,
  );
  sql.run('UPDATE fts_rebuild SET cursor = ?, changed = changed + ? WHERE id = 1', cursor, changed);
  if (cursor < state.last) return { rows: rows.length, done: false };
  swap(sql);
  return { rows: rows.length, done: true };
}

/** The new index takes the old one's name, triggers and postings view; the old goes. */
function swap(sql: Sql): void {
  // Word counts changed for re-folded rows, and for rows written meanwhile
  // with `fts_text` (the old index split it with the old tokenizer).
  const { changed } = sql.first<{ changed: number }>(
    `SELECT changed + EXISTS (SELECT 1 FROM memories
       WHERE seq > (SELECT last FROM fts_rebuild) AND fts_text IS NOT NULL) AS changed
     FROM fts_rebuild`,
  )!;
  for (const statement of [
    ...DROP_TRIGGERS(INDEX),
    ...DROP_TRIGGERS(NEXT),
    'DROP TABLE memories_vocab',
    `DROP TABLE ${INDEX}`,
    'DROP TABLE fts_old_text',
    'DROP TABLE fts_rebuild',
    `ALTER TABLE ${NEXT} RENAME TO ${INDEX}`,
    ...indexTriggers(INDEX),
    POSTINGS_VIEW,
  ])
    sql.run(statement);
  if (changed > 0) sql.run('DELETE FROM text_pages');
  new MetaTable(sql).delete(REBUILD_DUE_KEY);
}
