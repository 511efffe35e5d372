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
  const seqs: number[] = [];
  for (const { statement, values } of multiRowStatements(table, columns, rows)) {
    const returned = sql
      .all<{ seq: number }>(`${statement} RETURNING seq`, ...values)
      .map((row) => row.seq)
      .sort((a, b) => a - b);
    seqs.push(...returned);
  }
  return seqs;
}

/** `insertRows` for a table without a `seq` key (nothing is returned). */
export function insertPlainRows(
  sql: Sql,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly SqlValue[])[],
): void {
  for (const { statement, values } of multiRowStatements(table, columns, rows))
    sql.run(statement, ...values);
}

/** The multi-row `INSERT … VALUES` statements that bind `rows` within the parameter limit. */
function* multiRowStatements(
  table: string,
  columns: readonly string[],
  rows: readonly (readonly SqlValue[])[],
): Generator<{ statement: string; values: SqlValue[] }> {
  const perStatement = rowsPerStatement(columns);
  const placeholders = `(${columns.map(() => '?').join(', ')})`;
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    yield {
      statement: `INSERT INTO ${table} (${columns.join(', ')})
         VALUES ${chunk.map(() => placeholders).join(', ')}`,
      values: chunk.flat(),
    };
  }
}

/** Rows of `columns` that one multi-row VALUES statement can bind. */
function rowsPerStatement(columns: readonly string[]): number {
  return Math.max(1, Math.floor(MAX_BOUND_PARAMETERS / columns.length));
}

/**
 * Most bytes of either parameter of one statement. The platform refuses a
 * string or BLOB over 2 MB; this leaves room, and a UTF-16 unit of the JSON
 * counts as 3 bytes (its UTF-8 worst case), so no row set near the limit is
 * sent.
 */
export const MAX_PARAMETER_BYTES = 1_000_000;

/**
 * Inserts rows with one statement per batch: `INSERT … SELECT … FROM
 * json_each(?1)`. For a table with a trigger (`memories` and its FTS5 index)
 * this is cheaper than `insertRows`: workerd prepares every `exec` anew and
 * compiles the trigger into each, so a batch of 100 paid that 10 times. For
 * a plain table the JSON costs more than the statements it saves (measured
 * in bench/bulk-store.bench.ts), so those keep `insertRows`. The
 * 100-parameter limit is kept by binding two values: the rows as one JSON
 * array of arrays (strings, numbers, null), and every BLOB of them back to
 * back in one BLOB, each BLOB cell standing in the JSON as `[offset, length]`
 * into it (`substr` of a BLOB is a BLOB, bytes as they were). JSON carries
 * text exactly (the caller's strings are well-formed UTF-16; `\u0000` comes
 * back as the NUL it was) and integers of up to 2^53 exactly, as the
 * rows' own columns need.
 *
 * A batch small enough for one multi-row VALUES statement is sent as that.
 *
 * Rows are inserted in array order (`ORDER BY key`), so the new rows' `seq`
 * (an AUTOINCREMENT key) rise in the order of `rows`; RETURNING's own order
 * is unspecified, hence the sort. Rows beyond `MAX_PARAMETER_BYTES` go into
 * further statements.
 */
