/**
 * The in-memory share of a vault's bulk store, inside workerd:
 *
 * - coding: 100 vectors of 384 dimensions (one store batch) rotated,
 *   standardised and coded to 2 bits, the way the index did it before the
 *   batch API (one call per vector, a frozen copy below) and with
 *   `encodeVectors`, in turns; the codes must come out identical;
 * - backdated batches: a 10,000-row index with its float32 block taking
 *   bench:api's load (batches of 100 spread over 60 days), insert time per
 *   batch;
 * - the text timeline (kept once a vault is searched by text) taking the
 *   same backdated batches of memories, 0 → 10,000.
 *
 * workerd's clock ticks in whole milliseconds: each sample is the mean of a
 * batch of calls (measure.ts).
 */
import { it } from 'vitest';
import { Calibration, encodeVectors } from '../src/durable/hot-tier/vector-codes';
import { codeBytesFor } from '../src/durable/hot-tier/vector-code-kernel';
import { Rotation } from '../src/durable/hot-tier/vector-rotation';
import { TextTimeline } from '../src/durable/full-text/text-timeline';
import { voiceOf } from '../src/durable/full-text/turn-voices';
import { VectorIndex } from '../src/durable/hot-tier/vector-index';
import { randomUnitVector, seededRandom } from '../test/helpers/random';
import { ms, percentile, sampleInTurn } from './measure';

const DIMS = 384;
const BATCH_SIZE = 100;
const DAY = 86_400_000;
/** Batches of the timeline case (TIMELINE_BATCHES=400 for a 40,000-memory vault). */
const TIMELINE_BATCHES = 100;
/** Every memory one voice: what an insert costs does not depend on it. */
const TURN = voiceOf('USER', 'Jon: hi', false);

/** The coding as it was: the digest test pins that the new one matches it. */
class ReferenceRotation {
  private readonly rounds: { order: Int32Array; signs: Float32Array }[];
  private readonly blocks: number[];
  private readonly scratch: Float32Array;

  constructor(readonly dims: number) {
    // The same permutations and signs (they are the format); the loops below are the old ones.
    this.rounds = new Rotation(dims, { simd: false }).tables();
    this.blocks = [];
    for (let left = dims; left > 0;) {
      const size = Math.min(128, 2 ** Math.floor(Math.log2(left)));
      this.blocks.push(size);
      left -= size;
    }
    this.scratch = new Float32Array(dims);
  }

  apply(x: ArrayLike<number>, out: Float32Array): Float32Array {
    const work = this.scratch;
    let source: ArrayLike<number> = x;
    for (const { order, signs } of this.rounds) {
      for (let j = 0; j < this.dims; j++) work[j] = source[order[j]!]! * signs[j]!;
      let at = 0;
      for (const size of this.blocks) {
        referenceHadamard(work, at, size);
        at += size;
      }
      out.set(work);
      source = out;
    }
    return out;
  }
}

function referenceHadamard(v: Float32Array, at: number, size: number): void {
  for (let half = 1; half < size; half *= 2) {
    for (let i = at; i < at + size; i += half * 2) {
      for (let j = i; j < i + half; j++) {
        const a = v[j]!;
        const b = v[j + half]!;
        v[j] = a + b;
        v[j + half] = a - b;
      }
    }
  }
  const norm = 1 / Math.sqrt(size);
  for (let j = at; j < at + size; j++) v[j]! *= norm;
}

function referenceEncode(vector: ArrayLike<number>, out: Uint8Array, offset: number) {
  const dims = vector.length;
  out.fill(0, offset, offset + codeBytesFor(dims));
  let squares = 0;
  for (let j = 0; j < dims; j++) squares += vector[j]! * vector[j]!;
  const step = 0.996 * Math.sqrt(squares / dims) || 1;
  let along = 0;
  let levels = 0;
  for (let j = 0; j < dims; j++) {
    const code = Math.min(3, Math.max(0, Math.floor(vector[j]! / step + 2)));
    const block = j >> 6;
    const within = j & 63;
    out[offset + block * 16 + (within & 15)]! |= code << ((within >> 4) * 2);
    const level = code - 1.5;
    along += vector[j]! * level;
    levels += level * level;
  }
  const scale = levels > 0 ? along / levels : 0;
  return { scale, residual: Math.max(0, squares - scale * along) };
}

