import { ftsText } from '../../text/cjk';
import type { Sql } from '../sqlite/sql';

/**
 * Gives the full-text index the split text of memories with Chinese,
 * Japanese or Korean runs (src/text/cjk.ts): `memories.fts_text`, which the
 * FTS5 triggers index in place of `content` when set. Other memories keep it
 * NULL and are indexed from their content, as they always were. New
 * memories get it with their row (vault-storage.ts `insert`); this fills it
 * for rows that came without it.
 */

/**
 * Code points that may start a CJK run (a superset of cjk.ts's scripts, for
 * SQLite's GLOB to skip the rows that cannot hold one without reading them
 * in JavaScript): Hangul Jamo; CJK radicals to Hangul Jamo Extended-A
 * (kana, Bopomofo, Hangul compatibility, Extension A, Unified Ideographs);
 * Hangul syllables to the half- and full-width forms; kana and ideograph supplements. Few ranges:
 * Durable Objects' SQLite refused a pattern of eight ranges (64 bytes) as
 * "too complex" (its pattern length limit); these five make 43 bytes.
 */
const CJK_RANGES: [number, number][] = [
  [0x1100, 0x11ff],
  [0x2e80, 0xa97f],
  [0xac00, 0xffef],
  [0x16fe0, 0x1b2ff],
  [0x20000, 0x3ffff],
];
const MAY_HOLD_CJK = `*[${CJK_RANGES.map(
  ([from, to]) => `${String.fromCodePoint(from)}-${String.fromCodePoint(to)}`,
).join('')}]*`;

/**
 * Memories written before the index read CJK runs as characters and pairs:
 * sets their `fts_text`, which re-indexes them (the update trigger). Returns
 * how many it changed; their word counts changed with them, so the caller
 * drops any checkpoint that recorded the old counts.
 */
export function indexExistingCjkRows(sql: Sql): number {
  let changed = 0;
  const rows = sql.all<{ seq: number; content: string }>(
    'SELECT seq, content FROM memories WHERE fts_text IS NULL AND content GLOB ?',
    MAY_HOLD_CJK,
  );
  for (const { seq, content } of rows) {
    const text = ftsText(content);
    if (text === null) continue;
    sql.run('UPDATE memories SET fts_text = ? WHERE seq = ?', text, seq);
    changed++;
  }
  return changed;
}
