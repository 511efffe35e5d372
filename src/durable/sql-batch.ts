import type { Sql, SqlValue } from './sql';

/**
 * Durable Object SQLite takes at most this many bound parameters per
 * statement (a documented limit of the platform).
 */
export const MAX_BOUND_PARAMETERS = 100;

/**
 * Inserts rows with as few statements as the parameter limit allows: one
 * multi-row `INSERT … VALUES (…), (…)` per chunk instead of one statement per
 * row. workerd prepares every `exec` anew, and a statement on `memories` also
 * compiles its FTS5 trigger, so preparing once per chunk is what makes a
 * batch of 100 cheap. Returns the new rows' `seq` (an AUTOINCREMENT key) in
 * the order of `rows`: within one statement they are handed out in VALUES
 * order, and RETURNING's own order is unspecified, hence the sort.
 */
export function insertRows(
  sql: Sql,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly SqlValue[])[],
): number[] {
  const perStatement = Math.max(1, Math.floor(MAX_BOUND_PARAMETERS / columns.length));
  const placeholders = `(${columns.map(() => '?').join(', ')})`;
  const seqs: number[] = [];
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    const returned = sql
      .all<{ seq: number }>(
        `INSERT INTO ${table} (${columns.join(', ')})
         VALUES ${chunk.map(() => placeholders).join(', ')} RETURNING seq`,
        ...chunk.flat(),
      )
      .map((row) => row.seq)
      .sort((a, b) => a - b);
    seqs.push(...returned);
  }
  return seqs;
}
