import type { SqlValue } from '../sqlite/sql';
import type { MetadataFilter } from '../rpc/vault-types';

/** Top-level metadata keys a filter may name; keeps the JSON path literal safe. */
export const METADATA_KEY = /^[A-Za-z0-9_-]{1,64}$/;

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
    if (!METADATA_KEY.test(key)) throw new Error(`bad metadata key ${key}`);
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