export function insertRowsInOneStatement(
  sql: Sql,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly SqlValue[])[],
): number[] {
  // Rows that fit one VALUES statement go as one: for a few rows the JSON
  // costs more than it saves (measured: one row 0.12 ms this way, 0.05 ms so).
  if (rows.length <= rowsPerStatement(columns)) return insertRows(sql, table, columns, rows);
  const kinds = columnKinds(columns, rows);
  const statement = insertStatement(table, columns, kinds);
  // workerd refuses a parameter the statement does not read.
  const readsBlobs = kinds.some((kind) => kind !== 'value');
  const seqs: number[] = [];
  let json: string[] = [];
  let jsonBytes = 0;
  let blobs: Uint8Array[] = [];
  let blobBytes = 0;
  const flush = () => {
    if (json.length === 0) return;
    const returned = sql
      .all<{ seq: number }>(
        statement,
        `[${json.join(',')}]`,
        // A zero-length BLOB would bind as NULL and cut NULLs: never send one empty.
        ...(readsBlobs ? [concatBytes(blobs, Math.max(1, blobBytes))] : []),
      )
      .map((row) => row.seq)
      .sort((a, b) => a - b);
    seqs.push(...returned);
    json = [];
    jsonBytes = 0;
    blobs = [];
    blobBytes = 0;
  };
  for (const row of rows) {
    const bytes = row.map((value) =>
      value === null || typeof value === 'string' || typeof value === 'number'
        ? null
        : value instanceof Uint8Array
          ? value
          : new Uint8Array(value),
    );
    const rowBlobBytes = bytes.reduce((sum, blob) => sum + (blob?.byteLength ?? 0), 0);
    // A row is not sent with the statement it would take over the limit.
    if (json.length > 0 && blobBytes + rowBlobBytes > MAX_PARAMETER_BYTES) flush();
    let text = encodeRow(row, bytes, blobBytes);
    if (json.length > 0 && jsonBytes + 3 * text.length > MAX_PARAMETER_BYTES) {
      flush();
      text = encodeRow(row, bytes, 0); // offsets start again in the next BLOB
    }
    json.push(text);
    jsonBytes += 3 * text.length;
    for (const blob of bytes) if (blob !== null) blobs.push(blob);
    blobBytes += rowBlobBytes;
  }
  flush();
  return seqs;
}

/** One row as JSON, each BLOB as `[offset, length]` into the statement's BLOB from `offset`. */
function encodeRow(
  row: readonly SqlValue[],
  bytes: readonly (Uint8Array | null)[],
  offset: number,
): string {
  let at = offset;
  return JSON.stringify(
    row.map((value, column) => {
      const blob = bytes[column];
      if (blob === null || blob === undefined) return value;
      const cell = [at, blob.byteLength];
      at += blob.byteLength;
      return cell;
    }),
  );
}

/** What a column holds in this batch, for the cheapest expression that reads it. */
type ColumnKind = 'value' | 'blob' | 'mixed';

function columnKinds(
  columns: readonly string[],
  rows: readonly (readonly SqlValue[])[],
): ColumnKind[] {
  return columns.map((_, at) => {
    let blobs = false;
    let values = false;
    for (const row of rows) {
      const value = row[at] ?? null;
      if (value === null) continue;
      if (typeof value === 'string' || typeof value === 'number') values = true;
      else blobs = true;
    }
    return blobs ? (values ? 'mixed' : 'blob') : 'value';
  });
}

/**
 * The statement for `columns`: each cell read from its row's JSON array by
 * position, a BLOB cell (`[offset, length]`, a JSON array) cut from ?2.
 * Columns without BLOBs in this batch skip the BLOB test (JSON is re-read
 * per expression, so each one counts).
 */
function insertStatement(
  table: string,
  columns: readonly string[],
  kinds: readonly ColumnKind[],
): string {
  const cells = columns.map((_, at) => {
    const cut = `substr(?2, (value ->> '$[${at}][0]') + 1, value ->> '$[${at}][1]')`;
    switch (kinds[at]) {
      case 'blob':
        // NULL stays NULL: substr of a NULL offset is NULL.
        return cut;
      case 'mixed':
        return `CASE json_type(value, '$[${at}]') WHEN 'array' THEN ${cut} ELSE value ->> ${at} END`;
      default:
        return `value ->> ${at}`;
    }
  });
  return `INSERT INTO ${table} (${columns.join(', ')})
    SELECT ${cells.join(', ')} FROM json_each(?1) ORDER BY key RETURNING seq`;
}

/** Byte arrays back to back. */
function concatBytes(parts: readonly Uint8Array[], length: number): Uint8Array {
  const all = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.byteLength;
  }
  return all;
}
