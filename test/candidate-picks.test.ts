import { describe, expect, it } from 'vitest';
import {
  bestPositions,
  pickBest,
  pickBestInKernel,
  pickBestOrdered,
  ranked,
} from '../src/durable/hot-tier/candidate-selection';
import { growMemory, instantiateDotKernel } from '../src/durable/hot-tier/dot-kernel';
import { storedScores } from '../src/durable/hot-tier/exact-scores';
import { VectorIndex } from '../src/durable/hot-tier/vector-index';
import { randomUnitVector, seededRandom } from './helpers/random';

/**
 * A vault too large for its float32 block picks its candidates in the
 * kernel (`above`) and re-scores them four stored rows side by side; both
 * must give exactly what the JavaScript pass and the one-row sums gave:
 * the same candidate rows, the same float64 scores, so the same answers.
 */
describe('candidates picked in the kernel', () => {
  const sorted = (rows: Int32Array) => Array.from(rows).sort((a, b) => a - b);

  it('are the rows pickBest picks: ties, filters, tails, thresholds that let too few through', () => {
    const random = seededRandom(7);
    const kernel = instantiateDotKernel();
    for (const count of [0, 1, 15, 16, 17, 200, 4_099, 20_000]) {
      for (const slots of [1, 10, 50, 266]) {
        // Few distinct values: many ties at the cut, which go to the later row.
        const scoresAt = 64;
        const picks = Math.ceil((scoresAt + count * 4) / 64) * 64;
        const room = slots * 4;
        growMemory(kernel.memory, picks + room * 4);
        const scores = new Float32Array(kernel.memory.buffer, scoresAt, count);
        const levels = count % 2 === 0 ? 50 : 1e6;
        for (let i = 0; i < count; i++) scores[i] = Math.floor(random() * levels) / levels - 0.5;
        const first = 1_000;
        for (const accept of [
          () => true,
          (row: number) => row % 3 !== 0,
          // Turns away most rows: the sampled threshold lets too few through.
          (row: number) => row % 97 === 0,
        ]) {
          const expected = sorted(pickBest(scores, first, slots, accept));
          const got = sorted(pickBestInKernel(kernel, scores, first, slots, accept, picks, room));
          expect(got).toEqual(expected);
        }
      }
    }
  });

  it("for a search over the float32 block, are pickBest's rows in pickBest's order", () => {
    // That search narrows its candidates again by position (equal float32
    // scores go to the later candidate), so the order is part of the answer.
    const random = seededRandom(13);
    const kernel = instantiateDotKernel();
    for (const count of [0, 1, 17, 200, 4_099, 9_499, 20_000]) {
      for (const slots of [1, 10, 50, 306]) {
        const scoresAt = 64;
        const picks = Math.ceil((scoresAt + count * 4) / 64) * 64;
        for (const room of [slots * 4, slots]) {
          growMemory(kernel.memory, picks + room * 4);
          const scores = new Float32Array(kernel.memory.buffer, scoresAt, count);
          // Few distinct values (ties at the cut, gathers that overflow) and many.
          const levels = count % 2 === 0 ? 50 : 1e6;
          for (let i = 0; i < count; i++) scores[i] = Math.floor(random() * levels) / levels - 0.5;
          for (const accept of [
            () => true,
            (row: number) => row % 3 !== 0,
            (row: number) => row % 97 === 0,
          ]) {
            const expected = Array.from(pickBest(scores, 500, slots, accept));
            const got = pickBestOrdered(kernel, scores, 500, slots, accept, picks, room);
            expect(Array.from(got)).toEqual(expected);
          }
        }
      }
    }
  });

  it('are the rows pickBest picks when more pass than there is room for', () => {
    const kernel = instantiateDotKernel();
    const count = 4_096;
    growMemory(kernel.memory, 64 + count * 4 + 64 * 4);
    const scores = new Float32Array(kernel.memory.buffer, 64, count);
    // Every score equal: all pass the sampled threshold, far past the room.
    scores.fill(0.25);
    const picks = 64 + count * 4;
    const got = pickBestInKernel(kernel, scores, 0, 16, () => true, picks, 64);
    expect(sorted(got)).toEqual(sorted(pickBest(scores, 0, 16, () => true)));
    // Ties go to the later rows.
    expect(sorted(got)).toEqual(Array.from({ length: 16 }, (_, i) => count - 16 + i));
  });

  it('keep the hits ranked keeps, in its order: ties to the later row', () => {
    const random = seededRandom(3);
    for (const count of [0, 1, 9, 10, 11, 80, 531]) {
      for (const k of [1, 3, 10, 50]) {
        // Few distinct scores, rows in no order: ties decide many places.
        const scores = Float64Array.from({ length: count }, () => Math.floor(random() * 20) / 20);
        const rows = Int32Array.from({ length: count }, (_, i) => (i * 7919) % 100_003);
        const hits = Array.from(scores, (score, i) => ({
          seq: rows[i]!,
          chunk: 0,
          createdAt: 0,
          score,
          row: rows[i]!,
        }));
        const expected = ranked([...hits], k);
        const kept = Array.from(bestPositions(scores, rows, k), (i) => hits[i]!);
        expect(ranked(kept, k)).toEqual(expected);
        expect(kept.map((hit) => hit.row)).toEqual(expected.map((hit) => hit.seq));
      }
    }
  });

  it('re-score stored rows to the same float64 as one row at a time', () => {
    const random = seededRandom(11);
    for (const dims of [384, 7, 1]) {
      const query = randomUnitVector(random, dims);
      for (const rows of [0, 1, 3, 4, 5, 9]) {
        // Rows of memories stored whole, and chunks further into a memory's vectors.
        const vectors = Array.from({ length: rows }, () =>
          Float32Array.from({ length: dims * 3 }, () => random() * 2 - 1),
        );
        const offsets = Int32Array.from({ length: rows }, (_, i) => (i % 3) * dims);
        const out = new Float64Array(rows);
        storedScores(query, dims, vectors, offsets, out);
        const oneAtATime = vectors.map((vector, i) => {
          let score = 0;
          for (let j = 0; j < dims; j++) score += query[j]! * vector[offsets[i]! + j]!;
          return score;
        });
        expect(Array.from(out)).toEqual(oneAtATime);
      }
    }
  });

  it('leave a search from storage with the answers of the float32 block', () => {
    const random = seededRandom(5);
    const dims = 64;
    const vectors = Array.from({ length: 3_000 }, () => randomUnitVector(random, dims));
    const entries = vectors.map((vector, i) => ({ seq: i + 1, createdAt: i, vector }));
    const kept = new VectorIndex(dims, {});
    const fromStorage = new VectorIndex(dims, {
      exact: (seqs) => new Map(seqs.map((seq) => [seq, vectors[seq - 1]!])),
      floatBlockBytes: 0,
    });
    kept.insert(entries);
    fromStorage.insert(entries);
    expect(fromStorage.holdsFloats).toBe(false);
    for (let q = 0; q < 20; q++) {
      const query = randomUnitVector(random, dims);
      for (const accept of [undefined, (seq: number) => seq % 5 !== 0]) {
        const expected = kept.search(query, 0, kept.size, 10, accept);
        const got = fromStorage.search(query, 0, fromStorage.size, 10, accept);
        // The same candidates from the codes, so the same exact answers.
        expect(got).toEqual(expected);
      }
    }
  });
});
