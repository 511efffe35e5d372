import { describe, expect, it } from 'vitest';
import { Calibration, encodeVectors } from '../src/durable/hot-tier/vector-codes';
import { codeBytesFor } from '../src/durable/hot-tier/vector-code-kernel';
import { Rotation } from '../src/durable/hot-tier/vector-rotation';
import { seededRandom } from './helpers/random';

/**
 * Vectors of whole Hadamard blocks (384, 768, 1,536 dimensions) are rotated
 * by the SIMD kernel (dot.wat `rotate`); the codes are a stored format, so
 * it must give the JavaScript loops' result to the last bit, whatever the
 * magnitudes (tiny, huge, subnormal, signed zeros).
 */
function vectors(dims: number, count: number, seed: number): Float32Array[] {
  const next = seededRandom(seed);
  return Array.from({ length: count }, (_, n) => {
    const vector = new Float32Array(dims);
    const magnitude = [1, 1e-30, 1e30, 1e-42, 3.4e37][n % 5]!;
    for (let j = 0; j < dims; j++) vector[j] = (next() * 2 - 1) * magnitude;
    if (n % 7 === 0) vector.fill(0, 0, dims / 2); // runs of zeros
    if (n % 11 === 0) for (let j = 0; j < dims; j += 3) vector[j] = -0;
    return vector;
  });
}

const bits = (vector: Float32Array) => Array.from(new Uint32Array(vector.slice().buffer));

describe('the SIMD rotation', () => {
  for (const dims of [384, 768, 1_536]) {
    it(`gives the JavaScript rotation's bits at ${dims} dimensions`, () => {
      const simd = new Rotation(dims);
      const scalar = new Rotation(dims, { simd: false });
      const batch = vectors(dims, 200, dims);
      // Back to back, as encodeVectors reads them, at an offset into one array.
      const packed = new Float32Array(dims * (batch.length + 1));
      batch.forEach((vector, i) => packed.set(vector, (i + 1) * dims));
      let differing = 0;
      batch.forEach((vector, i) => {
        const fromSimd = bits(simd.applyAt(packed, (i + 1) * dims, new Float32Array(dims)));
        const fromScalar = bits(scalar.apply(vector, new Float32Array(dims)));
        if (fromSimd.some((word, j) => word !== fromScalar[j])) differing++;
      });
      expect(differing).toBe(0);
    });
  }

  it('rotates in place, and leaves other dimensions to the JavaScript loops', () => {
    const dims = 384;
    const [vector] = vectors(dims, 1, 7);
    const expected = bits(
      new Rotation(dims, { simd: false }).apply(vector!, new Float32Array(dims)),
    );
    const inPlace = vector!.slice();
    expect(bits(new Rotation(dims).apply(inPlace, inPlace))).toEqual(expected);
    // 130 = 128 + 2: not whole blocks, so the same class takes its loops.
    const [odd] = vectors(130, 1, 8);
    expect(bits(new Rotation(130).apply(odd!, new Float32Array(130)))).toEqual(
      bits(new Rotation(130, { simd: false }).apply(odd!, new Float32Array(130))),
    );
  });

  for (const dims of [384, 768]) {
    it(`codes a calibrated batch as the JavaScript loops do at ${dims} dimensions`, () => {
      // Vectors sharing a direction, as embeddings do, then a few extremes
      // coded with the same calibration: zeros, tiny and huge magnitudes.
      const next = seededRandom(dims + 1);
      const common = Float32Array.from({ length: dims }, () => next() - 0.5);
      const batch = Array.from({ length: 120 }, () =>
        Float32Array.from({ length: dims }, (_, j) => common[j]! + 0.3 * (next() - 0.5)),
      );
      const [sample] = batch;
      batch.push(
        new Float32Array(dims),
        sample!.map((value) => value * 1e-30),
        sample!.map((value) => value * 1e30),
        sample!.map((value, j) => (j % 2 === 0 ? -0 : value)),
      );
      const flat = new Float32Array(dims * batch.length);
      batch.forEach((vector, i) => flat.set(vector, i * dims));
      const calibration = Calibration.fit(batch.slice(0, 64), dims);
      const coded = (simd: boolean) => {
        const codes = new Uint8Array(batch.length * codeBytesFor(dims)).fill(0xff);
        const scales = new Float64Array(batch.length);
        const residuals = new Float64Array(batch.length);
        encodeVectors(flat, dims, calibration, codes, 0, scales, residuals, { simd });
        return { codes: [...codes], scales: [...scales], residuals: [...residuals] };
      };
      const fromSimd = coded(true);
      const fromLoops = coded(false);
      // Not vacuous: the ordinary rows have real scales and residuals.
      expect(fromLoops.scales.slice(0, 120).every((scale) => scale > 0)).toBe(true);
      expect(fromLoops.residuals.slice(0, 120).every((residual) => residual > 0)).toBe(true);
      expect(fromSimd.codes).toEqual(fromLoops.codes);
      // Object.is: the same float64, signed zeros included.
      expect(fromSimd.scales.every((scale, i) => Object.is(scale, fromLoops.scales[i]))).toBe(true);
      expect(
        fromSimd.residuals.every((residual, i) => Object.is(residual, fromLoops.residuals[i])),
      ).toBe(true);
    });
  }
});
