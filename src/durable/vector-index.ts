import dotKernel from './simd/dot.wasm';

/**
 * The HOT tier of a vault: every vector in one contiguous block of WebAssembly
 * memory (rows × dims float32), with parallel arrays of timestamps, insertion
 * sequence numbers, chunk numbers and ids, all kept in (createdAt, seq, chunk)
 * order: time order, and within one timestamp the order the memories were
 * stored in. A KRONOS window is then a contiguous row range found by binary
 * search, and a search scans only that range with the SIMD kernel in
 * `simd/dot.wat`.
 *
 * A memory is one row, or one row per chunk when it was indexed in chunks
 * (long content, see src/text/chunks.ts); its rows are adjacent, and a search
 * returns each memory once, with its best chunk.
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
  /** The memory's insertion sequence number (its SQLite rowid). */
  seq: number;
  /** Chunk number within the memory; 0 for a memory indexed whole. */
  chunk?: number;
  createdAt: number;
  /** Unit length, `dims` components. */
  vector: Float32Array;
}

export interface IndexHit {
  id: string;
  seq: number;
  /** The chunk that scored best. */
  chunk: number;
  createdAt: number;
  score: number;
}

/**
 * How similar the query is to every row of a scanned range, for telling a
 * row that stands out from the noise (score-fusion.ts).
 */
export interface SimilarityStats {
  rows: number;
  mean: number;
  /** Standard deviation; 0 when every row scores alike. */
  deviation: number;
}

/** Rows in key order, as checkpoint pages hold them. */
export interface IndexRows {
  ids: readonly string[];
  seqs: ArrayLike<number>;
  chunks: ArrayLike<number>;
  times: ArrayLike<number>;
  vectors: ArrayBuffer | Uint8Array;
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
  private seqs = new Int32Array(0);
  private chunks = new Int32Array(0);
  private memories = 0;

  constructor(dims: number) {
    if (!Number.isInteger(dims) || dims < 1)
      throw new RangeError('dims must be a positive integer');
    this.dims = dims;
    this.rowBytes = dims * 4;
    this.vectorsOffset = alignUp(this.rowBytes);
    // Each index owns its memory: a fresh instance of the precompiled module.
    this.kernel = new WebAssembly.Instance(dotKernel, {}).exports as unknown as KernelExports;
  }

  /** Rows held (a memory indexed in chunks has one per chunk). */
  get size(): number {
    return this.ids.length;
  }

  /** Memories held. */
  get memoryCount(): number {
    return this.memories;
  }

  /** Bytes of WebAssembly memory this index holds (vectors, query and scratch). */
  get memoryBytes(): number {
    return this.kernel.memory.buffer.byteLength;
  }

  /** Empties the index and reserves room for `rows` rows. */
  reset(rows = 0): void {
    this.ids = [];
    this.memories = 0;
    this.ensureCapacity(rows);
  }

  /**
   * Appends rows that sort after every row already held: the fast path for
   * loading pages or rows that are read in (createdAt, seq, chunk) order.
   */
  appendSorted(rows: IndexRows): void {
    const count = rows.ids.length;
    const bytes = rows.vectors instanceof Uint8Array ? rows.vectors : new Uint8Array(rows.vectors);
    if (
      rows.times.length !== count ||
      rows.seqs.length !== count ||
      rows.chunks.length !== count ||
      bytes.byteLength !== count * this.rowBytes
    ) {
      throw new Error(
        `a page of ${count} rows must carry ${count * this.rowBytes} bytes of vectors`,
      );
    }
    if (count === 0) return;
    const last = this.size - 1;
    if (
      last >= 0 &&
      compareKeys(
        rows.times[0]!,
        rows.seqs[0]!,
        rows.chunks[0]!,
        this.times[last]!,
        this.seqs[last]!,
        this.chunks[last]!,
      ) <= 0
    ) {
      throw new Error('appendSorted: rows arrive out of order');
    }
    const at = this.size;
    this.ensureCapacity(at + count);
    new Uint8Array(this.kernel.memory.buffer).set(bytes, this.vectorsOffset + at * this.rowBytes);
    for (let i = 0; i < count; i++) {
      this.times[at + i] = rows.times[i]!;
      this.seqs[at + i] = rows.seqs[i]!;
      this.chunks[at + i] = rows.chunks[i]!;
      this.ids.push(rows.ids[i]!);
      if (rows.chunks[i] === 0) this.memories++;
    }
  }

  /** A copy of rows [start, end) (for checkpoints). */
  slice(
    start: number,
    end: number,
  ): {
    ids: string[];
    seqs: Int32Array;
    chunks: Int32Array;
    times: Float64Array;
    vectors: Uint8Array;
  } {
    const from = Math.max(0, start);
    const to = Math.min(end, this.size);
    return {
      ids: this.ids.slice(from, to),
      seqs: this.seqs.slice(from, to),
      chunks: this.chunks.slice(from, to),
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
      const insertAt = this.upperBound(entry, unplaced);
      const shift = j + 1;
      if (insertAt < unplaced) {
        memory.copyWithin(
          base + (insertAt + shift) * rowFloats,
          base + insertAt * rowFloats,
          base + unplaced * rowFloats,
        );
        this.times.copyWithin(insertAt + shift, insertAt, unplaced);
        this.seqs.copyWithin(insertAt + shift, insertAt, unplaced);
        this.chunks.copyWithin(insertAt + shift, insertAt, unplaced);
        for (let k = unplaced - 1; k >= insertAt; k--) ids[k + shift] = this.ids[k] as string;
      }
      const target = insertAt + j;
      memory.set(entry.vector, base + target * rowFloats);
      this.times[target] = entry.createdAt;
      this.seqs[target] = entry.seq;
      this.chunks[target] = entry.chunk ?? 0;
      ids[target] = entry.id;
      if ((entry.chunk ?? 0) === 0) this.memories++;
      unplaced = insertAt;
    }
    for (let k = 0; k < unplaced; k++) ids[k] = this.ids[k] as string;
    this.ids = ids;
  }

