/**
 * The SIMD kernel that rotates and codes vectors (dot.wat `rotate` and
 * `code`), one instance per dimension count in the isolate, and the layout
 * of 2-bit codes it writes (vector-codes.ts reads and explains them).
 */
import { alignUp, growMemory, instantiateDotKernel, type DotKernel } from './dot-kernel';

/** Bytes of one vector's codes. */
export function codeBytesFor(dims: number): number {
  return Math.ceil(dims / 64) * 16;
}

/** The Hadamard block the SIMD kernel handles: dimensions must be whole blocks of it. */
export const SIMD_BLOCK = 128;

export interface RotationKernel {
  kernel: DotKernel;
  /** Byte offset of the permutations, signs and scratch. */
  tables: number;
  /** One vector's room in the kernel's memory: copied in, rotated in place, copied out. */
  io: Float32Array;
  /** A calibration's centre and spread, copied in per batch (`encodeVectors`). */
  center: Float32Array;
  spread: Float32Array;
  /** Scratch for the standardised components. */
  x: number;
  /** One vector's codes, and its scale and residual (float64). */
  codes: Uint8Array;
  result: Float64Array;
}

/**
 * The rotation is fixed per dimension count (its seed is), so one kernel
 * instance per count serves every `Rotation` of the isolate (calls run one
 * at a time on its one thread).
 */
const rotationKernels = new Map<number, RotationKernel>();

export function rotationKernel(
  dims: number,
  /** The rotation's permutations and signs, asked for only when the kernel is made. */
  tables: () => { order: Int32Array; signs: Float32Array }[],
): RotationKernel {
  const known = rotationKernels.get(dims);
  if (known !== undefined) return known;
  const kernel = instantiateDotKernel();
  const vectorBytes = dims * 4;
  const io = alignUp(5 * vectorBytes);
  const center = alignUp(io + vectorBytes);
  const spread = alignUp(center + vectorBytes);
  const x = alignUp(spread + vectorBytes);
  const codes = alignUp(x + vectorBytes);
  const result = alignUp(codes + codeBytesFor(dims));
  growMemory(kernel.memory, result + 16);
  const buffer = kernel.memory.buffer;
  tables().forEach(({ order, signs }, round) => {
    new Int32Array(buffer, 2 * round * vectorBytes, dims).set(order);
    new Float32Array(buffer, (2 * round + 1) * vectorBytes, dims).set(signs);
  });
  const made = {
    kernel,
    tables: 0,
    io: new Float32Array(buffer, io, dims),
    center: new Float32Array(buffer, center, dims),
    spread: new Float32Array(buffer, spread, dims),
    x,
    codes: new Uint8Array(buffer, codes, codeBytesFor(dims)),
    result: new Float64Array(buffer, result, 2),
  };
  rotationKernels.set(dims, made);
  return made;
}
