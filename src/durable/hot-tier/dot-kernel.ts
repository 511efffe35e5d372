import dotKernel from './simd/dot.wasm';

/**
 * The SIMD dot-product kernel (`simd/dot.wat`) and the WebAssembly memory it
 * scans. Offsets are byte addresses into the instance's own memory: the
 * vector index lays its blocks out there so that a scan copies nothing.
 */
export interface DotKernel {
  memory: WebAssembly.Memory;
  /** Float32 dot products of `count` consecutive rows with the query. */
  dot_rows(query: number, rows: number, dims: number, count: number, out: number): void;
  /** Float32 dot products of the rows whose numbers sit at `picks` (int32). */
  dot_picked(
    query: number,
    rows: number,
    dims: number,
    picks: number,
    count: number,
    out: number,
  ): void;
  /** Estimates from 2-bit codes against an int8 query (vector-codes.ts). */
  dot_codes(
    query: number,
    codes: number,
    codeBytes: number,
    count: number,
    scales: number,
    bias: number,
    unit: number,
    out: number,
  ): void;
  /**
   * vector-codes.ts's `Rotation` of `count` float32 vectors of `dims` (a
   * multiple of 128) at `src`, written to `dst`; `tables` holds the two
   * permutations, their signs and scratch (see dot.wat), `norm` is 1/√128.
   */
  rotate(src: number, dst: number, count: number, dims: number, tables: number, norm: number): void;
  /**
   * encodeVectors' coding of one rotated vector against a calibration
   * (`center`, `spread`), through `x` (dims floats of scratch): codes OR-ed
   * into `codes`, float64 scale and residual at `out` and `out + 8`.
   */
  code(
    rotated: number,
    center: number,
    spread: number,
    x: number,
    dims: number,
    codes: number,
    out: number,
  ): void;
  /**
   * Positions of the f32 scores at `scores` not below `threshold`, the first
   * `room` written (int32) to `out`; returns how many there are.
   */
  above(scores: number, count: number, threshold: number, out: number, room: number): number;
}

const PAGE_BYTES = 65_536;

/** A fresh instance of the precompiled module: each block owns its memory. */
export function instantiateDotKernel(): DotKernel {
  return new WebAssembly.Instance(dotKernel, {}).exports as unknown as DotKernel;
}

/** Grows `memory` to at least `bytes` (WebAssembly memory grows in whole pages). */
export function growMemory(memory: WebAssembly.Memory, bytes: number): void {
  const have = memory.buffer.byteLength;
  if (bytes > have) memory.grow(Math.ceil((bytes - have) / PAGE_BYTES));
}

/** Rounds up to a cache line, where each block of the kernel's memory starts. */
export const alignUp = (bytes: number, to = 64) => Math.ceil(bytes / to) * to;
