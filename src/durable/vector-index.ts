import dotKernel from './simd/dot.wasm';

/**
 * The HOT tier of a vault: every vector in one contiguous block of WebAssembly
 * memory (rows × dims float32), with a parallel Float64Array of timestamps and
 * an id array, all kept in (createdAt, id) order. A KRONOS window is then a
 * contiguous row range found by binary search, and a search scans only that
 * range with the SIMD kernel in `simd/dot.wat`.
 *
 * Scores are exact: the kernel's float32 dot products only pick candidates
 * (the top k plus a margin); the candidates are then re-scored in float64 and
 * ranked, so results match a float64 brute-force scan of the same data.
 *
 * Memory layout (byte offsets, 64-byte aligned):
 *   [0, vectorsOffset)                      the query vector
 *   [vectorsOffset, scoresOffset)           capacity rows of vectors
 *   [scoresOffset, scoresOffset + cap × 4)  scratch scores of the last scan
 */

interface KernelExports {
  memory: WebAssembly.Memory;
  dot_rows(query: number, rows: number, dims: number, count: number, out: number): void;
}

export interface IndexEntry {
  id: string;
  createdAt: number;
  /** Unit length, `dims` components. */
  vector: Float32Array;
}

export interface IndexHit {
  id: string;
  createdAt: number;
  score: number;
}

const PAGE_BYTES = 65_536;
const MIN_CAPACITY = 256;
/** Extra float32 candidates re-scored in float64 so near-ties cannot drop a true top-k row. */
const CANDIDATE_MARGIN = 16;

const alignUp = (bytes: number, to = 64) => Math.ceil(bytes / to) * to;

export class VectorIndex {
  readonly dims: number;
  private readonly kernel: KernelExports;
  private readonly rowBytes: number;
  private readonly vectorsOffset: number;
  private capacity = 0;
  private ids: string[] = [];
  private times = new Float64Array(0);

  constructor(dims: number) {
    if (!Number.isInteger(dims) || dims < 1)
      throw new RangeError('dims must be a positive integer');
    this.dims = dims;
    this.rowBytes = dims * 4;
    this.vectorsOffset = alignUp(this.rowBytes);
    // Each index owns its memory: a fresh instance of the precompiled module.
    this.kernel = new WebAssembly.Instance(dotKernel, {}).exports as unknown as KernelExports;
  }

  get size(): number {
    return this.ids.length;
  }

  /** Bytes of WebAssembly memory this index holds (vectors, query and scratch). */
  get memoryBytes(): number {
    return this.kernel.memory.buffer.byteLength;
  }

  /** Empties the index and reserves room for `rows` rows. */
  reset(rows = 0): void {
    this.ids = [];
    this.ensureCapacity(rows);
  }

  /**
   * Appends rows that sort after every row already held: the fast path for
   * loading pages or rows that are read in (createdAt, id) order.
   */
  appendSorted(
    ids: readonly string[],
    times: ArrayLike<number>,
    vectors: ArrayBuffer | Uint8Array,
  ): void {
    const count = ids.length;
    const bytes = vectors instanceof Uint8Array ? vectors : new Uint8Array(vectors);
    if (times.length !== count || bytes.byteLength !== count * this.rowBytes) {
      throw new Error(
        `a page of ${count} rows must carry ${count * this.rowBytes} bytes of vectors`,
      );
    }
    if (count === 0) return;
    const last = this.size - 1;
    if (last >= 0 && compareKeys(times[0]!, ids[0]!, this.times[last]!, this.ids[last]!) < 0) {
      throw new Error('appendSorted: rows arrive out of time order');
    }
    const at = this.size;
    this.ensureCapacity(at + count);
    new Uint8Array(this.kernel.memory.buffer).set(bytes, this.vectorsOffset + at * this.rowBytes);
    for (let i = 0; i < count; i++) {
      this.times[at + i] = times[i]!;
      this.ids.push(ids[i]!);
    }
  }

