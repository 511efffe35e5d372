import { rotationKernel, SIMD_BLOCK, type RotationKernel } from './vector-code-kernel';

/**
 * A fixed orthogonal mixing of the components: two rounds of sign flips, a
 * permutation and Walsh–Hadamard transforms on blocks of up to 128
 * components. Dot products are unchanged, but a few components that carry
 * most of the variance (real embeddings have them) are spread over many, so
 * the 2-bit codes' error no longer piles up where the query weighs most. The
 * same seed everywhere: the mixing is part of the code format.
 */
export class Rotation {
  private readonly firstOrder: Int32Array;
  private readonly firstSigns: Float32Array;
  private readonly secondOrder: Int32Array;
  private readonly secondSigns: Float32Array;
  /** Sizes of the Hadamard blocks, in order (powers of two up to 128). */
  private readonly blocks: Int32Array;
  private readonly first: Float32Array;
  private readonly second: Float32Array;
  /** The SIMD kernel for these dimensions, false when they are not whole blocks of 128 (found on first use). */
  private simd: RotationKernel | false | null = null;

  /** `simd: false` keeps to the JavaScript loops (the tests compare the two). */
  constructor(
    readonly dims: number,
    options: { simd?: boolean } = {},
  ) {
    if (options.simd === false) this.simd = false;
    let seed = 0x5eed ^ dims;
    const next = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const [first, second] = [0, 1].map(() => {
      const order = Int32Array.from({ length: dims }, (_, i) => i);
      for (let i = dims - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      const signs = Float32Array.from({ length: dims }, () => (next() < 0.5 ? -1 : 1));
      return { order, signs };
    }) as [{ order: Int32Array; signs: Float32Array }, { order: Int32Array; signs: Float32Array }];
    this.firstOrder = first.order;
    this.firstSigns = first.signs;
    this.secondOrder = second.order;
    this.secondSigns = second.signs;
    const blocks: number[] = [];
    for (let left = dims; left > 0;) {
      const size = Math.min(128, 2 ** Math.floor(Math.log2(left)));
      blocks.push(size);
      left -= size;
    }
    this.blocks = Int32Array.from(blocks);
    this.first = new Float32Array(dims);
    this.second = new Float32Array(dims);
  }

  /** R·x, written to `out` (which may be x). */
  apply(x: ArrayLike<number>, out: Float32Array): Float32Array {
    if (x instanceof Float32Array) return this.applyAt(x, 0, out);
    return this.applyAt(Float32Array.from(x), 0, out);
  }

  /**
   * R·x for the vector at `source[at…at + dims)`, written to `out`. Each
   * round's result goes through a float32 array, as the stored format has
   * always rounded it. Vectors whose dimensions are whole Hadamard blocks
   * of 128 (384, 768, 1,536, …) go through the SIMD kernel (dot.wat
   * `rotate`), which gives the same bits four lanes at a time.
   */
  applyAt(source: Float32Array, at: number, out: Float32Array): Float32Array {
    const dims = this.dims;
    const simd = this.kernel();
    if (simd !== null) {
      const { kernel, tables, io } = simd;
      io.set(source.subarray(at, at + dims));
      kernel.rotate(io.byteOffset, io.byteOffset, 1, dims, tables, 1 / Math.sqrt(SIMD_BLOCK));
      out.set(io);
      return out;
    }
    const first = this.first;
    const second = this.second;
    permute(source, at, this.firstOrder, this.firstSigns, first, dims);
    hadamardBlocks(first, this.blocks);
    permute(first, 0, this.secondOrder, this.secondSigns, second, dims);
    hadamardBlocks(second, this.blocks);
    out.set(second);
    return out;
  }

  /** The SIMD kernel these dimensions use, or null (not whole blocks of 128, or turned off). */
  kernel(): RotationKernel | null {
    this.simd ??=
      this.dims % SIMD_BLOCK === 0 ? rotationKernel(this.dims, () => this.tables()) : false;
    return this.simd === false ? null : this.simd;
  }

  /** The permutations and signs, for the SIMD kernel's tables. */
  tables(): { order: Int32Array; signs: Float32Array }[] {
    return [
      { order: this.firstOrder, signs: this.firstSigns },
      { order: this.secondOrder, signs: this.secondSigns },
    ];
  }
}

/** out[j] = source[at + order[j]] × signs[j]. */
function permute(
  source: Float32Array,
  at: number,
  order: Int32Array,
  signs: Float32Array,
  out: Float32Array,
  dims: number,
): void {
  for (let j = 0; j < dims; j++) out[j] = source[at + order[j]!]! * signs[j]!;
}

/**
 * The orthonormal Walsh–Hadamard transform of each block of `v` in turn, in
 * place. Levels go in pairs (a radix-4 butterfly: half the loads and stores),
 * each sum rounded to float32 with `Math.fround` exactly where the one-level
 * loop stored it, so the result is the same to the bit.
 */
function hadamardBlocks(v: Float32Array, blocks: Int32Array): void {
  const round = Math.fround;
  let at = 0;
  for (let b = 0; b < blocks.length; b++) {
    const size = blocks[b]!;
    const end = at + size;
    let half = 1;
    for (; half * 2 < size; half <<= 2) {
      // Levels `half` and `2 × half` over groups of 4 × half.
      const span = half << 2;
      for (let i = at; i < end; i += span) {
        const stop = i + half;
        for (let j = i; j < stop; j++) {
          const a0 = v[j]!;
          const a1 = v[j + half]!;
          const a2 = v[j + 2 * half]!;
          const a3 = v[j + 3 * half]!;
          const b0 = round(a0 + a1);
          const b1 = round(a0 - a1);
          const b2 = round(a2 + a3);
          const b3 = round(a2 - a3);
          v[j] = b0 + b2;
          v[j + half] = b1 + b3;
          v[j + 2 * half] = b0 - b2;
          v[j + 3 * half] = b1 - b3;
        }
      }
    }
    const norm = 1 / Math.sqrt(size);
    if (half < size) {
      // One level left (an odd number of them), scaled on the way out.
      const span = half << 1;
      for (let i = at; i < end; i += span) {
        const stop = i + half;
        for (let j = i; j < stop; j++) {
          const a = v[j]!;
          const c = v[j + half]!;
          v[j] = round(a + c) * norm;
          v[j + half] = round(a - c) * norm;
        }
      }
    } else {
      for (let j = at; j < end; j++) v[j] = v[j]! * norm;
    }
    at = end;
  }
}
