import { describe, expect, it } from 'vitest';
import { Calibration, encodeVector, encodeVectors } from '../src/durable/hot-tier/vector-codes';
import { codeBytesFor } from '../src/durable/hot-tier/vector-code-kernel';
import { Rotation } from '../src/durable/hot-tier/vector-rotation';
import { randomUnitVector, seededRandom } from './helpers/random';

/**
 * The 2-bit codes are a stored format: checkpoint pages hold them, and a vault
 * woken from its checkpoint searches them next to rows coded afresh. These
 * digests were taken from the coding as it stood before the batch API
 * (2026-11-26); any change to the
 * rotation, the calibration or the coding (even in the last bit of a scale)
 * changes them.
 */
async function digest(parts: ArrayBufferView[]): Promise<string> {
  const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    bytes.set(new Uint8Array(part.buffer, part.byteOffset, part.byteLength), at);
    at += part.byteLength;
  }
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return [...hash].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Vectors like real embeddings: a shared direction and a few large components. */
function skewedVectors(dims: number, count: number, seed: number): Float32Array[] {
  const next = seededRandom(seed);
  const common = randomUnitVector(next, dims);
  return Array.from({ length: count }, () => {
    const noise = randomUnitVector(next, dims);
    const vector = new Float32Array(dims);
    let squares = 0;
    for (let j = 0; j < dims; j++) {
      vector[j] = 0.9 * common[j]! + 0.3 * noise[j]! + (j % 37 === 0 ? 0.2 * noise[j]! : 0);
      squares += vector[j]! * vector[j]!;
    }
    const norm = Math.sqrt(squares);
    for (let j = 0; j < dims; j++) vector[j]! /= norm;
    return vector;
  });
}

/** Codes, scales and residuals of `vectors`, one at a time and as one batch. */
function coded(vectors: Float32Array[], calibration: Calibration | null, dims: number) {
  const codeBytes = codeBytesFor(dims);
  const codes = new Uint8Array(vectors.length * codeBytes);
  const scales = new Float64Array(vectors.length);
  const residuals = new Float64Array(vectors.length);
  const standardised = new Float32Array(dims);
  vectors.forEach((vector, i) => {
    const input = calibration === null ? vector : calibration.standardise(vector, standardised);
    const encoded = encodeVector(input, codes, i * codeBytes);
    scales[i] = encoded.scale;
    residuals[i] = encoded.residual;
  });
  const batch = {
    codes: new Uint8Array(vectors.length * codeBytes),
    scales: new Float64Array(vectors.length),
    residuals: new Float64Array(vectors.length),
  };
  const flat = new Float32Array(vectors.length * dims);
  vectors.forEach((vector, i) => flat.set(vector, i * dims));
  encodeVectors(flat, dims, calibration, batch.codes, 0, batch.scales, batch.residuals);
  return { codes, scales, residuals, batch };
}

describe('2-bit codes stay the stored format', () => {
  it.each([384, 7, 130])(
    'rotation, calibration and codes of %i dims are unchanged',
    async (dims) => {
      const vectors = [
        ...skewedVectors(dims, 300, dims),
        ...Array.from({ length: 100 }, (_, i) => randomUnitVector(seededRandom(i + 1), dims)),
        new Float32Array(dims),
      ];
      const rotation = new Rotation(dims);
      const rotated = vectors.map((vector) => rotation.apply(vector, new Float32Array(dims)));
      // apply() may write over its input.
      const inPlace = vectors.map((vector) => rotation.apply(vector.slice(), vector.slice()));
      expect(inPlace).toEqual(rotated);
      const calibration = Calibration.fit(vectors.slice(0, 256), dims);
      const raw = coded(vectors, null, dims);
      const calibrated = coded(vectors, calibration, dims);
      for (const { codes, scales, residuals, batch } of [raw, calibrated]) {
        expect(batch.codes).toEqual(codes);
        expect(batch.scales).toEqual(scales);
        expect(batch.residuals).toEqual(residuals);
      }
      const found = {
        rotated: await digest(rotated),
        calibration: await digest([calibration.toBytes()]),
        raw: await digest([raw.codes, raw.scales, raw.residuals]),
        calibrated: await digest([calibrated.codes, calibrated.scales, calibrated.residuals]),
        stored: await digest([calibrated.codes, Float32Array.from(calibrated.scales)]),
      };
      expect(found).toEqual(EXPECTED[dims]);
    },
  );
});

const EXPECTED: Record<number, Record<string, string>> = {
  384: {
    calibrated: '750f4924443638df82cd1e007af210d0a0a97a435cc65edeeba5cd0a5c36103c',
    calibration: '8126332c5fa1f1ddbbbfaaca4d6ecc591cd69d46cbc631cc2866553487cb614c',
    raw: 'deafa10fe5920bc0f5eeb0439f78cec63ede942248fd57b0e65c6799c7496cff',
    rotated: '90b1ad9a247ca344a2a3df52705e24f39a7602cb246a80183a764552a6b05cb0',
    stored: '086d636fbc3f201d476e79e4ad1e90df0afc9e9e42c8c8971c16d05ef07b28b0',
  },
  7: {
    calibrated: 'e1469f8819bf9191f08b66096185622bc3c93e4aa8e0c94c566950f0173261ce',
    calibration: 'd4e92f4157a39837a56931c2562f3f98a142a163ec9fb8da97b8aaca9e40e4fe',
    raw: '89a2e3200d70da877f3d4de9c992ddd3c35ecddcb1011282d69258e3b6cb202d',
    rotated: '3f81f1e258fb1aa57d9022aed23fc7651b1cc9908e95e12d557d7bc53122d18d',
    stored: 'd140748027d90a35a33eec762160a4ce170b815c1302920f612fceb3cf367710',
  },
  130: {
    calibrated: '6a488ac8721226913a11e8f5e88fe35ab40795ca3252ed38328887bb6251be0c',
    calibration: '129e3c39717ad3ef8370ee296183ce35e5563246f9f802b677c0427d589e8703',
    raw: 'f70732759f4968d9aa082ce644af0dfd02b0376d6e1a5e6ed2ddd45c4d006ad4',
    rotated: '2330241045527684dc601725dca64a9b680c70737e7c98f80a584c9c1f761aa2',
    stored: '86afec956144e2f35be2565a68917070b38e75cffcb6bc4e88d22bab771dc89c',
  },
};