  /** Removes a memory (all its chunk rows); returns whether it was there. */
  remove(id: string, createdAt: number): boolean {
    let row = this.lowerBound(createdAt);
    while (row < this.size && this.times[row] === createdAt && this.ids[row] !== id) row++;
    if (row >= this.size || this.ids[row] !== id) return false;
    let end = row + 1;
    while (end < this.size && this.ids[end] === id) end++;
    const base = this.vectorsOffset / 4;
    this.floats().copyWithin(
      base + row * this.dims,
      base + end * this.dims,
      base + this.size * this.dims,
    );
    this.times.copyWithin(row, end, this.size);
    this.seqs.copyWithin(row, end, this.size);
    this.chunks.copyWithin(row, end, this.size);
    this.ids.splice(row, end - row);
    this.memories--;
    return true;
  }

  clear(): void {
    this.ids = [];
    this.memories = 0;
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
   * The k memories of rows [start, end) most similar to `query` (unit
   * length), best first, each scored by its best chunk; ties go to the newer
   * row. `accept` narrows the memories considered (by seq) before ranking (a
   * metadata filter), so a filter never shortens the top-k. `stats`, when
   * given, receives the spread of the scores of every row in the range (the
   * scan computes them all anyway).
   */
  search(
    query: Float32Array,
    start: number,
    end: number,
    k: number,
    accept?: (seq: number) => boolean,
    stats?: SimilarityStats,
  ): IndexHit[] {
    if (query.length !== this.dims) throw new RangeError('query has the wrong dimensions');
    const count = Math.min(end, this.size) - start;
    if (k <= 0 || count <= 0) return [];
    // Chunks of one memory can fill the candidates: widen until k memories are in.
    for (let rows = k; ; rows *= 2) {
      const hits = this.topRows(query, start, count, rows, accept, stats);
      const seen = new Set<number>();
      const memories = hits.filter((hit) => !seen.has(hit.seq) && seen.add(hit.seq));
      if (memories.length >= k || hits.length < rows) return memories.slice(0, k);
    }
  }

  /** The best `k` rows (not memories) among `count` rows from `start`. */
  private topRows(
    query: Float32Array,
    start: number,
    count: number,
    k: number,
    accept?: (seq: number) => boolean,
    stats?: SimilarityStats,
  ): IndexHit[] {
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
    if (stats !== undefined) spread(scores, stats);

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
      if (accept !== undefined && !accept(this.seqs[start + i]!)) continue;
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
      hits.push({
        id: this.ids[row] as string,
        seq: this.seqs[row]!,
        chunk: this.chunks[row]!,
        createdAt: this.times[row] as number,
        score,
        row,
      });
    }
    hits.sort((a, b) => b.score - a.score || b.row - a.row);
    return hits
      .slice(0, k)
      .map(({ id, seq, chunk, createdAt, score }) => ({ id, seq, chunk, createdAt, score }));
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
    const seqs = new Int32Array(capacity);
    seqs.set(this.seqs.subarray(0, this.size));
    this.seqs = seqs;
    const chunks = new Int32Array(capacity);
    chunks.set(this.chunks.subarray(0, this.size));
    this.chunks = chunks;
    this.capacity = capacity;
  }

  /** First row in [0, limit) whose key sorts after the entry's (createdAt, seq, chunk). */
  private upperBound(entry: IndexEntry, limit: number): number {
    let lo = 0;
    let hi = limit;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const order = compareKeys(
        this.times[mid]!,
        this.seqs[mid]!,
        this.chunks[mid]!,
        entry.createdAt,
        entry.seq,
        entry.chunk ?? 0,
      );
      if (order <= 0) lo = mid + 1;
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

/**
 * Mean and standard deviation of the scores, summed in float64: cosines lie
 * in [-1, 1], so plain sums lose nothing that matters even at 250,000 rows.
 */
function spread(scores: Float32Array, stats: SimilarityStats): void {
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i]!;
    sum += score;
    squares += score * score;
  }
  const rows = scores.length;
  const mean = rows > 0 ? sum / rows : 0;
  stats.rows = rows;
  stats.mean = mean;
  stats.deviation = rows > 0 ? Math.sqrt(Math.max(0, squares / rows - mean * mean)) : 0;
}

function compareKeys(
  timeA: number,
  seqA: number,
  chunkA: number,
  timeB: number,
  seqB: number,
  chunkB: number,
): number {
  return timeA - timeB || seqA - seqB || chunkA - chunkB;
}

function compareEntries(a: IndexEntry, b: IndexEntry): number {
  return compareKeys(a.createdAt, a.seq, a.chunk ?? 0, b.createdAt, b.seq, b.chunk ?? 0);
}
