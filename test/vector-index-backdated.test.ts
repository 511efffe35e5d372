import { describe, expect, it } from 'vitest';
import { VectorIndex, type IndexEntry } from '../src/durable/hot-tier/vector-index';
import { useOwnHotBudget } from './helpers/hot-budget';
import { randomUnitVector as unitVector, seededRandom as random } from './helpers/random';

// Whether an index keeps its float32 block must not depend on what earlier
// files left in the project's shared isolate.
useOwnHotBudget();

const DAY = 86_400_000;

/**
 * The float32 block holds vectors in arrival order (a backdated batch moves
 * only codes and keys). Whatever the arrival order, removals and the holes
 * they leave, the index must answer as one loaded afresh from the same rows
 * in key order: the same memories, in the same order, with the same scores.
 */

describe('VectorIndex under backdated batches', () => {
  it('answers as a freshly loaded index through backdated batches, removals and repacking', () => {
    const dims = 96;
    const next = random(4_113);
    const now = Date.UTC(2026, 10, 1);
    let seq = 0;
    // bench:api's load: each batch of 100 spread over 60 days.
    const batch = (): IndexEntry[] =>
      Array.from({ length: 100 }, () => {
        seq++;
        return {
          seq,
          createdAt: now - ((seq - 1) % 60) * DAY - 60_000,
          vector: unitVector(next, dims),
        };
      });
    const exact = (seqs: readonly number[]) => new Map(seqs.map((s) => [s, live.get(s)!.vector]));
    // A small float32 block budget: room runs out, so holes get packed.
    const index = new VectorIndex(dims, { exact, floatBlockBytes: 2_000 * dims * 4 });
    const live = new Map<number, IndexEntry>();
    const queries = Array.from({ length: 12 }, () => unitVector(next, dims));

    const compare = () => {
      const fresh = new VectorIndex(dims);
      // The same coding as the live index (fitted once, on its first rows).
      fresh.useCalibration(index.calibration!);
      fresh.insert([...live.values()]);
      expect(fresh.size).toBe(index.size);
      expect(index.holdsFloats).toBe(true);
      for (const [q, query] of queries.entries()) {
        // Whole vault (codes scan), a day (exact scan of a small window), a week.
        for (const [after, until] of [
          [null, now],
          [now - 3 * DAY, now - 2 * DAY],
          [now - 20 * DAY, now - 13 * DAY],
        ] as const) {
          const k = 3 + q;
          const window = index.range(after, until);
          const expectedWindow = fresh.range(after, until);
          const got = index.search(query, window.start, window.end, k);
          const expected = fresh.search(query, expectedWindow.start, expectedWindow.end, k);
          expect(got).toEqual(expected);
        }
      }
      // What a checkpoint saves: the same rows, codes and vectors in key order.
      expect(index.slice(0, index.size)).toEqual(fresh.slice(0, fresh.size));
    };

    for (let round = 0; round < 18; round++) {
      const entries = batch();
      index.insert(entries);
      for (const entry of entries) live.set(entry.seq, entry);
      if (round % 3 === 2) {
        // Remove a few rows: their float32 slots become holes.
        for (const entry of [...live.values()].filter((_, i) => i % 23 === round % 23)) {
          expect(index.remove(entry.seq, entry.createdAt)).toBe(true);
          live.delete(entry.seq);
        }
      }
      if (round % 4 === 1 || round === 17) compare();
    }
  });
});
