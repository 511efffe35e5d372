/**
 * What the stored-order listing and idempotency keys cost a write, measured
 * in turns within one run (ratios hold on a shared machine):
 *
 * - the time index: the same rows inserted into a table indexed on
 *   (created_at, id), the index listings used before, and one indexed on
 *   (created_at, seq), the one they use now, inside a vault object's SQLite;
 * - `storeMemory` through GraphQL without an idempotency key and with a new
 *   one per call (the key's lookup and its rows in the write's transaction).
 */
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { it } from 'vitest';
import { randomId } from '../src/core/encoding';
import { graphql, memoryKey } from './recall/bench-api';

/** Rows a sample inserts: enough that workerd's millisecond clock resolves a sample. */
const ROWS = 4_000;
const SAMPLES = 20;
const STORE_ONE =
  'mutation($input: StoreMemoryInput!, $key: String) { storeMemory(input: $input, idempotencyKey: $key) { id } }';

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

it('time index: (created_at, id) against (created_at, seq)', async () => {
  const vault = env.VAULT.get(env.VAULT.idFromName('bench-write-order'));
  const { before, after, timeOnly, plan } = await runInDurableObject(vault, (_, state) => {
    const sql = state.storage.sql;
    const layouts = ['by_id', 'by_seq', 'by_time'].map((name) => {
      sql.exec(`DROP TABLE IF EXISTS rows_${name}`);
      sql.exec(`CREATE TABLE rows_${name} (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
        content TEXT NOT NULL, created_at INTEGER NOT NULL)`);
      sql.exec(
        `CREATE INDEX rows_${name}_time ON rows_${name} (created_at${{ by_id: ', id', by_seq: ', seq', by_time: '' }[name]})`,
      );
      return name;
    });
    const samples = layouts.map(() => [] as number[]);
    const now = Date.now();
    for (let s = 0; s < SAMPLES; s++) {
      // The same rows for both tables: one batch's time, random ids.
      const rows = Array.from({ length: ROWS }, (_, i) => [
        randomId(),
        `note ${s}-${i}: the user mentioned a topic today`,
        now + s,
      ]);
      // Alternate which table goes first, so neither always meets a warm cache.
      const order = s % 2 === 0 ? layouts : [...layouts].reverse();
      order.forEach((name) => {
        const l = layouts.indexOf(name);
        const started = performance.now();
        state.storage.transactionSync(() => {
          for (const [id, content, at] of rows)
            sql.exec(
              `INSERT INTO rows_${name} (id, content, created_at) VALUES (?, ?, ?)`,
              id!,
              content!,
              at!,
            );
        });
        samples[l]!.push((performance.now() - started) / rows.length);
      });
    }
    const plan = sql
      .exec(
        'EXPLAIN QUERY PLAN SELECT id FROM rows_by_time WHERE (created_at, seq) > (?, ?) ORDER BY created_at, seq LIMIT 5',
        now,
        1,
      )
      .toArray()
      .map((row) => String(row.detail));
    const [byId, bySeq, byTime] = samples.map(median) as [number, number, number];
    return { before: byId, after: bySeq, timeOnly: byTime, plan };
  });
  console.log(
    [
      '',
      'Write cost of the listing index — rows inserted in turns into two tables, one vault object',
      `  (created_at, id)   p50 ${(before * 1000).toFixed(1)} µs a row`,
      `  (created_at, seq)  p50 ${(after * 1000).toFixed(1)} µs a row   ${(after / before).toFixed(2)}× (created_at, id)`,
      `  (created_at)       p50 ${(timeOnly * 1000).toFixed(1)} µs a row   ${(timeOnly / before).toFixed(2)}× (created_at, id); listing plan: ${plan.join('; ')}`,
      `  (samples: ${ROWS} rows in one transaction each, ${SAMPLES} per table, in alternating order)`,
      '',
    ].join('\n'),
  );
});

it('storeMemory without and with an idempotency key', async () => {
  const secret = await memoryKey();
  let counter = 0;
  const store = (keyed: boolean) =>
    graphql(secret, STORE_ONE, {
      input: {
        content: `note ${counter++}: the user mentioned topic ${counter % 17} today`,
        vault: { kind: 'SESSION', id: 'bench-keys' },
      },
      key: keyed ? `key-${counter}` : null,
    });
  await store(false);
  await store(true);
  const samples = [[], []] as number[][];
  for (let s = 0; s < SAMPLES; s++) {
    for (const keyed of [false, true]) {
      const started = Date.now();
      for (let b = 0; b < 5; b++) await store(keyed);
      samples[keyed ? 1 : 0]!.push((Date.now() - started) / 5);
    }
  }
  const [plain, keyed] = samples.map(median);
  console.log(
    [
      '',
      'storeMemory through GraphQL, in turns',
      `  without a key      p50 ${plain!.toFixed(2)} ms`,
      `  with a new key     p50 ${keyed!.toFixed(2)} ms   ${(keyed! / plain!).toFixed(2)}× without`,
      `  (samples are means of 5 calls, ${SAMPLES} each)`,
      '',
    ].join('\n'),
  );
});
