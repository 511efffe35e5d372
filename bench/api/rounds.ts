/**
 * What bench:api's measuring scripts share: the percentile of sorted times,
 * a seeded shuffle, so the interleaved rounds come in the same orders in
 * every run, and the interleaved rounds themselves (bench:api and
 * bench:api:floor measure their rows alike).
 */

/** The p-th percentile of times sorted ascending. */
export const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;

/** A seeded shuffler (a small LCG): the same seed gives the same orders. */
export function shuffler(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  return <T>(items: readonly T[]): T[] => {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  };
}

/** A measured request. */
export interface Row {
  name: string;
  /** Resolves to the request's own time in ms when it is not the whole call (the chat's first bytes). */
  call: () => Promise<void | number>;
}

/**
 * p50 and p99 of every row, from `samples` rounds that each time one request
 * of every row, in an order shuffled per round (seed 13), after up to 20
 * warm-up rounds. Rows are measured interleaved, not one after another:
 * wrangler dev's proxy drifts by milliseconds over a run, and a ratio of two
 * rows measured minutes apart would carry that drift. `timing` is told which
 * row is being timed (null once it is done), so a caller can attribute what
 * it collects on the way (bench:api's Server-Timing phases).
 */
export async function latencies(
  rows: readonly Row[],
  samples: number,
  timing: (name: string | null) => void = () => {},
) {
  const shuffle = shuffler(13);
  for (let i = 0; i < Math.min(20, samples); i++) for (const row of rows) await row.call(); // warm up
  const times = new Map(rows.map((row) => [row.name, [] as number[]]));
  for (let i = 0; i < samples; i++) {
    for (const row of shuffle(rows)) {
      timing(row.name);
      const start = performance.now();
      const own = await row.call();
      times.get(row.name)!.push(typeof own === 'number' ? own : performance.now() - start);
      timing(null);
    }
  }
  return new Map(
    [...times].map(([name, list]) => {
      list.sort((a, b) => a - b);
      return [name, { p50: percentile(list, 50), p99: percentile(list, 99) }];
    }),
  );
}

/** Milliseconds from `started` to a response's first bytes; the rest is then read to the end. */
export async function firstBytes(response: Response, started: number): Promise<number> {
  const reader = response.body!.getReader();
  await reader.read();
  const elapsed = performance.now() - started;
  while (!(await reader.read()).done);
  return elapsed;
}