/** Vectors like real embeddings: a shared direction plus noise. */
function embeddingLike(count: number, seed: number): Float32Array[] {
  const next = seededRandom(seed);
  const common = randomUnitVector(next, DIMS);
  return Array.from({ length: count }, () => {
    const noise = randomUnitVector(next, DIMS);
    const vector = new Float32Array(DIMS);
    let squares = 0;
    for (let j = 0; j < DIMS; j++) {
      vector[j] = 0.9 * common[j]! + 0.4 * noise[j]!;
      squares += vector[j]! * vector[j]!;
    }
    for (let j = 0; j < DIMS; j++) vector[j]! /= Math.sqrt(squares);
    return vector;
  });
}

it('coding a batch of 100 × 384', () => {
  const vectors = embeddingLike(BATCH_SIZE * 8, 7);
  const calibration = Calibration.fit(vectors.slice(0, 256), DIMS);
  const center = calibration.center;
  const spread = calibration.spread;
  const batches = Array.from({ length: 8 }, (_, b) => {
    const flat = new Float32Array(BATCH_SIZE * DIMS);
    for (let i = 0; i < BATCH_SIZE; i++) flat.set(vectors[b * BATCH_SIZE + i]!, i * DIMS);
    return { list: vectors.slice(b * BATCH_SIZE, (b + 1) * BATCH_SIZE), flat };
  });
  const codeBytes = codeBytesFor(DIMS);
  const referenceRotation = new ReferenceRotation(DIMS);
  const rotation = new Rotation(DIMS);
  const scalarRotation = new Rotation(DIMS, { simd: false });
  const rotated = new Float32Array(DIMS);
  const standardised = new Float32Array(DIMS);
  const oldCodes = new Uint8Array(BATCH_SIZE * codeBytes);
  const newCodes = new Uint8Array(BATCH_SIZE * codeBytes);
  const scales = new Float64Array(BATCH_SIZE);
  const residuals = new Float64Array(BATCH_SIZE);
  const oldScales = new Float64Array(BATCH_SIZE);

  const referenceBatch = ({ list }: (typeof batches)[number]) => {
    list.forEach((vector, i) => {
      referenceRotation.apply(vector, rotated);
      for (let j = 0; j < DIMS; j++) standardised[j] = (rotated[j]! - center[j]!) / spread[j]!;
      oldScales[i] = referenceEncode(standardised, oldCodes, i * codeBytes).scale;
    });
  };
  const newBatch = ({ flat }: (typeof batches)[number]) => {
    encodeVectors(flat, DIMS, calibration, newCodes, 0, scales, residuals);
  };
  // The same call with its JavaScript loops (the SIMD kernels' before).
  const loopsBatch = ({ flat }: (typeof batches)[number]) => {
    encodeVectors(flat, DIMS, calibration, newCodes, 0, scales, residuals, { simd: false });
  };
  for (const batch of batches) {
    referenceBatch(batch);
    newBatch(batch);
    if (
      oldCodes.some((byte, i) => byte !== newCodes[i]) ||
      oldScales.some((s, i) => s !== scales[i])
    )
      throw new Error('the batch coding differs from the reference');
  }
  const rotateReference = ({ list }: (typeof batches)[number]) => {
    for (const vector of list) referenceRotation.apply(vector, rotated);
  };
  const rotateNew = ({ list }: (typeof batches)[number]) => {
    for (const vector of list) rotation.apply(vector, rotated);
  };
  // The same class with its JavaScript loops (the SIMD kernel's before).
  const rotateScalar = ({ list }: (typeof batches)[number]) => {
    for (const vector of list) scalarRotation.apply(vector, rotated);
  };
  const [oldCoding, newCoding, oldRotation, newRotation, scalarRotationTimes, loopsCoding] =
    sampleInTurn(
      [referenceBatch, newBatch, rotateReference, rotateNew, rotateScalar, loopsBatch],
      batches,
      40,
    );
  const p50 = (samples: number[]) => ms(percentile(samples, 50));
  console.log(
    [
      `coding 100 × 384 (calibrated), p50 of 40 samples, in turns:`,
      `  per vector, as before: ${p50(oldCoding!)}; encodeVectors: ${p50(newCoding!)} (${(percentile(oldCoding!, 50) / percentile(newCoding!, 50)).toFixed(2)}×)`,
      `  Rotation.apply × 100, before: ${p50(oldRotation!)}; now: ${p50(newRotation!)} (${(percentile(oldRotation!, 50) / percentile(newRotation!, 50)).toFixed(2)}×)`,
      `  … of which the SIMD kernel: JavaScript loops ${p50(scalarRotationTimes!)}, SIMD ${p50(newRotation!)} (${(percentile(scalarRotationTimes!, 50) / percentile(newRotation!, 50)).toFixed(2)}×)`,
      `  encodeVectors, JavaScript loops: ${p50(loopsCoding!)}; SIMD kernels (rotate, code): ${p50(newCoding!)} (${(percentile(loopsCoding!, 50) / percentile(newCoding!, 50)).toFixed(2)}×)`,
    ].join('\n'),
  );
});

