/**
 * The hot tier at capacity and on real queries, inside workerd:
 *
 * - a 250,000 × 384 vault (random unit vectors, the hard case for codes):
 *   warm search, cold load, hot memory, and top-10 agreement with an exact
 *   float64 scan of the same stored vectors;
 * - real queries: every question of a LoCoMo-format file (LOCOMO_FILE, see
 *   vitest.config.ts) against every turn, embedded with the offline embedder,
 *   for both ways of re-scoring (float32 block kept, or vectors from storage).
 *
 * Latency samples are means of a few consecutive searches (workerd's clock
 * ticks in whole milliseconds).
 */
import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { inject, it } from 'vitest';
import { createEmbedder } from '../src/embed';
import { CALLER_SUPPLIED_MODEL } from '../src/embed/embedder';
import { isolateHotBytes } from '../src/durable/hot-budget';
import type { VaultObject } from '../src/durable/vault-object';
import { VectorIndex } from '../src/durable/vector-index';
import { MAX_STORE_BATCH } from '../src/core/limits';
import { vaultObjectName, type VaultAddress } from '../src/vaults/address';
import { randomUnitVector, seededRandom as random } from '../test/helpers/random';
import type {} from './recall/provided';
import { ExactTopK, agreement, mib, ms, pct, percentile } from './measure';

const ROWS = 250_000;
const DIMS = 384;
const K = 10;
const QUERIES = 40;

/** The float32 scan of every row, the 10,000-row benchmark's yardstick. */
interface FloatScan {
  topRowsExactScan(query: Float32Array, start: number, count: number, k: number): unknown;
}

interface VaultInternals {
  hot: { vectors(): VectorIndex | null };
}

function timed<T>(inputs: T[], batch: number, samples: number, run: (input: T) => void) {
  const out: number[] = [];
  let i = 0;
  for (let s = 0; s < samples; s++) {
    const started = performance.now();
    for (let b = 0; b < batch; b++) run(inputs[i++ % inputs.length]!);
    out.push((performance.now() - started) / batch);
  }
  return out;
}

it(`hot tier at ${ROWS} × ${DIMS}`, async () => {
  const next = random(250);
  const address: VaultAddress = { kind: 'CORE', keyId: 'bench-250k', externalId: null };
  const stub = env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address)));
  const now = Date.now();
  const storing = performance.now();
  for (let start = 0; start < ROWS; start += MAX_STORE_BATCH) {
    const stored = await stub.store(address, {
      memories: Array.from({ length: MAX_STORE_BATCH }, (_, i) => ({
        content: `m${start + i}`,
        role: 'USER' as const,
        metadata: null,
        createdAt: now - (ROWS - start - i) * 1000,
        tokens: 1,
        vector: randomUnitVector(next, DIMS),
        callerVector: true,
      })),
      model: CALLER_SUPPLIED_MODEL,
      dimensions: DIMS,
    });
    if (!stored.ok) throw new Error(stored.message);
  }
  const storeSeconds = (performance.now() - storing) / 1000;
  const queries = Array.from({ length: QUERIES }, () => randomUnitVector(next, DIMS));

  const coldLoad = async () => {
    await evictDurableObject(stub);
    return runInDurableObject(stub, (instance: VaultObject) => {
      const started = performance.now();
      (instance as unknown as VaultInternals).hot.vectors();
      return performance.now() - started;
    });
  };
  const rebuild = await coldLoad();
  await runInDurableObject(stub, (instance: VaultObject) => instance.checkpoint());
  const loads: number[] = [];
  for (let i = 0; i < 5; i++) loads.push(await coldLoad());

  const report = await runInDurableObject(stub, (instance: VaultObject, state) => {
    const index = (instance as unknown as VaultInternals).hot.vectors()!;
    const { start, end } = index.range(null, Date.now());
    // The exact answer, streamed from the stored float32 vectors (they do not fit in memory).
    const exact = new ExactTopK(queries, K);
    for (const row of state.storage.sql.exec<{ seq: number; embedding: ArrayBuffer }>(
      'SELECT seq, embedding FROM memories ORDER BY seq',
    )) {
      exact.add(row.seq, new Float32Array(row.embedding));
    }
    const got = queries.map((query) => index.search(query, start, end, K).map((hit) => hit.seq));
    const agreed = agreement(
      got,
      queries.map((_, q) => exact.top(q)),
    );
    const isolateBytes = isolateHotBytes(); // before the yardstick joins the isolate
    // The yardstick of the 10,000-row benchmark, in turn with the search so
    // both meet the same load: the float32 scan of 10,000 rows.
    const yardstick = new VectorIndex(DIMS, {});
    const small = random(10);
    yardstick.insert(
      Array.from({ length: 10_000 }, (_, i) => ({
        seq: i + 1,
        createdAt: i,
        vector: randomUnitVector(small, DIMS),
      })),
    );
    const scanOf = yardstick as unknown as FloatScan;
    const search: number[] = [];
    const scan: number[] = [];
    for (let s = 0; s < 20; s++) {
      search.push(...timed(queries.slice(s), 4, 1, (query) => index.search(query, start, end, K)));
      scan.push(
        ...timed(queries.slice(s), 25, 1, (query) =>
          scanOf.topRowsExactScan(query, 0, yardstick.size, K),
        ),
      );
    }
    return {
      scan,
      ratios: search.map((time, i) => time / scan[i]!),
      agreed,
      search,
      rows: end - start,
      memoryBytes: index.memoryBytes,
      isolateBytes,
      holdsFloats: index.holdsFloats,
    };
  });

  console.log(
    [
      '',
      `MemoryRouter hot tier — ${report.rows} × ${DIMS} random unit vectors, top ${K}, one window over every row`,
      `  warm search                          p50 ${ms(percentile(report.search, 50))}   p99 ${ms(percentile(report.search, 99))}`,
      `  ÷ float32 scan of 10,000 rows, in turn p50 ${percentile(report.ratios, 50).toFixed(1)}   (scan p50 ${ms(percentile(report.scan, 50))}; 8 ms at its quiet 0.48 ms is 16.7)`,
      `  agreement with the exact float64 scan ${pct(report.agreed.ids)} of top-${K} ids; ${report.agreed.identical}/${report.agreed.queries} queries identical`,
      `  hot index memory                     ${mib(report.memoryBytes)} (float32 block ${report.holdsFloats ? 'kept' : 'dropped'}; isolate total ${mib(report.isolateBytes)})`,
      `  cold load from checkpoint            p50 ${ms(percentile(loads, 50))}   min ${ms(Math.min(...loads))}`,
      `  cold rebuild row by row              ${ms(rebuild)} (no checkpoint yet)`,
      `  stored in                            ${storeSeconds.toFixed(1)} s (${Math.round(ROWS / storeSeconds)} memories/s through the object's store RPC)`,
      '',
    ].join('\n'),
  );
});

