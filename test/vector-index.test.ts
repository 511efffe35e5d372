import { describe, expect, it } from 'vitest';
import { VectorIndex, type IndexEntry } from '../src/durable/vector-index';
import { randomUnitVector as unitVector, seededRandom as random } from './helpers/random';

/** The float64 brute-force scan the index must agree with. */
function referenceSearch(entries: IndexEntry[], query: Float32Array, k: number) {
  const sorted = [...entries].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  return sorted
    .map((entry, row) => {
      let score = 0;
      for (let j = 0; j < query.length; j++) score += query[j]! * entry.vector[j]!;
      return { id: entry.id, score, row };
    })
    .sort((a, b) => b.score - a.score || b.row - a.row)
    .slice(0, k)
    .map(({ id }) => id);
}

describe('VectorIndex', () => {
  it.each([384, 7, 1])('matches a float64 reference scan exactly (%i dims)', (dims) => {
    const next = random(dims);
    const entries = Array.from({ length: 600 }, (_, i) => ({
      id: `m${i}`,
      createdAt: Math.floor(next() * 1e6),
      vector: unitVector(next, dims),
    }));
    const index = new VectorIndex(dims);
    // Insert in several unsorted batches to exercise the merge.
    for (let i = 0; i < entries.length; i += 97) index.insert(entries.slice(i, i + 97));
    expect(index.size).toBe(600);
    for (let q = 0; q < 20; q++) {
      const query = unitVector(next, dims);
      const k = 1 + (q % 12);
      const got = index.search(query, 0, index.size, k).map((hit) => hit.id);
      expect(got).toEqual(referenceSearch(entries, query, k));
    }
  });

  it('keeps rows in time order through inserts and removals', () => {
    const next = random(42);
    const index = new VectorIndex(8);
    let entries: IndexEntry[] = [];
    for (let round = 0; round < 30; round++) {
      const batch = Array.from({ length: 1 + Math.floor(next() * 20) }, (_, i) => ({
        id: `r${round}-${i}`,
        createdAt: Math.floor(next() * 50), // many equal timestamps
        vector: unitVector(next, 8),
      }));
      index.insert(batch);
      entries.push(...batch);
      const victim = entries[Math.floor(next() * entries.length)]!;
      expect(index.remove(victim.id, victim.createdAt)).toBe(true);
      entries = entries.filter((entry) => entry !== victim);
    }
    const expected = [...entries].sort(
      (a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1),
    );
    expect(Array.from({ length: index.size }, (_, row) => index.idAt(row))).toEqual(
      expected.map((entry) => entry.id),
    );
    // Vectors moved with their ids: each row scores 1 against its own vector.
    for (const entry of expected.slice(0, 25)) {
      expect(index.search(entry.vector, 0, index.size, 1)[0]!.id).toBe(entry.id);
    }
  });

  it('scans only the requested time range', () => {
    const next = random(7);
    const index = new VectorIndex(16);
    index.insert(
      Array.from({ length: 100 }, (_, i) => ({
        id: `t${i}`,
        createdAt: i * 10,
        vector: unitVector(next, 16),
      })),
    );
    const { start, end } = index.range(200, 500); // (200, 500]
    expect([start, end]).toEqual([21, 51]);
    const hits = index.search(unitVector(next, 16), start, end, 100);
    expect(hits).toHaveLength(30);
    for (const hit of hits) expect(hit.createdAt > 200 && hit.createdAt <= 500).toBe(true);
    expect(index.range(null, -1)).toEqual({ start: 0, end: 0 });
  });

  it('filters before ranking', () => {
    const next = random(9);
    const index = new VectorIndex(16);
    const entries = Array.from({ length: 200 }, (_, i) => ({
      id: `f${i}`,
      createdAt: i,
      vector: unitVector(next, 16),
    }));
    index.insert(entries);
    const hits = index.search(
      unitVector(next, 16),
      0,
      200,
      5,
      (id) => Number(id.slice(1)) % 10 === 0,
    );
    expect(hits).toHaveLength(5);
    for (const hit of hits) expect(Number(hit.id.slice(1)) % 10).toBe(0);
  });
});