it('backdated batches into a 10,000-row index', () => {
  const vectors = embeddingLike(2_000, 11);
  const bySeq = new Map<number, Float32Array>();
  // As in a vault: vectors from storage once the float32 block is dropped
  // (it is kept up to 16 MiB, past 10,000 rows of 384 dimensions).
  const exact = (seqs: readonly number[]) => new Map(seqs.map((s) => [s, bySeq.get(s)!]));
  const now = Date.UTC(2026, 10, 1);
  const loads: number[][] = [];
  for (let load = 0; load < 3; load++) {
    const index = new VectorIndex(DIMS, { exact });
    let seq = 0;
    const batch = () =>
      Array.from({ length: BATCH_SIZE }, () => {
        seq++;
        const vector = vectors[(seq * 7 + load) % vectors.length]!;
        bySeq.set(seq, vector);
        // bench:api's load: each batch spread over 60 days.
        return { seq, createdAt: now - ((seq - 1) % 60) * DAY - 60_000, vector };
      });
    const perBatch: number[] = [];
    for (let b = 0; b < 100; b += 5) {
      const batches = Array.from({ length: 5 }, batch);
      const started = performance.now();
      for (const entries of batches) index.insert(entries);
      perBatch.push((performance.now() - started) / batches.length);
    }
    if (!index.holdsFloats) throw new Error('the float32 block was dropped');
    loads.push(perBatch);
  }
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  console.log(
    `backdated batches of 100 (bench:api's load, 0 → 10,000 rows, float32 block kept), 3 loads: ` +
      `insert ${loads.map((load) => ms(mean(load))).join(' / ')} per batch; ` +
      `last 1,000 rows ${loads.map((load) => ms(mean(load.slice(-2)))).join(' / ')} per batch`,
  );
});

it('backdated batches into the text timeline', () => {
  const now = Date.UTC(2026, 10, 1);
  const next = seededRandom(5);
  const loads: number[][] = [];
  for (let load = 0; load < 3; load++) {
    const timeline = new TextTimeline();
    let seq = 0;
    const batch = () =>
      Array.from({ length: BATCH_SIZE }, () => {
        seq++;
        return {
          seq,
          createdAt: now - ((seq - 1) % 60) * DAY - 60_000,
          words: 5 + Math.floor(next() * 30),
          voice: TURN,
        };
      });
    const perBatch: number[] = [];
    for (let b = 0; b < TIMELINE_BATCHES; b += 5) {
      const batches = Array.from({ length: 5 }, batch);
      const started = performance.now();
      for (const entries of batches) timeline.insert(entries);
      perBatch.push((performance.now() - started) / batches.length);
    }
    loads.push(perBatch);
  }
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  console.log(
    `timeline: backdated batches of 100 (0 → 10,000 memories), 3 loads: ` +
      `insert ${loads.map((load) => ms(mean(load))).join(' / ')} per batch; ` +
      `last 1,000 ${loads.map((load) => ms(mean(load.slice(-2)))).join(' / ')} per batch`,
  );
});
