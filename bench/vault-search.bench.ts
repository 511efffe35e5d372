/**
 * Warm search and cold load of a 10,000 × 384 vault, inside workerd.
 *
 * workerd's clock ticks in whole milliseconds, so a latency sample is the mean
 * of a batch of consecutive searches (BATCH different queries); p50 and p99
 * are taken over those samples. The plain-JavaScript scalar scan of the same
 * rows is measured the same way in the same run, for comparison.
 */
import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { it } from 'vitest';
import { CALLER_SUPPLIED_MODEL } from '../src/embed/embedder';
import type { VaultObject } from '../src/durable/vault-object';
import type { VectorIndex } from '../src/durable/vector-index';
import { MAX_STORE_BATCH } from '../src/limits';
import { vaultObjectName, type VaultAddress } from '../src/vaults/address';
import { randomUnitVector, seededRandom as random } from '../test/helpers/random';

const ROWS = 10_000;
const DIMS = 384;
const K = 10;
const BATCH = 25;
const SAMPLES = 120;
const QUERIES = 200;

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function sample(run: (query: Float32Array) => void, queries: Float32Array[]): number[] {
  const samples: number[] = [];
  let q = 0;
  for (let s = 0; s < SAMPLES; s++) {
    const started = performance.now();
    for (let b = 0; b < BATCH; b++) run(queries[q++ % queries.length]!);
    samples.push((performance.now() - started) / BATCH);
  }
  return samples;
}

/** Internals the benchmark reaches into; not part of the object's RPC surface. */
interface VaultInternals {
  /** The in-memory index's lifecycle: `vectors()` loads it on first use. */
  hot: { vectors(): VectorIndex | null };
}

it('vault search and load, 10,000 × 384', async () => {
  const next = random(2026);
  const address: VaultAddress = { kind: 'CORE', keyId: 'bench', externalId: null };
  const stub = env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address)));
  const now = Date.now();
  for (let start = 0; start < ROWS; start += MAX_STORE_BATCH) {
    const memories = Array.from({ length: MAX_STORE_BATCH }, (_, i) => ({
      content: `benchmark memory ${start + i}`,
      role: 'USER' as const,
      metadata: null,
      createdAt: now - (ROWS - start - i) * 1000,
      tokens: 3,
      vector: randomUnitVector(next, DIMS),
      callerVector: true,
    }));
    const stored = await stub.store(address, {
      memories,
      model: CALLER_SUPPLIED_MODEL,
      dimensions: DIMS,
    });
    if (!stored.ok) throw new Error(stored.message);
  }
  const queries = Array.from({ length: QUERIES }, () => randomUnitVector(next, DIMS));

  // Cold load: each sample evicts the object, so the index is built by a fresh
  // instance, as after a restart: first row by row (no checkpoint yet), then
  // from the checkpoint the alarm writes once writes settle.
  const measureColdLoad = async () => {
    await evictDurableObject(stub);
    return runInDurableObject(stub, (instance: VaultObject) => {
      const started = performance.now();
      (instance as unknown as VaultInternals).hot.vectors();
      return performance.now() - started;
    });
  };
  const rebuilds: number[] = [];
  for (let i = 0; i < 5; i++) rebuilds.push(await measureColdLoad());
  await runInDurableObject(stub, (instance: VaultObject) => instance.checkpoint());
  const loads: number[] = [];
  for (let i = 0; i < 21; i++) loads.push(await measureColdLoad());

  const report = await runInDurableObject(stub, (instance: VaultObject) => {
    const index = (instance as unknown as VaultInternals).hot.vectors()!;
    const { start, end } = index.range(null, Date.now());

    // The plain scalar scan, on a copy of the same rows in a JS Float32Array.
    const rows = new Float32Array(ROWS * DIMS);
    const ids: string[] = [];
    for (let row = 0; row < ROWS; row++) {
      const hit = index.search(queries[0]!, row, row + 1, 1)[0]!;
      ids.push(hit.id);
    }
    const memory = new Float32Array(
      (index as unknown as { kernel: { memory: WebAssembly.Memory } }).kernel.memory.buffer,
    );
    const vectorsOffset = (index as unknown as { vectorsOffset: number }).vectorsOffset / 4;
    rows.set(memory.subarray(vectorsOffset, vectorsOffset + ROWS * DIMS));

    // Same loop shape as the kernel's job: score every row, keep the top K.
    const scalarScan = (query: Float32Array) => {
      const best: { row: number; score: number }[] = [];
      for (let row = 0; row < ROWS; row++) {
        let sum = 0;
        const offset = row * DIMS;
        for (let j = 0; j < DIMS; j++) sum += query[j]! * rows[offset + j]!;
        if (best.length === K && sum <= best[K - 1]!.score) continue;
        best.push({ row, score: sum });
        best.sort((a, b) => b.score - a.score);
        if (best.length > K) best.pop();
      }
      return best.map(({ row }) => ids[row]!);
    };
    const referenceScan = (query: Float32Array) => {
      const scores = new Float64Array(ROWS);
      for (let row = 0; row < ROWS; row++) {
        let sum = 0;
        const offset = row * DIMS;
        for (let j = 0; j < DIMS; j++) sum += query[j]! * rows[offset + j]!;
        scores[row] = sum;
      }
      const order = Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]! || b - a);
      return order.slice(0, K).map((row) => ids[row]!);
    };

    let mismatches = 0;
    for (const query of queries) {
      const got = index.search(query, start, end, K).map((hit) => hit.id);
      if (got.join() !== referenceScan(query).join()) mismatches++;
    }

    for (let i = 0; i < 20; i++) index.search(queries[i]!, start, end, K); // warm-up
    const simd = sample((query) => index.search(query, start, end, K), queries);
    const scalar = sample((query) => scalarScan(query), queries.slice(0, 40));
    return { simd, scalar, mismatches, rowsInWindow: end - start, memoryBytes: index.memoryBytes };
  });

  const ms = (value: number) => `${value.toFixed(3)} ms`;
  console.log(
    [
      '',
      `MemoryRouter vault benchmark — ${ROWS} × ${DIMS} float32, top ${K}, one window over all ${report.rowsInWindow} rows`,
      `  warm search, WebAssembly SIMD   p50 ${ms(percentile(report.simd, 50))}   p99 ${ms(percentile(report.simd, 99))}`,
      `  plain JS scalar scan (same run) p50 ${ms(percentile(report.scalar, 50))}   p99 ${ms(percentile(report.scalar, 99))}`,
      `  cold load from checkpoint       p50 ${ms(percentile(loads, 50))}   min ${ms(Math.min(...loads))}   max ${ms(Math.max(...loads))}`,
      `  cold rebuild row by row         p50 ${ms(percentile(rebuilds, 50))}   (no checkpoint yet)`,
      `  exactness vs float64 scan       ${QUERIES - report.mismatches}/${QUERIES} queries identical (ids and order)`,
      `  hot index memory                ${(report.memoryBytes / 1024 / 1024).toFixed(1)} MiB`,
      `  (latency samples are means of ${BATCH} consecutive searches; workerd's clock has 1 ms resolution)`,
      '',
    ].join('\n'),
  );
  if (report.mismatches > 0)
    throw new Error(`${report.mismatches} queries differ from the float64 reference`);
});
