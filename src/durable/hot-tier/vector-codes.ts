/**
 * 2-bit scalar codes of unit vectors: the HOT tier's compact form (96 bytes
 * for 384 dimensions, against 1,536 as float32).
 *
 * Each component becomes one of four evenly spaced levels, (code − 1.5) × step,
 * with the step fitted per vector by least squares. Evenly spaced levels (not
 * the Lloyd–Max ones, which are barely better for Gaussian-like components)
 * keep the score a plain integer dot product: query · decoded =
 * scale × (Σ query_j × code_j − 1.5 × Σ query_j). The query stays nearly
 * exact (int8), so the estimate's error is the codes' own: about
 * 0.34 × |query| / √dims, small next to the gaps between the scores of
 * real neighbours, and the index re-scores its best candidates exactly.
 *
 * Layout (what dot_codes in simd/dot.wat reads): components in blocks of 64;
 * byte l of a block holds component 16p + l in bits 2p..2p+1, p = 0..3, so
 * each 2-bit plane lines up with 16 consecutive int8 query components. The
 * last block is padded with zero codes (the query is padded with zeros).
 */
import { codeBytesFor, SIMD_BLOCK, type RotationKernel } from './vector-code-kernel';
import { Rotation } from './vector-rotation';

/** Uniform step of the 2-bit levels, in standard deviations of the components. */
const STEP_IN_SIGMAS = 0.996;

export interface Encoded {
  /** Least-squares step of the levels. */
  scale: number;
  /** Squared length of what the codes miss, |x − decoded|², for noise estimates. */
  residual: number;
}

/** Writes the codes of `vector` at `out[offset...]` (codeBytes, zeroed first). */
export function encodeVector(vector: ArrayLike<number>, out: Uint8Array, offset: number): Encoded {
  const dims = vector.length;
  out.fill(0, offset, offset + codeBytesFor(dims));
  let squares = 0;
  for (let j = 0; j < dims; j++) squares += vector[j]! * vector[j]!;
  const step = STEP_IN_SIGMAS * Math.sqrt(squares / dims) || 1;
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
  // |x − s·l|² = |x|² − 2s(x·l) + s²|l|², with s = (x·l)/|l|².
  const residual = Math.max(0, squares - scale * along);
  return { scale, residual };
}

/**
 * Codes `count` vectors stored back to back in `vectors` (each `dims`
 * long), standardised by `calibration` first when there is one: row i's
 * codes at `codes[codesOffset + i × codeBytes…]`, its scale and residual at
 * `scales[i]` and `residuals[i]` (float64, as `encodeVector` returns them).
 * The same bits as `encodeVector` on each vector alone (the digest test pins
 * it), in one monomorphic loop over typed arrays: a store batch codes 100
 * vectors, a calibration re-codes every row held. Calibrated vectors of
 * whole Hadamard blocks go through the SIMD kernel (dot.wat `rotate` and
 * `code`): the same operations in the same order, the elementwise ones two
 * or four lanes at a time.
 */
export function encodeVectors(
  vectors: Float32Array,
  dims: number,
  calibration: Calibration | null,
  codes: Uint8Array,
  codesOffset: number,
  scales: Float64Array,
  residuals: Float64Array,
  /** `simd: false` keeps to the JavaScript loops (the tests and benches compare the two). */
  options: { simd?: boolean } = {},
): void {
  const count = Math.floor(vectors.length / dims);
  const codeBytes = codeBytesFor(dims);
  codes.fill(0, codesOffset, codesOffset + count * codeBytes);
  const simd = options.simd === false ? null : (calibration?.kernel() ?? null);
  if (simd !== null) {
    // Rotated, standardised and coded in the kernel's memory, a vector at a time.
    const { kernel, tables, io, x, result } = simd;
    simd.center.set(calibration!.center);
    simd.spread.set(calibration!.spread);
    const norm = 1 / Math.sqrt(SIMD_BLOCK);
    for (let i = 0; i < count; i++) {
      io.set(vectors.subarray(i * dims, (i + 1) * dims));
      kernel.rotate(io.byteOffset, io.byteOffset, 1, dims, tables, norm);
      simd.codes.fill(0);
      kernel.code(
        io.byteOffset,
        simd.center.byteOffset,
        simd.spread.byteOffset,
        x,
        dims,
        simd.codes.byteOffset,
        result.byteOffset,
      );
      codes.set(simd.codes, codesOffset + i * codeBytes);
      scales[i] = result[0]!;
      residuals[i] = result[1]!;
    }
    return;
  }
  const standardised = calibration === null ? null : new Float32Array(dims);
  for (let i = 0; i < count; i++) {
    let input = vectors;
    let base = i * dims;
    if (calibration !== null) {
      calibration.standardiseAt(vectors, base, standardised!);
      input = standardised!;
      base = 0;
    }
    const out = codesOffset + i * codeBytes;
    // The same float64 arithmetic, in the same order, as encodeVector.
    let squares = 0;
    for (let j = 0; j < dims; j++) {
      const x = input[base + j]!;
      squares += x * x;
    }
    const step = STEP_IN_SIGMAS * Math.sqrt(squares / dims) || 1;
    let along = 0;
    let levels = 0;
    for (let j = 0; j < dims; j++) {
      const x = input[base + j]!;
      const floored = Math.floor(x / step + 2);
      // Math.min(3, Math.max(0, floored)), NaN and −0 included.
      const code = floored < 0 ? 0 : floored > 3 ? 3 : floored;
      codes[out + ((j >> 6) << 4) + (j & 15)]! |= code << (((j & 63) >> 4) << 1);
      const level = code - 1.5;
      along += x * level;
      levels += level * level;
    }
    const scale = levels > 0 ? along / levels : 0;
    scales[i] = scale;
    residuals[i] = Math.max(0, squares - scale * along);
  }
}

