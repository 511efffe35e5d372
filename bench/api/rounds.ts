/**
 * What bench:api's measuring scripts share: the percentile of sorted times,
 * and a seeded shuffle, so the interleaved rounds come in the same orders
 * in every run.
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