  /** A copy of rows [start, end): ids, timestamps and vector bytes (for checkpoints). */
  slice(start: number, end: number): { ids: string[]; times: Float64Array; vectors: Uint8Array } {
    const from = Math.max(0, start);
    const to = Math.min(end, this.size);
    return {
      ids: this.ids.slice(from, to),
      times: this.times.slice(from, to),
      vectors: new Uint8Array(this.kernel.memory.buffer).slice(
        this.vectorsOffset + from * this.rowBytes,
        this.vectorsOffset + to * this.rowBytes,
      ),
    };
  }

  /** Rows per checkpoint page so that a page's vectors stay within `maxBytes`. */
  rowsPerPage(maxBytes: number): number {
    return Math.max(1, Math.floor(maxBytes / this.rowBytes));
  }

  /** Inserts entries in time order: one merge pass, O(n + m log n). */
  insert(entries: readonly IndexEntry[]): void {
    if (entries.length === 0) return;
    const batch = [...entries].sort(compareEntries);
    const existing = this.size;
    this.ensureCapacity(existing + batch.length);
    const memory = this.floats();
    const ids = new Array<string>(existing + batch.length);
    const rowFloats = this.dims;
    const base = this.vectorsOffset / 4;

    // Merge from the end: each batch entry moves the block of existing rows
    // that sort after it up by the number of batch entries still to place.
    let unplaced = existing;
    for (let j = batch.length - 1; j >= 0; j--) {
      const entry = batch[j] as IndexEntry;
      if (entry.vector.length !== this.dims)
        throw new RangeError('vector has the wrong dimensions');
      const insertAt = this.upperBound(entry.createdAt, entry.id, unplaced);
      const shift = j + 1;
      if (insertAt < unplaced) {
        memory.copyWithin(
          base + (insertAt + shift) * rowFloats,
          base + insertAt * rowFloats,
          base + unplaced * rowFloats,
        );
        this.times.copyWithin(insertAt + shift, insertAt, unplaced);
        for (let k = unplaced - 1; k >= insertAt; k--) ids[k + shift] = this.ids[k] as string;
      }
      const target = insertAt + j;
      memory.set(entry.vector, base + target * rowFloats);
      this.times[target] = entry.createdAt;
      ids[target] = entry.id;
      unplaced = insertAt;
    }
    for (let k = 0; k < unplaced; k++) ids[k] = this.ids[k] as string;
    this.ids = ids;
  }

  /** Removes one row; returns whether it was there. */
  remove(id: string, createdAt: number): boolean {
    let row = this.lowerBound(createdAt);
    while (row < this.size && this.times[row] === createdAt && this.ids[row] !== id) row++;
    if (row >= this.size || this.ids[row] !== id) return false;
    const base = this.vectorsOffset / 4;
    this.floats().copyWithin(
      base + row * this.dims,
      base + (row + 1) * this.dims,
      base + this.size * this.dims,
    );
    this.times.copyWithin(row, row + 1, this.size);
    this.ids.splice(row, 1);
    return true;
  }

  clear(): void {
    this.ids = [];
  }

  /** Rows whose createdAt is in (after, until]: a half-open row range [start, end). */
  range(after: number | null, until: number): { start: number; end: number } {
    const start = after === null ? 0 : this.upperBoundTime(after);
    const end = Math.max(start, this.upperBoundTime(until));
    return { start, end };
  }

  idAt(row: number): string {
    const id = this.ids[row];
    if (id === undefined) throw new RangeError(`row ${row} is out of range`);
    return id;
  }