it('hot tier on real queries (LoCoMo questions against their turns)', async () => {
  const conversations = inject('conversations');
  if (conversations.length === 0) {
    console.log('\n  no LoCoMo file (LOCOMO_FILE): real-query agreement skipped\n');
    return;
  }
  const embedder = createEmbedder(env);
  const turns = conversations.flatMap((c) => c.turns.map((t) => `${t.speaker}: ${t.text}`));
  const questions = conversations.flatMap((c) => c.questions.map((q) => q.question));
  const vectors: Float32Array[] = [];
  for (let i = 0; i < turns.length; i += 100) {
    vectors.push(...(await embedder.embedPassages(turns.slice(i, i + 100))));
  }
  const queries: Float32Array[] = [];
  for (let i = 0; i < questions.length; i += 100) {
    queries.push(...(await embedder.embedQueries(questions.slice(i, i + 100))));
  }
  const exact = new ExactTopK(queries, K);
  vectors.forEach((vector, i) => exact.add(i + 1, vector));
  const expected = queries.map((_, q) => exact.top(q));
  const lines: string[] = [];
  for (const [name, floatBlockBytes] of [
    ['float32 block kept', 64 << 20],
    ['re-scored from storage', 0],
  ] as const) {
    const index = new VectorIndex(embedder.dimensions, {
      exact: (seqs) => new Map(seqs.map((seq) => [seq, vectors[seq - 1]!])),
      floatBlockBytes,
    });
    // As a vault rebuilt from its rows is: calibrated on a sample first.
    index.calibrate(vectors.filter((_, i) => i % 2 === 0));
    index.insert(vectors.map((vector, i) => ({ seq: i + 1, createdAt: i, vector })));
    const got = queries.map((query) => index.search(query, 0, index.size, K).map((hit) => hit.seq));
    const agreed = agreement(got, expected);
    lines.push(
      `  ${name.padEnd(24)} ${pct(agreed.ids)} of top-${K} ids; ${agreed.identical}/${agreed.queries} queries identical`,
    );
  }
  console.log(
    [
      '',
      `MemoryRouter hot tier on real queries — ${questions.length} LoCoMo questions × ${turns.length} turns, ${embedder.model}, one window over every turn (codes, then exact re-score)`,
      ...lines,
      '',
    ].join('\n'),
  );
});