export interface QuantisedQuery {
  /** int8 components, padded to whole blocks of 64. */
  values: Int8Array;
  /** What one int8 unit is worth. */
  unit: number;
  /** 1.5 × Σ values: the offset of the levels. */
  bias: number;
}

export function quantiseQuery(query: ArrayLike<number>): QuantisedQuery {
  const values = new Int8Array(codeBytesFor(query.length) * 4);
  let largest = 0;
  for (let j = 0; j < query.length; j++) largest = Math.max(largest, Math.abs(query[j]!));
  const unit = largest > 0 ? largest / 127 : 1;
  let sum = 0;
  for (let j = 0; j < query.length; j++) {
    const value = Math.round(query[j]! / unit);
    values[j] = value;
    sum += value;
  }
  return { values, unit, bias: 1.5 * sum };
}

/**
 * Where a vault's vectors sit, per component: their mean and spread over a
 * sample of rows. Real embeddings share a large common direction (the offline
 * table's rows are about 0.95 of the way along one) and a few components that
 * dwarf the rest; coding x directly would spend the four levels on what every
 * row has in common. Codes hold z = (x − center) / spread instead, and the
 * query is weighted to match: q · x = q · center + (q ∘ spread) · z, where the
 * first term is the same for every row. All of it in the space of `Rotation`
 * (center and spread are of rotated components).
 */
export class Calibration {
  private readonly rotation: Rotation;
  private readonly rotated: Float32Array;

  private constructor(
    readonly center: Float32Array,
    readonly spread: Float32Array,
  ) {
    this.rotation = new Rotation(center.length);
    this.rotated = new Float32Array(center.length);
  }

  /** Fitted to sample rows (at least two). */
  static fit(samples: readonly ArrayLike<number>[], dims: number): Calibration {
    const center = new Float64Array(dims);
    const squares = new Float64Array(dims);
    const rotation = new Rotation(dims);
    const rotated = new Float32Array(dims);
    for (const sample of samples) {
      const row = rotation.apply(sample, rotated);
      for (let j = 0; j < dims; j++) {
        center[j]! += row[j]!;
        squares[j]! += row[j]! * row[j]!;
      }
    }
    const n = Math.max(1, samples.length);
    const spread = new Float32Array(dims);
    let total = 0;
    for (let j = 0; j < dims; j++) {
      center[j]! /= n;
      spread[j] = Math.sqrt(Math.max(0, squares[j]! / n - center[j]! * center[j]!));
      total += spread[j]!;
    }
    // A component that never varied in the sample may still vary later.
    const floor = (total / dims) * 1e-2 || 1;
    for (let j = 0; j < dims; j++) spread[j] = Math.max(spread[j]!, floor);
    return new Calibration(Float32Array.from(center), spread);
  }

  static fromBytes(bytes: ArrayBuffer | Uint8Array, dims: number): Calibration | null {
    const copy = new Uint8Array(bytes).slice();
    if (copy.byteLength !== dims * 8) return null;
    const floats = new Float32Array(copy.buffer);
    return new Calibration(floats.slice(0, dims), floats.slice(dims));
  }

  toBytes(): Uint8Array {
    const out = new Float32Array(this.center.length * 2);
    out.set(this.center);
    out.set(this.spread, this.center.length);
    return new Uint8Array(out.buffer);
  }

  /** The SIMD kernel of its rotation (whole blocks of 128), or null. */
  kernel(): RotationKernel | null {
    return this.rotation.kernel();
  }

  /** z of a vector, written to `out`. */
  standardise(vector: ArrayLike<number>, out: Float32Array): Float32Array {
    const rotated = this.rotation.apply(vector, this.rotated);
    return this.centre(rotated, out);
  }

  /** z of the vector at `source[at…at + dims)`, written to `out`. */
  standardiseAt(source: Float32Array, at: number, out: Float32Array): Float32Array {
    return this.centre(this.rotation.applyAt(source, at, this.rotated), out);
  }

  private centre(rotated: Float32Array, out: Float32Array): Float32Array {
    const center = this.center;
    const spread = this.spread;
    for (let j = 0; j < out.length; j++) out[j] = (rotated[j]! - center[j]!) / spread[j]!;
    return out;
  }

  /** The weighted query, q · center, and |q ∘ spread|² (in the rotated space). */
  weigh(query: ArrayLike<number>): { weighted: Float32Array; offset: number; weight: number } {
    const rotated = this.rotation.apply(query, new Float32Array(this.center.length));
    const weighted = new Float32Array(this.center.length);
    let offset = 0;
    let weight = 0;
    for (let j = 0; j < weighted.length; j++) {
      weighted[j] = rotated[j]! * this.spread[j]!;
      offset += rotated[j]! * this.center[j]!;
      weight += weighted[j]! * weighted[j]!;
    }
    return { weighted, offset, weight };
  }
}