  /**
   * The k rows of [start, end) most similar to `query` (unit length), best
   * first; ties go to the newer row. `accept` narrows the rows considered
   * before ranking (a metadata filter), so a filter never shortens the top-k.
   */
  search(
    query: Float32Array,
    start: number,
    end: number,
    k: number,
    accept?: (id: string) => boolean,
  ): IndexHit[] {
    if (query.length !== this.dims) throw new RangeError('query has the wrong dimensions');
    const count = Math.min(end, this.size) - start;
    if (k <= 0 || count <= 0) return [];

    const scoresOffset = this.scoresOffset();
    const memory = this.floats();
    memory.set(query, 0);
    this.kernel.dot_rows(
      0,
      this.vectorsOffset + start * this.rowBytes,
      this.dims,
      count,
      scoresOffset,
    );
    const scores = new Float32Array(this.kernel.memory.buffer, scoresOffset, count);

    // Float32 pass: keep the best `slots` rows in a small unsorted buffer. Rows
    // are visited oldest first and ties go to the newer row, so an equal score
    // displaces the oldest of the weakest candidates.
    const slots = Math.min(count, k + CANDIDATE_MARGIN);
    const candidateRows = new Int32Array(slots);
    const candidateScores = new Float32Array(slots);
    let filled = 0;
    let weakest = 0;
    let threshold = -Infinity;
    for (let i = 0; i < count; i++) {
      const score = scores[i] as number;
      if (filled === slots && score < threshold) continue;
      if (accept !== undefined && !accept(this.ids[start + i] as string)) continue;
      if (filled < slots) {
        candidateRows[filled] = start + i;
        candidateScores[filled] = score;
        filled++;
        if (filled < slots) continue;
      } else {
        candidateRows[weakest] = start + i;
        candidateScores[weakest] = score;
      }
      weakest = 0;
      for (let s = 1; s < slots; s++) {
        const score = candidateScores[s] as number;
        const weakestScore = candidateScores[weakest] as number;
        if (
          score < weakestScore ||
          (score === weakestScore &&
            (candidateRows[s] as number) < (candidateRows[weakest] as number))
        ) {
          weakest = s;
        }
      }
      threshold = candidateScores[weakest] as number;
    }

    // Float64 pass: exact scores for the candidates, then the final order.
    const base = this.vectorsOffset / 4;
    const hits: (IndexHit & { row: number })[] = [];
    for (let c = 0; c < filled; c++) {
      const row = candidateRows[c] as number;
      const offset = base + row * this.dims;
      let score = 0;
      for (let j = 0; j < this.dims; j++) {
        score += (query[j] as number) * (memory[offset + j] as number);
      }
      hits.push({ id: this.ids[row] as string, createdAt: this.times[row] as number, score, row });
    }
    hits.sort((a, b) => b.score - a.score || b.row - a.row);
    return hits.slice(0, k).map(({ id, createdAt, score }) => ({ id, createdAt, score }));
  }

  private floats(): Float32Array {
    return new Float32Array(this.kernel.memory.buffer);
  }

  private scoresOffset(): number {
    return alignUp(this.vectorsOffset + this.capacity * this.rowBytes);
  }

  private ensureCapacity(rows: number): void {
    if (rows <= this.capacity) return;
    const capacity = Math.max(rows, Math.ceil(this.capacity * 1.5), MIN_CAPACITY);
    const needed = alignUp(this.vectorsOffset + capacity * this.rowBytes) + capacity * 4;
    const have = this.kernel.memory.buffer.byteLength;
    if (needed > have) this.kernel.memory.grow(Math.ceil((needed - have) / PAGE_BYTES));
    const times = new Float64Array(capacity);
    times.set(this.times.subarray(0, this.size));
    this.times = times;
    this.capacity = capacity;
  }

  /** First row in [0, limit) whose key sorts after (createdAt, id). */
  private upperBound(createdAt: number, id: string, limit: number): number {
    let lo = 0;
    let hi = limit;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const time = this.times[mid] as number;
      if (time < createdAt || (time === createdAt && (this.ids[mid] as string) <= id)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First row whose createdAt > time. */
  private upperBoundTime(time: number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.times[mid] as number) <= time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First row whose createdAt >= time. */
  private lowerBound(time: number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.times[mid] as number) < time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function compareKeys(timeA: number, idA: string, timeB: number, idB: string): number {
  return timeA - timeB || (idA < idB ? -1 : idA > idB ? 1 : 0);
}

function compareEntries(a: IndexEntry, b: IndexEntry): number {
  return compareKeys(a.createdAt, a.id, b.createdAt, b.id);
}
