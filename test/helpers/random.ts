/** Deterministic pseudo-random numbers (mulberry32), so tests and benchmarks reproduce. */
export function seededRandom(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random unit-length vector drawn from `next`. */
export function randomUnitVector(next: () => number, dims: number): Float32Array {
  const vector = Float32Array.from({ length: dims }, () => next() * 2 - 1);
  let sum = 0;
  for (const x of vector) sum += x * x;
  const norm = Math.sqrt(sum);
  return vector.map((x) => x / norm);
}
