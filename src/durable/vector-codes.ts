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

/** Uniform step of the 2-bit levels, in standard deviations of the components. */
const STEP_IN_SIGMAS = 0.996;

/** Bytes of one vector's codes. */
export function codeBytesFor(dims: number): number {
  return Math.ceil(dims / 64) * 16;
}

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
