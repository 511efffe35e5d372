import type { SqlValue } from '../sqlite/sql';
import type { MetadataFilter } from '../rpc/vault-types';

/**
 * Keys whose JSON path can be written into the statement as a literal: the
 * common case, and the cheaper one (SQLite goes to the key directly).
 */
export const PLAIN_METADATA_KEY = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A key a filter may name: any top-level key a store accepts that a person
 * could type (1–256 characters of well-formed text, no control characters):
 * `user.id`, `thème`, `user id` and `say "hi"` included.
 */
export function isFilterableMetadataKey(key: string): boolean {
  // eslint-disable-next-line no-control-regex
  return key.length >= 1 && key.length <= 256 && key.isWellFormed() && !/[\u0000-\u001f]/.test(key);
}

/**
 * SQL conditions (joined with AND) matching memories whose metadata holds every
 * key/value pair of the filter, with the JSON type respected: `true` matches a
 * JSON true, not the number 1, and `"1"` does not match 1.
 */
export function metadataConditions(
  filter: MetadataFilter | null,
  column = 'metadata',
): { sql: string[]; params: SqlValue[] } {
  const sql: string[] = [];
  const params: SqlValue[] = [];
  for (const [key, value] of Object.entries(filter ?? {})) {
    if (!isFilterableMetadataKey(key)) throw new Error('bad metadata key');
    if (!PLAIN_METADATA_KEY.test(key)) {
      // A JSON path cannot name every key (a dot or a quote in it would be
      // read as path syntax), so the other keys are matched as data: the
      // object's top-level entries, by label, with the same typed equality.
      const { test, param } = entryCondition(value);
      sql.push(`EXISTS (SELECT 1 FROM json_each(${column}) AS e WHERE e.key = ? AND ${test})`);
      params.push(key, ...param);
      continue;
    }
    const path = `'$."${key}"'`;
    if (value === null) {
      sql.push(`json_type(${column}, ${path}) = 'null'`);
    } else if (typeof value === 'boolean') {
      sql.push(`json_type(${column}, ${path}) = '${value ? 'true' : 'false'}'`);
    } else if (typeof value === 'number') {
      sql.push(
        `json_type(${column}, ${path}) IN ('integer', 'real')`,
        `json_extract(${column}, ${path}) = ?`,
      );
      params.push(value);
    } else {
      sql.push(`json_type(${column}, ${path}) = 'text'`, `json_extract(${column}, ${path}) = ?`);
      params.push(value);
    }
  }
  return { sql, params };
}

/** The typed equality of one `json_each` entry (`e`) with a filter's value. */
function entryCondition(value: MetadataFilter[string]): { test: string; param: SqlValue[] } {
  if (value === null) return { test: `e.type = 'null'`, param: [] };
  if (typeof value === 'boolean')
    return { test: `e.type = '${value ? 'true' : 'false'}'`, param: [] };
  if (typeof value === 'number')
    return { test: `e.type IN ('integer', 'real') AND e.value = ?`, param: [value] };
  return { test: `e.type = 'text' AND e.value = ?`, param: [value] };
}
