import { ftsText } from '../../text/tokens';
import type { Sql } from '../sqlite/sql';

/**
 * Gives the full-text index the words of memories with non-ASCII words as
 * the vault folds them (src/text/folded-words.ts; CJK runs split,
 * src/text/cjk.ts): `memories.fts_text`, which the FTS5 triggers index in
 * place of `content` when set. Memories of ASCII words keep it NULL and are
 * indexed from their content. New memories get it with their row
 * (vault-storage.ts `insert`); this fills it for rows that came without it
 * (a restore, a migration).
 */

const PAGE_ROWS = 1000;

/** Rows whose text has a character outside ASCII: fewer characters than bytes. */
export const MAY_NEED_FTS_TEXT = 'length(content) <> length(CAST(content AS BLOB))';

/**
 * Sets `fts_text` of the rows `where` selects among those with a non-ASCII
 * character, to what `ftsText` makes of their content now. The update trigger
 * re-indexes each row it changes, if the triggers exist. Returns how many it
 * changed; their word counts may have changed with them, so the caller drops
 * any checkpoint that recorded the old counts.
 */
export function indexFoldedText(sql: Sql, where = 'fts_text IS NULL'): number {
  let changed = 0;
  // A page of rows at a time: a big vault's texts are not all held at once.
  for (let after = 0; ;) {
    const rows = sql.all<{ seq: number; content: string; fts_text: string | null }>(
      `SELECT seq, content, fts_text FROM memories
       WHERE seq > ? AND (${where}) AND ${MAY_NEED_FTS_TEXT} ORDER BY seq LIMIT ${PAGE_ROWS}`,
      after,
    );
    for (const { seq, content, fts_text: before } of rows) {
      const text = ftsText(content);
      if (text === before) continue;
      sql.run('UPDATE memories SET fts_text = ? WHERE seq = ?', text, seq);
      changed++;
    }
    if (rows.length < PAGE_ROWS) return changed;
    after = rows.at(-1)!.seq;
  }
}
