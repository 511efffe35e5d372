import { failure, type Failure } from './errors';

/**
 * Checks a vector and returns it as a unit-length Float32Array (one that
 * already is, to float32's precision, as it is). Cosine similarity then
 * reduces to a dot product, which is what the hot index scans.
 * Refuses (never silently fixes) a wrong length, a NaN or infinite component
 * and the zero vector, which has no direction to compare.
 */
export function normalizeVector(
  values: ArrayLike<number>,
  dimensions: number,
): { ok: true; vector: Float32Array } | Failure {
  if (values.length !== dimensions) {
    return failure(
      'BAD_USER_INPUT',
      `embedding has ${values.length} dimensions; this vault uses ${dimensions}`,
      'EMBEDDING_DIMENSIONS',
    );
  }
  // Scaled by the largest magnitude first: squaring 1e308 overflows to
  // Infinity and squaring 1e-200 underflows to 0, though both vectors have a
  // perfectly good direction.
  let largest = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      return failure(
        'BAD_USER_INPUT',
        `embedding component ${i} is not a finite number`,
        'EMBEDDING_NOT_FINITE',
      );
    }
    largest = Math.max(largest, Math.abs(value));
  }
  if (largest === 0) {
    return failure('BAD_USER_INPUT', 'embedding is the zero vector', 'EMBEDDING_ZERO');
  }
  if (isFloat32UnitVector(values, largest)) return { ok: true, vector: Float32Array.from(values) };
  let sumOfSquares = 0;
  for (let i = 0; i < values.length; i++) {
    const scaled = (values[i] as number) / largest;
    sumOfSquares += scaled * scaled;
  }
  const norm = Math.sqrt(sumOfSquares);
  const vector = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) vector[i] = (values[i] as number) / largest / norm;
  return { ok: true, vector };
}

/**
 * How far from 1 the squared length of a vector of float32 components may
 * be and still count as a unit vector: a unit vector rounded to float32
 * misses 1 by about 1e-7 at any dimension; one that misses it by more was
 * not meant to be of length 1.
 */
const FLOAT32_UNIT_TOLERANCE = 1e-6;

/**
 * Whether `values` is already a unit vector as float32 holds one (an
 * export's vector read back, or an embedder's): every component exactly a
 * float32, the length 1 within rounding. Such a vector is kept bit for bit;
 * scaling it again would move the last bit of some components, so a vault
 * exported, imported and exported again would not reproduce its checksum.
 */
function isFloat32UnitVector(values: ArrayLike<number>, largest: number): boolean {
  if (largest > 1) return false;
  let sumOfSquares = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    if (Math.fround(value) !== value) return false;
    sumOfSquares += value * value;
  }
  return Math.abs(sumOfSquares - 1) <= FLOAT32_UNIT_TOLERANCE;
}

/** Little-endian float32 bytes for SQLite BLOBs and snapshots (never JSON numbers). */
export function vectorToBytes(vector: Float32Array): Uint8Array {
  return new Uint8Array(
    vector.buffer.slice(vector.byteOffset, vector.byteOffset + vector.byteLength),
  );
}
