import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { Sql } from '../../src/durable/sqlite/sql';
import { insertRowsInOneStatement, MAX_PARAMETER_BYTES } from '../../src/durable/sqlite/sql-batch';
import { freshAddress, vaultStub } from '../helpers/vaults';

/**
 * `insertRowsInOneStatement` sends a batch as one JSON array and one BLOB
 * (sql-batch.ts). Every value must arrive exactly as bound one by one would
 * have: text that JSON escapes, integers near 2^53, reals, NULL, BLOBs of
 * any length (empty included) next to each other, and rows past the
 * parameter size split into further statements without losing their order.
 */
const AWKWARD_TEXTS = [
  'plain',
  'quotes " and \' and \\ backslashes \\n not a newline',
  'real newline\nand tab\t and CR\r',
  'NUL \u0000 inside',
  'emoji 🧠 and CJK 記憶 and combining é',
  'line separators \u2028 \u2029',
  '[1, 2] looks like JSON',
  '{"a": 1}',
  '   leading and trailing spaces   ',
  '0',
  '',
];

interface Stored extends Record<string, SqlStorageValue> {
  seq: number;
  label: string;
  body: string | null;
  n: number | null;
  blob: ArrayBuffer | null;
  other: ArrayBuffer | null;
}

function bytes(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + seed * 7) & 255);
}

async function roundTrip(rows: (string | number | Uint8Array | null)[][]) {
  return runInDurableObject(vaultStub(freshAddress()), (_, state) => {
    const sql = new Sql(state.storage.sql);
    sql.run(
      `CREATE TABLE IF NOT EXISTS batch_probe (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, label TEXT, body, n, blob, other)`,
    );
    const seqs = state.storage.transactionSync(() =>
      insertRowsInOneStatement(sql, 'batch_probe', ['label', 'body', 'n', 'blob', 'other'], rows),
    );
    const stored = sql.all<Stored>(
      'SELECT seq, label, body, n, blob, other, typeof(body) AS bodyType, typeof(n) AS nType, typeof(blob) AS blobType FROM batch_probe ORDER BY seq',
    );
    return { seqs, stored };
  });
}

describe('insertRowsInOneStatement', () => {
  it('stores every kind of value exactly, in the order given', async () => {
    // Past one VALUES statement's worth of rows (20 of 5 columns), so JSON carries them.
    const texts = [...AWKWARD_TEXTS, ...AWKWARD_TEXTS, ...AWKWARD_TEXTS];
    const rows = texts.map((text, i) => [
      `row ${i}`,
      text,
      [0, -1, 2 ** 53 - 1, 1_764_000_000_123, 0.5, -3.25, 1e-7][i % 7]!,
      [bytes(1_536, i), new Uint8Array(0), null][i % 3]!,
      i % 2 === 0 ? bytes(i * 5, i + 1) : null,
    ]);
    const { seqs, stored } = await roundTrip(rows);
    expect(seqs).toEqual(stored.map((row) => row.seq));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(stored.map((row) => row.label)).toEqual(rows.map((row) => row[0]));
    expect(stored.map((row) => row.body)).toEqual(texts);
    expect(stored.map((row) => row.bodyType)).toEqual(texts.map(() => 'text'));
    expect(stored.map((row) => row.n)).toEqual(rows.map((row) => row[2]));
    expect(stored.map((row) => row.nType)).toEqual(
      rows.map((row) => (Number.isInteger(row[2]) ? 'integer' : 'real')),
    );
    const asBytes = (value: ArrayBuffer | null) =>
      value === null ? null : [...new Uint8Array(value)];
    const expectedBytes = (value: unknown) => (value === null ? null : [...(value as Uint8Array)]);
    expect(stored.map((row) => asBytes(row.blob))).toEqual(
      rows.map((row) => expectedBytes(row[3])),
    );
    expect(stored.map((row) => row.blobType)).toEqual(
      rows.map((row) => (row[3] === null ? 'null' : 'blob')),
    );
    expect(stored.map((row) => asBytes(row.other))).toEqual(
      rows.map((row) => expectedBytes(row[4])),
    );
  });

  it('keeps empty BLOBs empty (not NULL) when the batch has no other bytes', async () => {
    // A batch stored during a re-embedding: every embedding is empty.
    const { stored } = await roundTrip(
      Array.from({ length: 30 }, (_, i) => [`row ${i}`, 'x', i, new Uint8Array(0), null]),
    );
    expect(stored.map((row) => [row.blobType, row.blob?.byteLength])).toEqual(
      Array.from({ length: 30 }, () => ['blob', 0]),
    );
  });

  it('splits a batch past the parameter size into statements, same rows, same order', async () => {
    // 24 rows, each about a tenth of the limit in text and in BLOB: three statements.
    const rows = Array.from({ length: 24 }, (_, i) => [
      `big ${i}`,
      `${i % 10}`.repeat(Math.floor(MAX_PARAMETER_BYTES / 3 / 10)),
      i,
      bytes(Math.floor(MAX_PARAMETER_BYTES / 10), i),
      null,
    ]);
    const { seqs, stored } = await roundTrip(rows);
    expect(seqs).toHaveLength(24);
    expect(seqs).toEqual(stored.map((row) => row.seq));
    expect(stored.map((row) => row.label)).toEqual(rows.map((row) => row[0]));
    expect(stored.map((row) => (row.body as string).length)).toEqual(
      rows.map((row) => (row[1] as string).length),
    );
    stored.forEach((row, i) => {
      expect(new Uint8Array(row.blob!)).toEqual(rows[i]![3]);
    });
  });
});
