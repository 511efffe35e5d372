/** What the vault benchmarks share: percentiles, batched timing, exact top-k and agreement. */

/** workerd's clock ticks in whole milliseconds: a sample is the mean of a batch of calls. */
export const BATCH = 25;

export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function sample<T>(run: (input: T) => void, inputs: T[], samples: number): number[] {
  const out: number[] = [];
  let i = 0;
  for (let s = 0; s < samples; s++) {
    const started = performance.now();
    for (let b = 0; b < BATCH; b++) run(inputs[i++ % inputs.length]!);
    out.push((performance.now() - started) / BATCH);
  }
  return out;
}

/**
 * Samples of several jobs taken in turn, batch by batch, so that all of them
 * meet the same load on a shared machine and their ratio holds.
 */
export function sampleInTurn<T>(
  jobs: ((input: T) => void)[],
  inputs: T[],
  samples: number,
): number[][] {
  const out = jobs.map(() => [] as number[]);
  let i = 0;
  for (let s = 0; s < samples; s++) {
    jobs.forEach((run, j) => {
      const started = performance.now();
      for (let b = 0; b < BATCH; b++) run(inputs[(i + b) % inputs.length]!);
      out[j]!.push((performance.now() - started) / BATCH);
    });
    i += BATCH;
  }
  return out;
}

/**
 * Running exact top-k of several queries over rows fed one at a time (in key
 * order), in float64.
 */
export class ExactTopK {
  private readonly best: { key: number; score: number }[][];

  constructor(
    private readonly queries: Float32Array[],
    private readonly k: number,
  ) {
    this.best = queries.map(() => []);
  }

  add(key: number, vector: Float32Array): void {
    for (let q = 0; q < this.queries.length; q++) {
      const query = this.queries[q]!;
      let score = 0;
      for (let j = 0; j < query.length; j++) score += query[j]! * vector[j]!;
      const best = this.best[q]!;
      if (best.length === this.k && score < best[this.k - 1]!.score) continue;
      best.push({ key, score });
      best.sort((a, b) => b.score - a.score);
      if (best.length > this.k) best.pop();
    }
  }

  top(q: number): number[] {
    return this.best[q]!.map(({ key }) => key);
  }
}

export interface Agreement {
  queries: number;
  /** Share of the exact top-k ids found in the returned top-k. */
  ids: number;
  /** Queries whose top-k ids and order are identical. */
  identical: number;
}

export function agreement(got: number[][], expected: number[][]): Agreement {
  let shared = 0;
  let total = 0;
  let identical = 0;
  got.forEach((ids, q) => {
    const exact = expected[q]!;
    const set = new Set(exact);
    shared += ids.filter((id) => set.has(id)).length;
    total += exact.length;
    if (ids.join() === exact.join()) identical++;
  });
  return { queries: got.length, ids: total > 0 ? shared / total : 1, identical };
}

export const ms = (value: number) => `${value.toFixed(3)} ms`;
export const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
export const pct = (share: number) => `${(share * 100).toFixed(2)}%`;

/**
 * Asynchronous jobs timed in turn, batch by batch, after `warmUp` rounds of
 * each: one list of samples (ms a call) per job, all met by the same load.
 */
export async function timeInTurn(
  jobs: readonly (() => Promise<unknown>)[],
  samples: number,
  batch: number = BATCH,
  warmUp = 0,
): Promise<number[][]> {
  for (let i = 0; i < warmUp; i++) for (const run of jobs) await run();
  const out = jobs.map(() => [] as number[]);
  for (let s = 0; s < samples; s++) {
    for (const [j, run] of jobs.entries()) {
      const started = performance.now();
      for (let b = 0; b < batch; b++) await run();
      out[j]!.push((performance.now() - started) / batch);
    }
  }
  return out;
}

/**
 * Prints a vault call's p50 wall time beside the object's own time and its
 * ranking's (search + hydrate), one line per variant.
 */
export function printCallPhases(
  names: readonly string[],
  wall: number[][],
  inside: number[][],
  ranked: number[][],
): void {
  console.log('variant                         wall    in object  search+hydrate  wall − s+h');
  names.forEach((name, v) => {
    const w = percentile(wall[v]!, 50);
    const i = percentile(inside[v]!, 50);
    const r = percentile(ranked[v]!, 50);
    console.log(
      `${name.padEnd(30)} ${ms(w).padStart(8)} ${ms(i).padStart(10)} ${ms(r).padStart(14)} ${ms(w - r).padStart(11)}`,
    );
  });
}
