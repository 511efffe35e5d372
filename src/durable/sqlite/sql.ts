/**
 * A thin typed layer over a Durable Object's SQLite: parameterised statements,
 * typed rows, and versioned idempotent migrations recorded in a meta table.
 */
export type SqlValue = string | number | null | ArrayBuffer | Uint8Array;

export class Sql {
  constructor(private readonly sql: SqlStorage) {}

  all<Row extends Record<string, SqlStorageValue>>(query: string, ...params: SqlValue[]): Row[] {
    return this.sql.exec<Row>(query, ...params).toArray();
  }

  first<Row extends Record<string, SqlStorageValue>>(
    query: string,
    ...params: SqlValue[]
  ): Row | null {
    const rows = this.sql.exec<Row>(query, ...params).toArray();
    return rows[0] ?? null;
  }

  run(query: string, ...params: SqlValue[]): number {
    return this.sql.exec(query, ...params).rowsWritten;
  }

  cursor<Row extends Record<string, SqlStorageValue>>(
    query: string,
    ...params: SqlValue[]
  ): SqlStorageCursor<Row> {
    return this.sql.exec<Row>(query, ...params);
  }

  get databaseSize(): number {
    return this.sql.databaseSize;
  }
}

export interface Migration {
  version: number;
  statements: string[];
  /** Work SQL alone cannot do (text computed in JavaScript), run after the statements in their transaction. */
  run?: (sql: Sql) => void;
}

/** Key/value settings that live beside the data (schema version, model, …). */
export class MetaTable {
  constructor(private readonly sql: Sql) {
    sql.run('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
  }

  get(key: string): string | null {
    return (
      this.sql.first<{ value: string }>('SELECT value FROM meta WHERE key = ?', key)?.value ?? null
    );
  }

  set(key: string, value: string | number): void {
    this.sql.run(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      key,
      String(value),
    );
  }

  delete(key: string): void {
    this.sql.run('DELETE FROM meta WHERE key = ?', key);
  }

  /** Every setting, in one query. */
  entries(): Map<string, string> {
    return new Map(
      this.sql
        .all<{ key: string; value: string }>('SELECT key, value FROM meta')
        .map(({ key, value }) => [key, value]),
    );
  }
}

/**
 * Applies every migration newer than the recorded schema version, each in its
 * own transaction together with the version bump, so a crash mid-way leaves
 * either the old schema or the new one.
 */
export function migrate(storage: DurableObjectStorage, migrations: readonly Migration[]): void {
  const sql = new Sql(storage.sql);
  const meta = new MetaTable(sql);
  const current = Number(meta.get('schema_version') ?? 0);
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    storage.transactionSync(() => {
      for (const statement of migration.statements) sql.run(statement);
      migration.run?.(sql);
      meta.set('schema_version', migration.version);
    });
  }
}
