import dotKernel from './simd/dot.wasm';
import { affordable, registerHolder, type HotHolder } from './hot-budget';
import { kthLargest } from './selection';
import {
  Calibration,
  codeBytesFor,
  encodeVector,
  encodeVectors,
  quantiseQuery,
  type Encoded,
} from './vector-codes';

/**
 * The HOT tier of a vault: every row's 2-bit codes (vector-codes.ts) in one
 * block of WebAssembly memory, with parallel arrays of timestamps, insertion
 * sequence numbers and chunk numbers, all kept in (createdAt, seq, chunk)
 * order: time order, and within one timestamp the order the memories were
 * stored in. A KRONOS window is then a contiguous row range found by binary
 * search. Rows are keyed by seq (the memory's SQLite rowid): ids are looked
 * up when hits are hydrated, as JS strings would cost more than the codes.
 *
 * A memory is one row, or one row per chunk when it was indexed in chunks
 * (long content, see src/text/chunks.ts); its rows are adjacent, and a search
 * returns each memory once, with its best chunk.
 *
 * Scores are exact. A search scans the window's codes with the SIMD kernel in
 * `simd/dot.wat`, keeps the best k + RERANK candidates by the estimate, and
 * re-scores those from the exact float32 vectors, in float64. The exact
 * vectors of a small vault stay in memory (a second block, also scanned
 * directly when a window is small); a large vault's are read from SQLite
 * (`ExactVectors`), a few hundred rows per search.
 *
 * Memory: 96 bytes of codes and 24 of keys per 384-dimension row (about
 * 30 MiB at 250,000 rows), plus 1,540 per row for the float32 block and its
 * slots while it is kept. Growth asks the isolate's budget first (hot-budget.ts); refused,
 * the index drops its float32 block.
 *
 * Why one long file: the parallel arrays, the two WebAssembly blocks and the
 * row order are one data structure whose invariants every method keeps
 * (insert, remove, load, search, grow, drop); the code itself (vector-codes.ts),
 * the budget (hot-budget.ts) and the checkpoint (hot-checkpoint.ts) are apart.
 */

interface KernelExports {
  memory: WebAssembly.Memory;
  dot_rows(query: number, rows: number, dims: number, count: number, out: number): void;
  dot_picked(
    query: number,
    rows: number,
    dims: number,
    picks: number,
    count: number,
    out: number,
  ): void;
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
}

export interface IndexEntry {
  /** The memory's insertion sequence number (its SQLite rowid). */
  seq: number;
  /** Chunk number within the memory; 0 for a memory indexed whole. */
  chunk?: number;
  createdAt: number;
  /** Unit length, `dims` components. */
  vector: Float32Array;
}

export interface IndexHit {
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

/** The exact vectors of memories, by seq: every chunk's vector back to back. */
export type ExactVectors = (seqs: readonly number[]) => Map<number, Float32Array>;

export interface VectorIndexOptions {
  /**
   * Reads exact vectors for re-scoring once the float32 block is dropped;
   * without it the index always keeps the block (tests, tools).
   */
  exact?: ExactVectors;
  /** Most bytes of float32 vectors kept in memory (with `exact` only). */
  floatBlockBytes?: number;
  /**
   * The rows of (after, through] from storage, for the part of a window the
   * index no longer holds once it is over the isolate's budget.
   */
  coldRows?: ColdRows;
  /** The isolate's hot budget (tests make it small). */
  isolateBudget?: number;
  /** Who holds the index (the vault object's id): a newer index of the same owner replaces it in the isolate's budget. */
  owner?: string;
}

/** A memory read from storage: its seq, time and every chunk's vector back to back. */
export interface StoredVectors {
  seq: number;
  createdAt: number;
  vectors: Float32Array;
}

export type ColdRows = (after: number | null, through: number) => Iterable<StoredVectors>;

/** Rows in key order, as checkpoint pages hold them. */
export interface IndexRows {
  seqs: ArrayLike<number>;
  chunks: ArrayLike<number>;
  times: ArrayLike<number>;
  codes: Uint8Array;
  scales: ArrayLike<number>;
  residuals: ArrayLike<number>;
  /** The float32 vectors, when the page carries them. */
  vectors?: Uint8Array | null;
}

/** Rows in key order with their float32 vectors (a memory's rows, or an old page). */
export interface FloatRows {
  seqs: ArrayLike<number>;
  chunks: ArrayLike<number>;
  times: ArrayLike<number>;
  vectors: ArrayBuffer | Uint8Array;
}

const PAGE_BYTES = 65_536;
const MIN_CAPACITY = 256;
/**
 * Exact re-scores beyond the top k taken from the code estimates: 256, and
 * one per 384 rows past 98,304 (random vectors at 250,000 rows need about
 * 650 for 99% agreement; bench/hot-tier.bench.ts).
 */
const RERANK = 256;
const RERANK_ROWS_EACH = 384;
/** Float32 candidates re-scored in float64, beyond k, so near-ties cannot drop a true top-k row. */
const CANDIDATE_MARGIN = 16;
/** Windows up to this many rows are scanned exactly when the float32 block is kept. */
const EXACT_SCAN_ROWS = 2_048;
/** The float32 block is kept while it stays within this (and the isolate's budget). */
export const FLOAT_BLOCK_BYTES = 16 * 1024 * 1024;
/** Bytes per row besides the vectors: timestamp, seq, chunk, residual. */
const KEY_BYTES = 8 + 4 + 4 + 4;
/** A row's float32 slot, held only with the float32 block. */
const SLOT_BYTES = 4;
/** Rows at which an uncalibrated index fits its calibration (and re-codes its rows). */
const CALIBRATION_ROWS = 256;
/** Most rows a calibration is fitted to. */
const CALIBRATION_SAMPLE = 4_096;
/** Growth factor of the reserved rows: small, so a full vault stays near its budget. */
const GROWTH = 1.25;

const alignUp = (bytes: number, to = 64) => Math.ceil(bytes / to) * to;

export class VectorIndex implements HotHolder {
  readonly dims: number;
  private readonly codeBytes: number;
  private readonly rowBytes: number;
  private readonly codesKernel: KernelExports;
  private readonly queryBytes: number;
  private floatsKernel: KernelExports | null = null;
  /**
   * False while the float32 block is being filled after a wake-up (rows
   * woke on their codes; `fillFloats` brings their vectors in): until then
   * candidates are re-scored from storage, as in a vault without the block.
   */
  private floatsReady = true;
  private capacity = 0;
  private count = 0;
  private times = new Float64Array(0);
  private seqs = new Int32Array(0);
  private chunks = new Int32Array(0);
  /**
   * Where each row's float32 vector sits in the float32 block. The block is
   * filled in arrival order, not key order: a backdated batch then moves
   * only the codes and keys of the rows after it (about 120 bytes a row),
   * not their vectors (1,536). Slots of removed rows stay empty until
   * `compactFloats` packs the block again. Empty once the block is dropped
   * (writes to it are then no-ops), so a large vault's rows cost no more.
   */
  private slots = new Int32Array(0);
  /** Slots handed out since the block was last packed (holes included). */
  private slotsUsed = 0;
  private residuals = new Float32Array(0);
  private residualSum = 0;
  private memories = 0;

  private readonly exact: ExactVectors | null;
  private readonly floatBlockBytes: number;
  private readonly coldRows: ColdRows | null;
  private readonly isolateBudget: number | undefined;
  /**
   * Over budget, the index holds only the newest rows: those created after
   * this time. null while it holds every row.
   */
  private coldThroughTime: number | null = null;
  /** How rows are standardised before coding; null until fitted (codes of x itself). */
  private calibrationFit: Calibration | null = null;
  private readonly standardised: Float32Array;

  constructor(dims: number, options: VectorIndexOptions = {}) {
    if (!Number.isInteger(dims) || dims < 1)
      throw new RangeError('dims must be a positive integer');
    this.dims = dims;
    this.codeBytes = codeBytesFor(dims);
    this.rowBytes = dims * 4;
    this.queryBytes = alignUp(this.codeBytes * 4);
    // Each index owns its memory: fresh instances of the precompiled module.
    this.codesKernel = instantiate();
    this.floatsKernel = instantiate();
    this.exact = options.exact ?? null;
    this.floatBlockBytes = options.floatBlockBytes ?? FLOAT_BLOCK_BYTES;
    this.standardised = new Float32Array(dims);
    this.coldRows = options.coldRows ?? null;
    this.isolateBudget = options.isolateBudget;
    registerHolder(this, options.owner);
  }

  /** Rows held (a memory indexed in chunks has one per chunk). */
  get size(): number {
    return this.count;
  }

  /** Memories held. */
  get memoryCount(): number {
    return this.memories;
  }

  /** Whether the index keeps a float32 block (complete, or still being filled). */
  get holdsFloats(): boolean {
    return this.floatsKernel !== null;
  }

  /** Whether the float32 block is kept but not yet filled: searches re-score from storage. */
  get floatsPending(): boolean {
    return this.floatsKernel !== null && !this.floatsReady;
  }

  /** Whether search can use the float32 block. */
  private get floatsUsable(): boolean {
    return this.floatsKernel !== null && this.floatsReady;
  }

  /** Bytes this index holds: WebAssembly memory (codes, floats, scratch) and key arrays. */
  get memoryBytes(): number {
    return (
      this.codesKernel.memory.buffer.byteLength +
      (this.floatsKernel?.memory.buffer.byteLength ?? 0) +
      this.capacity * this.keyBytes
    );
  }

  /** Bytes per row of the key arrays (with the slot while the float32 block is kept). */
  private get keyBytes(): number {
    return KEY_BYTES + (this.floatsKernel === null ? 0 : SLOT_BYTES);
  }

  /** Empties the index and reserves room for `rows` rows. */
  reset(rows = 0): void {
    this.floatsReady = true;
    this.coldThroughTime = null;
    this.count = 0;
    this.slotsUsed = 0;
    this.memories = 0;
    this.residualSum = 0;
    this.ensureCapacity(rows);
  }

  /**
   * Appends rows that sort after every row already held: the fast path for
   * loading pages read in (createdAt, seq, chunk) order. Pages without float32
   * vectors drop the float32 block (it would have holes), unless it is being
   * filled apart (`beginFloatFill`).
   */
  appendSorted(rows: IndexRows): void {
    const count = rows.seqs.length;
    if (
      rows.times.length !== count ||
      rows.chunks.length !== count ||
      rows.scales.length !== count ||
      rows.residuals.length !== count ||
      rows.codes.byteLength !== count * this.codeBytes ||
      (rows.vectors != null && rows.vectors.byteLength !== count * this.rowBytes)
    ) {
      throw new Error(
        `a page of ${count} rows must carry ${count * this.codeBytes} bytes of codes`,
      );
    }
    if (count === 0) return;
    this.checkAppendOrder(rows);
    if (rows.vectors == null && this.floatsReady) this.dropFloats();
    if (!this.makeRoom(count)) return;
    this.reserveSlots(count);
    const at = this.count;
    const slot = this.slotsUsed;
    const codes = new Uint8Array(this.codesKernel.memory.buffer);
    codes.set(rows.codes, this.codesOffset() + at * this.codeBytes);
    const scales = this.scales();
    if (this.floatsKernel !== null && rows.vectors != null) {
      new Uint8Array(this.floatsKernel.memory.buffer).set(
        rows.vectors,
        this.vectorsOffset() + slot * this.rowBytes,
      );
    }
    for (let i = 0; i < count; i++) {
      this.slots[at + i] = slot + i;
      this.times[at + i] = rows.times[i]!;
      this.seqs[at + i] = rows.seqs[i]!;
      this.chunks[at + i] = rows.chunks[i]!;
      scales[at + i] = rows.scales[i]!;
      this.residuals[at + i] = rows.residuals[i]!;
      this.residualSum += rows.residuals[i]!;
      if (rows.chunks[i] === 0) this.memories++;
    }
    this.count = at + count;
    this.slotsUsed = slot + count;
  }

  /**
   * Loads every row at once, as a rebuild from `memories` does: the keys in
   * (createdAt, seq, chunk) order, the vectors in any order (storage order,
   * which needs no sort of the large BLOBs). Over the isolate's budget, only
   * the newest rows that fit are kept.
   */
  loadRows(
    keys: { times: Float64Array; seqs: Int32Array; chunks: Int32Array },
    vectors: Iterable<{ seq: number; vectors: Float32Array }>,
  ): void {
    this.reset(keys.seqs.length);
    let from = 0;
    const total = keys.seqs.length;
    if (total > this.capacity) {
      if (this.coldRows === null) throw new Error('the index cannot hold every row');
      from = total - this.capacity;
      while (from < total && keys.times[from] === keys.times[from - 1]) from++;
      this.coldThroughTime = keys.times[from - 1]!;
    }
    const count = total - from;
    this.times.set(keys.times.subarray(from));
    this.seqs.set(keys.seqs.subarray(from));
    this.chunks.set(keys.chunks.subarray(from));
    for (let row = 0; row < count; row++) this.slots[row] = row;
    this.slotsUsed = count;
    const firstRow = new Map<number, number>();
    for (let row = 0; row < count; row++) {
      if (this.chunks[row] === 0) {
        firstRow.set(this.seqs[row]!, row);
        this.memories++;
      }
    }
    this.count = count;
    const codes = new Uint8Array(this.codesKernel.memory.buffer);
    const scales = this.scales();
    const floats = this.floatsKernel === null ? null : this.floats();
    const base = this.vectorsOffset() / 4;
    for (const memory of vectors) {
      const first = firstRow.get(memory.seq);
      if (first === undefined) continue;
      for (let row = first; row < count && this.seqs[row] === memory.seq; row++) {
        const offset = this.chunks[row]! * this.dims;
        const vector = memory.vectors.subarray(offset, offset + this.dims);
        if (vector.length !== this.dims)
          throw new Error(`memory ${memory.seq}: vectors do not match`);
        const encoded = this.encode(vector, codes, this.codesOffset() + row * this.codeBytes);
        scales[row] = encoded.scale;
        this.residuals[row] = encoded.residual;
        this.residualSum += encoded.residual;
        floats?.set(vector, base + row * this.dims);
      }
    }
  }

  /**
   * Wakes on codes: rows appended from now on may come without their float32
   * vectors, which `fillFloats` brings in afterwards (in any order, while
   * rows come and go); `finishFloatFill` says every row has its vector. The
   * block is then used as if it had been loaded with the rows. Until then a
   * search re-scores its candidates from storage: the answers of a vault
   * without the block, so a wake-up's first search does not wait for it.
   */
  beginFloatFill(): void {
    if (this.floatsKernel === null || this.exact === null) return;
    this.floatsReady = false;
  }

  /**
   * Float32 vectors of rows held, in key order (a checkpoint page): each is
   * written to the row of the same (createdAt, seq, chunk). Rows no longer
   * held (deleted since) are skipped; rows inserted since came with theirs.
   */
  fillFloats(rows: FloatRows): void {
    if (!this.floatsPending) return;
    const count = rows.seqs.length;
    const bytes = rows.vectors instanceof Uint8Array ? rows.vectors : new Uint8Array(rows.vectors);
    const vectors =
      bytes.byteOffset % 4 === 0
        ? new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2)
        : new Float32Array(bytes.slice().buffer);
    if (vectors.length !== count * this.dims) {
      throw new Error(
        `a page of ${count} rows must carry ${count * this.rowBytes} bytes of vectors`,
      );
    }
    if (count === 0) return;
    const floats = this.floats();
    const base = this.vectorsOffset() / 4;
    // Both in key order: one merge pass from the first row's place.
    let row = this.lowerBoundKey(rows.times[0]!, rows.seqs[0]!, rows.chunks[0]!);
    for (let i = 0; i < count && row < this.count; i++) {
      const time = rows.times[i]!;
      const seq = rows.seqs[i]!;
      const chunk = rows.chunks[i]!;
      let order = -1;
      while (
        row < this.count &&
        (order = compareKeys(
          this.times[row]!,
          this.seqs[row]!,
          this.chunks[row]!,
          time,
          seq,
          chunk,
        )) < 0
      ) {
        row++;
      }
      if (row < this.count && order === 0) {
        floats.set(
          vectors.subarray(i * this.dims, (i + 1) * this.dims),
          base + this.slots[row]! * this.dims,
        );
        row++;
      }
    }
  }

  /** Every row's vector is in the float32 block: searches use it from now on. */
  finishFloatFill(): void {
    this.floatsReady = true;
  }

  /** Gives up filling the float32 block (its source went away): re-scores from storage for good. */
  abandonFloatFill(): void {
    if (this.floatsPending) this.dropFloats();
  }

  /** A copy of rows [start, end) (for checkpoints); vectors only while the block is kept and filled. */
  slice(
    start: number,
    end: number,
  ): {
    seqs: Int32Array;
    chunks: Int32Array;
    times: Float64Array;
    codes: Uint8Array;
    scales: Float32Array;
    residuals: Float32Array;
    vectors: Uint8Array | null;
  } {
    const from = Math.max(0, start);
    const to = Math.max(from, Math.min(end, this.count));
    const memory = this.codesKernel.memory.buffer;
    return {
      seqs: this.seqs.slice(from, to),
      chunks: this.chunks.slice(from, to),
      times: this.times.slice(from, to),
      codes: new Uint8Array(memory).slice(
        this.codesOffset() + from * this.codeBytes,
        this.codesOffset() + to * this.codeBytes,
      ),
      scales: this.scales().slice(from, to),
      residuals: this.residuals.slice(from, to),
      vectors: !this.floatsUsable ? null : this.vectorBytes(from, to),
    };
  }

  /** Rows per checkpoint page so that a page's BLOBs stay within `maxBytes`. */
  rowsPerPage(maxBytes: number): number {
    const perRow =
      this.codeBytes + 4 + KEY_BYTES + (this.floatsKernel === null ? 0 : this.rowBytes);
    return Math.max(1, Math.floor(maxBytes / perRow));
  }

  /** Inserts entries in time order: one merge pass, O(n + m log n). */
  insert(entries: readonly IndexEntry[]): void {
    for (const entry of entries) {
      if (entry.vector.length !== this.dims)
        throw new RangeError('vector has the wrong dimensions');
    }
    const cold = this.coldThroughTime;
    // Rows older than the hot set stay in storage only.
    const batch = entries
      .filter((entry) => cold === null || entry.createdAt > cold)
      .sort(compareEntries);
    if (batch.length === 0 || !this.makeRoom(batch.length)) return;
    this.reserveSlots(batch.length);
    const existing = this.count;
    const firstSlot = this.slotsUsed;
    const codes = new Uint8Array(this.codesKernel.memory.buffer);
    const codesBase = this.codesOffset();
    const scales = this.scales();
    const floats = this.floatsKernel === null ? null : this.floats();
    const floatsBase = this.vectorsOffset() / 4;
    const dims = this.dims;
    const codeBytes = this.codeBytes;
    // The batch's codes first, in one call (the same bits as one at a time).
    const flat = new Float32Array(batch.length * dims);
    for (let j = 0; j < batch.length; j++) flat.set(batch[j]!.vector, j * dims);
    const batchCodes = new Uint8Array(batch.length * codeBytes);
    const batchScales = new Float64Array(batch.length);
    const batchResiduals = new Float64Array(batch.length);
    encodeVectors(flat, dims, this.calibrationFit, batchCodes, 0, batchScales, batchResiduals);

    // Merge from the end: each batch entry moves the block of existing rows
    // that sort after it up by the number of batch entries still to place.
    let unplaced = existing;
    for (let j = batch.length - 1; j >= 0; j--) {
      const entry = batch[j] as IndexEntry;
      const insertAt = this.upperBound(entry, unplaced);
      const shift = j + 1;
      if (insertAt < unplaced) {
        codes.copyWithin(
          codesBase + (insertAt + shift) * codeBytes,
          codesBase + insertAt * codeBytes,
          codesBase + unplaced * codeBytes,
        );
        scales.copyWithin(insertAt + shift, insertAt, unplaced);
        this.slots.copyWithin(insertAt + shift, insertAt, unplaced);
        this.residuals.copyWithin(insertAt + shift, insertAt, unplaced);
        this.times.copyWithin(insertAt + shift, insertAt, unplaced);
        this.seqs.copyWithin(insertAt + shift, insertAt, unplaced);
        this.chunks.copyWithin(insertAt + shift, insertAt, unplaced);
      }
      const target = insertAt + j;
      codes.set(
        batchCodes.subarray(j * codeBytes, (j + 1) * codeBytes),
        codesBase + target * codeBytes,
      );
      scales[target] = batchScales[j]!;
      this.residuals[target] = batchResiduals[j]!;
      this.residualSum += batchResiduals[j]!;
      // Vectors go to the next free slots, in batch order: nothing moves.
      this.slots[target] = firstSlot + j;
      floats?.set(entry.vector, floatsBase + (firstSlot + j) * dims);
      this.times[target] = entry.createdAt;
      this.seqs[target] = entry.seq;
      this.chunks[target] = entry.chunk ?? 0;
      if ((entry.chunk ?? 0) === 0) this.memories++;
      unplaced = insertAt;
    }
    this.count = existing + batch.length;
    this.slotsUsed = firstSlot + batch.length;
    if (this.calibrationFit === null && this.count >= CALIBRATION_ROWS && this.floatsUsable) {
      this.calibrate();
    }
  }

  /** The calibration in use (for checkpoints); null while the index codes raw vectors. */
  get calibration(): Calibration | null {
    return this.calibrationFit;
  }

  /**
   * Fits the calibration to `samples` (by default, rows of the float32 block)
   * and re-codes every row held, from the float32 block. Returns whether it
   * did: an index that holds rows but not their float32 vectors cannot re-code.
   */
  calibrate(samples?: readonly ArrayLike<number>[]): boolean {
    if (this.count > 0 && !this.floatsUsable) return false;
    const fitted = samples ?? this.sampleRows();
    if (fitted.length < 2) return false;
    this.useCalibration(Calibration.fit(fitted, this.dims));
    return true;
  }

  /** Adopts a saved calibration (from a checkpoint) and re-codes what is held. */
  useCalibration(calibration: Calibration): void {
    if (this.count > 0 && !this.floatsUsable) {
      throw new Error('an index without its float32 vectors cannot be re-coded');
    }
    this.calibrationFit = calibration;
    if (this.count === 0) return;
    // Rows in key order, so that they code in one pass.
    this.compactFloats();
    const floats = this.floats();
    const base = this.vectorsOffset() / 4;
    const codes = new Uint8Array(this.codesKernel.memory.buffer);
    const scales = this.scales();
    const rowScales = new Float64Array(this.count);
    const rowResiduals = new Float64Array(this.count);
    encodeVectors(
      floats.subarray(base, base + this.count * this.dims),
      this.dims,
      calibration,
      codes,
      this.codesOffset(),
      rowScales,
      rowResiduals,
    );
    this.residualSum = 0;
    for (let row = 0; row < this.count; row++) {
      scales[row] = rowScales[row]!;
      this.residuals[row] = rowResiduals[row]!;
      this.residualSum += rowResiduals[row]!;
    }
  }

  private sampleRows(): Float32Array[] {
    const floats = this.floats();
    const base = this.vectorsOffset() / 4;
    const step = Math.max(1, Math.floor(this.count / CALIBRATION_SAMPLE));
    const samples: Float32Array[] = [];
    for (let row = 0; row < this.count; row += step) {
      const offset = base + this.slots[row]! * this.dims;
      samples.push(floats.subarray(offset, offset + this.dims));
    }
    return samples;
  }

  private encode(vector: ArrayLike<number>, out: Uint8Array, offset: number): Encoded {
    const coded =
      this.calibrationFit === null
        ? vector
        : this.calibrationFit.standardise(vector, this.standardised);
    return encodeVector(coded, out, offset);
  }

  /** Removes a memory (all its chunk rows); returns whether it was there. */
  remove(seq: number, createdAt: number): boolean {
    let row = this.lowerBound(createdAt);
    while (row < this.count && this.times[row] === createdAt && this.seqs[row] !== seq) row++;
    if (row >= this.count || this.seqs[row] !== seq || this.times[row] !== createdAt) return false;
    let end = row + 1;
    while (end < this.count && this.seqs[end] === seq) end++;
    const codesBase = this.codesOffset();
    new Uint8Array(this.codesKernel.memory.buffer).copyWithin(
      codesBase + row * this.codeBytes,
      codesBase + end * this.codeBytes,
      codesBase + this.count * this.codeBytes,
    );
    this.scales().copyWithin(row, end, this.count);
    // The removed rows' float32 slots stay empty until the block is packed.
    this.slots.copyWithin(row, end, this.count);
    for (let r = row; r < end; r++) this.residualSum -= this.residuals[r]!;
    this.residuals.copyWithin(row, end, this.count);
    this.times.copyWithin(row, end, this.count);
    this.seqs.copyWithin(row, end, this.count);
    this.chunks.copyWithin(row, end, this.count);
    this.count -= end - row;
    this.memories--;
    return true;
  }

  clear(): void {
    this.coldThroughTime = null;
    this.count = 0;
    this.slotsUsed = 0;
    this.memories = 0;
    this.residualSum = 0;
  }

  /** Rows whose createdAt is in (after, until]: a half-open row range [start, end). */
  range(after: number | null, until: number): { start: number; end: number } {
    const start = after === null ? 0 : this.upperBoundTime(after);
    const end = Math.max(start, this.upperBoundTime(until));
    return { start, end };
  }

  /** The seq of a row (tests and tools). */
  seqAt(row: number): number {
    if (row < 0 || row >= this.count) throw new RangeError(`row ${row} is out of range`);
    return this.seqs[row]!;
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
    const count = Math.min(end, this.count) - start;
    if (k <= 0 || count <= 0) return [];
    // Chunks of one memory can fill the candidates: widen until k memories are in.
    for (let rows = k; ; rows *= 2) {
      const hits = this.topRows(query, start, count, rows, accept, stats);
      const seen = new Set<number>();
      const memories = hits.filter((hit) => !seen.has(hit.seq) && seen.add(hit.seq));
      if (memories.length >= k || hits.length < rows) return memories.slice(0, k);
    }
  }

  /** Whether the index holds only the newest rows (over the isolate's budget). */
  get partial(): boolean {
    return this.coldThroughTime !== null;
  }

  /**
   * `search` over the window (after, until]: the rows held, plus, once the
   * index holds only the newest rows, the older part of the window read from
   * storage and scored exactly (slower, never wrong). `stats` describe the
   * rows held.
   */
  searchWindow(
    query: Float32Array,
    after: number | null,
    until: number,
    k: number,
    accept?: (seq: number) => boolean,
    stats?: SimilarityStats,
  ): IndexHit[] {
    const { start, end } = this.range(after, until);
    const hot = this.search(query, start, end, k, accept, stats);
    const cold = this.coldThroughTime;
    if (cold === null || this.coldRows === null || (after !== null && after >= cold)) return hot;
    const best = new Map<number, IndexHit>(hot.map((hit) => [hit.seq, hit]));
    for (const row of this.coldRows(after, Math.min(until, cold))) {
      if (accept !== undefined && !accept(row.seq)) continue;
      const chunks = Math.floor(row.vectors.length / this.dims);
      for (let chunk = 0; chunk < chunks; chunk++) {
        let score = 0;
        const offset = chunk * this.dims;
        for (let j = 0; j < this.dims; j++) score += query[j]! * row.vectors[offset + j]!;
        const held = best.get(row.seq);
        if (held === undefined || score > held.score) {
          best.set(row.seq, { seq: row.seq, chunk, createdAt: row.createdAt, score });
        }
      }
    }
    return [...best.values()]
      .sort((a, b) => b.score - a.score || b.createdAt - a.createdAt || b.seq - a.seq)
      .slice(0, k);
  }

  /**
   * Room for `incoming` more rows: grows within the isolate's budget, else
   * lets go of the oldest rows (at least a sixteenth at a time, so this stays
   * rare). Returns false when nothing can be held.
   */
  private makeRoom(incoming: number): boolean {
    this.ensureCapacity(this.count + incoming);
    if (this.count + incoming <= this.capacity) return true;
    if (this.coldRows === null || incoming > this.capacity) return false;
    const evict = Math.min(
      this.count,
      Math.max(this.count + incoming - this.capacity, Math.ceil(this.capacity / 16)),
    );
    this.evictOldest(evict);
    return this.count + incoming <= this.capacity;
  }

  /** Lets go of the oldest `rows` rows (and any that share the last one's time). */
  private evictOldest(rows: number): void {
    if (rows <= 0) return;
    let cut = rows;
    while (cut < this.count && this.times[cut] === this.times[cut - 1]) cut++;
    this.coldThroughTime = this.times[cut - 1]!;
    for (let row = 0; row < cut; row++) {
      this.residualSum -= this.residuals[row]!;
      if (this.chunks[row] === 0) this.memories--;
    }
    const codesBase = this.codesOffset();
    new Uint8Array(this.codesKernel.memory.buffer).copyWithin(
      codesBase,
      codesBase + cut * this.codeBytes,
      codesBase + this.count * this.codeBytes,
    );
    this.scales().copyWithin(0, cut, this.count);
    this.slots.copyWithin(0, cut, this.count);
    this.residuals.copyWithin(0, cut, this.count);
    this.times.copyWithin(0, cut, this.count);
    this.seqs.copyWithin(0, cut, this.count);
    this.chunks.copyWithin(0, cut, this.count);
    this.count -= cut;
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
    if (this.floatsUsable && count <= EXACT_SCAN_ROWS) {
      return this.topRowsExactScan(query, start, count, k, accept, stats);
    }
    const { scores, offset, weight } = this.scanCodes(query, start, count);
    if (stats !== undefined) {
      spread(scores, stats);
      stats.mean += offset;
      // The estimates carry the codes' noise on top of the true spread:
      // var(estimate) ≈ var(true) + |weighted query|² × mean residual / dims.
      const noise = this.count > 0 ? (weight * this.residualSum) / this.count / this.dims : 0;
      stats.deviation = Math.sqrt(Math.max(0, stats.deviation ** 2 - noise));
    }
    const rerank = Math.max(RERANK, Math.ceil(count / RERANK_ROWS_EACH));
    const candidates = pickBest(scores, start, Math.min(count, k + rerank), (row) =>
      accept === undefined ? true : accept(this.seqs[row]!),
    );
    return this.floatsUsable
      ? this.rescoreInMemory(query, candidates, k)
      : this.rescoreFromStorage(query, candidates, k);
  }

  /** Small windows with the float32 block: score every row exactly enough to pick. */
  private topRowsExactScan(
    query: Float32Array,
    start: number,
    count: number,
    k: number,
    accept?: (seq: number) => boolean,
    stats?: SimilarityStats,
  ): IndexHit[] {
    const kernel = this.floatsKernel!;
    const picks = this.floatsScratch(count * 2);
    const out = picks + count * 4;
    this.floats().set(query, 0);
    const first = count > 0 ? this.slots[start]! : 0;
    if (this.slotsRun(start, count)) {
      kernel.dot_rows(0, this.vectorsOffset() + first * this.rowBytes, this.dims, count, out);
    } else {
      // The same float32 dot product per row, gathered from the rows' slots.
      new Int32Array(kernel.memory.buffer, picks, count).set(
        this.slots.subarray(start, start + count),
      );
      kernel.dot_picked(0, this.vectorsOffset(), this.dims, picks, count, out);
    }
    const scores = new Float32Array(kernel.memory.buffer, out, count);
    if (stats !== undefined) spread(scores, stats);
    const rows = pickBest(scores, start, Math.min(count, k + CANDIDATE_MARGIN), (row) =>
      accept === undefined ? true : accept(this.seqs[row]!),
    );
    return this.rescoreFloat64(query, rows, k);
  }

  /**
   * Code estimates of `count` rows from `start`, in the codes kernel's
   * scratch, less `offset` (q · center, the same for every row).
   */
  private scanCodes(
    query: Float32Array,
    start: number,
    count: number,
  ): { scores: Float32Array; offset: number; weight: number } {
    const kernel = this.codesKernel;
    let weighted: ArrayLike<number> = query;
    let offset = 0;
    let weight = 1;
    if (this.calibrationFit !== null)
      ({ weighted, offset, weight } = this.calibrationFit.weigh(query));
    const quantised = quantiseQuery(weighted);
    new Int8Array(kernel.memory.buffer, 0, quantised.values.length).set(quantised.values);
    const out = this.codeScoresOffset();
    kernel.dot_codes(
      0,
      this.codesOffset() + start * this.codeBytes,
      this.codeBytes,
      count,
      this.scalesOffset() + start * 4,
      quantised.bias,
      quantised.unit,
      out,
    );
    return { scores: new Float32Array(kernel.memory.buffer, out, count), offset, weight };
  }

  /** Candidates re-scored from the float32 block: float32 to narrow, float64 to rank. */
  private rescoreInMemory(query: Float32Array, candidates: Int32Array, k: number): IndexHit[] {
    const slots = Math.min(candidates.length, k + CANDIDATE_MARGIN);
    if (candidates.length <= slots) return this.rescoreFloat64(query, candidates, k);
    const kernel = this.floatsKernel!;
    const picks = this.floatsScratch(candidates.length * 2);
    const picked = new Int32Array(kernel.memory.buffer, picks, candidates.length);
    for (let c = 0; c < candidates.length; c++) picked[c] = this.slots[candidates[c]!]!;
    const out = picks + candidates.length * 4;
    this.floats().set(query, 0);
    kernel.dot_picked(0, this.vectorsOffset(), this.dims, picks, candidates.length, out);
    const scores = new Float32Array(kernel.memory.buffer, out, candidates.length);
    const best = pickBest(scores, 0, slots, () => true);
    return this.rescoreFloat64(
      query,
      best.map((c) => candidates[c]!),
      k,
    );
  }

  /** Exact float64 scores of rows from the float32 block, best k first. */
  private rescoreFloat64(query: Float32Array, rows: Int32Array, k: number): IndexHit[] {
    const memory = this.floats();
    const base = this.vectorsOffset() / 4;
    const hits: ScoredRow[] = [];
    for (const row of rows) {
      const offset = base + this.slots[row]! * this.dims;
      let score = 0;
      for (let j = 0; j < this.dims; j++) score += query[j]! * memory[offset + j]!;
      hits.push(this.hitAt(row, score));
    }
    return ranked(hits, k);
  }

  /** Candidates re-scored from the exact vectors in storage. */
  private rescoreFromStorage(query: Float32Array, candidates: Int32Array, k: number): IndexHit[] {
    const vectors = this.exact!([...new Set(Array.from(candidates, (row) => this.seqs[row]!))]);
    const hits: ScoredRow[] = [];
    for (const row of candidates) {
      const vector = vectors.get(this.seqs[row]!);
      if (vector === undefined) continue; // gone since: the delete reaches the index next
      const offset = this.chunks[row]! * this.dims;
      if (vector.length < offset + this.dims) continue;
      let score = 0;
      for (let j = 0; j < this.dims; j++) score += query[j]! * vector[offset + j]!;
      hits.push(this.hitAt(row, score));
    }
    return ranked(hits, k);
  }

  private hitAt(row: number, score: number): ScoredRow {
    return {
      seq: this.seqs[row]!,
      chunk: this.chunks[row]!,
      createdAt: this.times[row]!,
      score,
      row,
    };
  }

  private floats(): Float32Array {
    return new Float32Array(this.floatsKernel!.memory.buffer);
  }

  /** Each row's code scale, a view of the codes memory (valid until it grows). */
  private scales(): Float32Array {
    return new Float32Array(this.codesKernel.memory.buffer, this.scalesOffset(), this.capacity);
  }

  // Codes memory: [query int8][codes: capacity rows][scales: capacity][scores: capacity]
  private codesOffset(): number {
    return this.queryBytes;
  }

  private scalesOffset(): number {
    return alignUp(this.codesOffset() + this.capacity * this.codeBytes);
  }

  private codeScoresOffset(): number {
    return alignUp(this.scalesOffset() + this.capacity * 4);
  }

  // Floats memory: [query float32][vectors: capacity rows][scratch]
  private vectorsOffset(): number {
    return alignUp(this.rowBytes);
  }

  /** Offset of `words` 4-byte words of scratch after the float32 rows, grown as needed. */
  private floatsScratch(words: number): number {
    const kernel = this.floatsKernel!;
    const offset = alignUp(this.vectorsOffset() + this.capacity * this.rowBytes);
    grow(kernel.memory, offset + words * 4);
    return offset;
  }

  /** Gives up the float32 block: exact vectors come from storage from now on. */
  private dropFloats(): void {
    if (this.floatsKernel === null || this.exact === null) return;
    this.floatsKernel = null;
    this.floatsReady = true;
    this.slots = new Int32Array(0);
    this.slotsUsed = 0;
  }

  /** Whether rows [start, start + count) have consecutive float32 slots. */
  private slotsRun(start: number, count: number): boolean {
    const first = this.slots[start]!;
    for (let i = 1; i < count; i++) if (this.slots[start + i] !== first + i) return false;
    return true;
  }

  /** The float32 vectors of rows [from, to), in key order, as bytes. */
  private vectorBytes(from: number, to: number): Uint8Array {
    const floats = this.floats();
    const base = this.vectorsOffset() / 4;
    if (to > from && this.slotsRun(from, to - from)) {
      const first = base + this.slots[from]! * this.dims;
      return new Uint8Array(floats.slice(first, first + (to - from) * this.dims).buffer);
    }
    const out = new Float32Array((to - from) * this.dims);
    for (let row = from; row < to; row++) {
      const offset = base + this.slots[row]! * this.dims;
      out.set(floats.subarray(offset, offset + this.dims), (row - from) * this.dims);
    }
    return new Uint8Array(out.buffer);
  }

  /** Room for `incoming` more slots (after `makeRoom`): packs the block when holes use it up. */
  private reserveSlots(incoming: number): void {
    if (this.floatsKernel !== null && this.slotsUsed + incoming > this.capacity)
      this.compactFloats();
  }

  /**
   * Packs the float32 block in key order (row r in slot r), dropping the
   * holes of removed rows. In place, one vector at a time: it runs when the
   * block is full, so a copy of the block (up to its 16 MiB) is what the
   * isolate can least afford then.
   */
  private compactFloats(): void {
    if (this.slotsUsed === this.count && this.slotsRun(0, this.count)) return;
    if (this.floatsKernel !== null && this.count > 0) this.moveVectorsHome();
    for (let row = 0; row < this.count; row++) this.slots[row] = row;
    this.slotsUsed = this.count;
  }

  /**
   * Moves every row's vector to slot `row`. Slot s holds the vector of
   * `owner[s]`, or nothing; each row's vector moves once. Chains start at a
   * free slot (each move frees the slot it came from, which the row of that
   * number needs next); what is left are cycles, closed through one row's
   * worth of scratch.
   */
  private moveVectorsHome(): void {
    const floats = this.floats();
    const base = this.vectorsOffset() / 4;
    const dims = this.dims;
    const owner = new Int32Array(this.slotsUsed).fill(-1);
    for (let row = 0; row < this.count; row++) owner[this.slots[row]!] = row;
    const move = (from: number, to: number) =>
      floats.copyWithin(base + to * dims, base + from * dims, base + (from + 1) * dims);
    for (let start = 0; start < this.count; start++) {
      if (owner[start] !== -1) continue;
      for (let at = start; ;) {
        const from = this.slots[at]!;
        move(from, at);
        this.slots[at] = at;
        owner[at] = at;
        owner[from] = -1;
        if (from >= this.count) break;
        at = from;
      }
    }
    const held = new Float32Array(dims);
    for (let start = 0; start < this.count; start++) {
      if (this.slots[start] === start) continue;
      held.set(floats.subarray(base + start * dims, base + (start + 1) * dims));
      let at = start;
      for (let from = this.slots[at]!; from !== start; from = this.slots[at]!) {
        move(from, at);
        this.slots[at] = at;
        at = from;
      }
      floats.set(held, base + at * dims);
      this.slots[at] = at;
    }
  }

  private ensureCapacity(rows: number): void {
    if (rows <= this.capacity) return;
    let capacity = Math.max(rows, Math.ceil(this.capacity * GROWTH), MIN_CAPACITY);
    if (this.floatsKernel !== null && this.exact !== null) {
      // A vault that still fits its float32 block does not reserve past it.
      const floatRows = Math.floor(this.floatBlockBytes / this.rowBytes);
      if (rows <= floatRows) capacity = Math.min(capacity, Math.max(rows, floatRows));
    }
    const oldScales = this.scalesOffset();
    const kernel = this.codesKernel;
    const scalesAt = alignUp(this.codesOffset() + capacity * this.codeBytes);
    const codesNeeded = alignUp(scalesAt + capacity * 4) + capacity * 4;

    // The float32 block goes first when the vault outgrows it or the isolate is short.
    const floatsNeeded = alignUp(this.vectorsOffset() + capacity * this.rowBytes) + capacity * 8;
    if (this.floatsKernel !== null && this.exact !== null) {
      const floatsGrowth = Math.max(0, floatsNeeded - this.floatsKernel.memory.buffer.byteLength);
      const codesGrowth = Math.max(0, codesNeeded - kernel.memory.buffer.byteLength);
      if (
        capacity * this.rowBytes > this.floatBlockBytes ||
        !affordable(
          floatsGrowth + codesGrowth + (capacity - this.capacity) * (KEY_BYTES + SLOT_BYTES),
          this.isolateBudget,
        )
      ) {
        this.dropFloats();
      }
    }
    const codesGrowth = Math.max(0, codesNeeded - kernel.memory.buffer.byteLength);
    const keysGrowth = (capacity - this.capacity) * this.keyBytes;
    if (
      this.capacity >= MIN_CAPACITY &&
      this.coldRows !== null &&
      !affordable(codesGrowth + keysGrowth, this.isolateBudget)
    ) {
      return; // over the isolate's budget: the caller lets the oldest rows go
    }
    grow(kernel.memory, codesNeeded);
    // Scales sit after the codes: move them up to their new place.
    new Uint8Array(kernel.memory.buffer).copyWithin(
      scalesAt,
      oldScales,
      oldScales + this.count * 4,
    );
    if (this.floatsKernel !== null) grow(this.floatsKernel.memory, floatsNeeded);

    this.times = resized(this.times, capacity, this.count);
    this.seqs = resized(this.seqs, capacity, this.count);
    this.chunks = resized(this.chunks, capacity, this.count);
    if (this.floatsKernel !== null) this.slots = resized(this.slots, capacity, this.count);
    this.residuals = resized(this.residuals, capacity, this.count);
    this.capacity = capacity;
  }

  private checkAppendOrder(rows: {
    times: ArrayLike<number>;
    seqs: ArrayLike<number>;
    chunks: ArrayLike<number>;
  }): void {
    const last = this.count - 1;
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

  /** First row whose key sorts at or after (time, seq, chunk). */
  private lowerBoundKey(time: number, seq: number, chunk: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const order = compareKeys(
        this.times[mid]!,
        this.seqs[mid]!,
        this.chunks[mid]!,
        time,
        seq,
        chunk,
      );
      if (order < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First row whose createdAt > time. */
  private upperBoundTime(time: number): number {
    let lo = 0;
    let hi = this.count;
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
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.times[mid] as number) < time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

interface ScoredRow extends IndexHit {
  row: number;
}

function instantiate(): KernelExports {
  return new WebAssembly.Instance(dotKernel, {}).exports as unknown as KernelExports;
}

function grow(memory: WebAssembly.Memory, bytes: number): void {
  const have = memory.buffer.byteLength;
  if (bytes > have) memory.grow(Math.ceil((bytes - have) / PAGE_BYTES));
}

function resized<T extends Float64Array | Float32Array | Int32Array>(
  array: T,
  capacity: number,
  used: number,
): T {
  const next = new (array.constructor as new (length: number) => T)(capacity);
  next.set(array.subarray(0, used));
  return next;
}

/** Best first by score; ties go to the newer (later) row. */
function ranked(hits: ScoredRow[], k: number): IndexHit[] {
  hits.sort((a, b) => b.score - a.score || b.row - a.row);
  return hits
    .slice(0, k)
    .map(({ seq, chunk, createdAt, score }) => ({ seq, chunk, createdAt, score }));
}

/**
 * The rows (`first` + index into `scores`) of the `slots` best scores that
 * `accept` lets through, in no particular order; of equal scores, the later
 * rows. Rows above a running threshold gather in a buffer four times `slots`
 * long; when it fills, a selection keeps the best `slots` and raises the
 * threshold, so the scan itself is one comparison per row.
 */
function pickBest(
  scores: Float32Array,
  first: number,
  slots: number,
  accept: (row: number) => boolean,
): Int32Array {
  if (slots <= 0) return new Int32Array(0);
  // A first threshold from every 8th score, set so that about twice `slots`
  // rows pass: the scan then rarely has to select. Too high (a filter turned
  // rows away), the scan runs again without it.
  if (scores.length >= slots * 8) {
    const sample = new Float64Array(Math.floor(scores.length / SAMPLE_STRIDE));
    for (let i = 0; i < sample.length; i++) sample[i] = scores[i * SAMPLE_STRIDE]!;
    const threshold = kthLargest(sample, Math.ceil((2 * slots) / SAMPLE_STRIDE));
    const picked = pickAbove(scores, first, slots, accept, threshold);
    if (picked.length === slots) return picked;
  }
  return pickAbove(scores, first, slots, accept, -Infinity);
}

const SAMPLE_STRIDE = 8;

/** `pickBest` among the scores at or above `threshold`. */
function pickAbove(
  scores: Float32Array,
  first: number,
  slots: number,
  accept: (row: number) => boolean,
  threshold: number,
): Int32Array {
  const room = slots * 4;
  const rows = new Int32Array(room);
  const values = new Float64Array(room);
  let filled = 0;
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i]!;
    if (score < threshold) continue;
    const row = first + i;
    if (!accept(row)) continue;
    if (filled === room) {
      filled = keepBest(rows, values, filled, slots);
      // Entry slots - 1 is now the weakest kept.
      threshold = values[slots - 1]!;
      if (score < threshold) continue;
    }
    rows[filled] = row;
    values[filled] = score;
    filled++;
  }
  return filled > slots
    ? rows.subarray(0, keepBest(rows, values, filled, slots))
    : rows.subarray(0, filled);
}

/**
 * Moves the best `slots` of the first `filled` entries to the front (in no
 * particular order; the weakest of them last) and returns `slots`: a
 * quickselect on (score, row), so equal scores keep the later row.
 */
function keepBest(rows: Int32Array, values: Float64Array, filled: number, slots: number): number {
  const better = (i: number, pivotValue: number, pivotRow: number) =>
    values[i]! > pivotValue || (values[i] === pivotValue && rows[i]! > pivotRow);
  const swap = (i: number, j: number) => {
    const row = rows[i]!;
    rows[i] = rows[j]!;
    rows[j] = row;
    const value = values[i]!;
    values[i] = values[j]!;
    values[j] = value;
  };
  let lo = 0;
  let hi = filled - 1;
  const target = slots - 1;
  while (lo < hi) {
    swap((lo + hi) >>> 1, hi);
    const pivotValue = values[hi]!;
    const pivotRow = rows[hi]!;
    let store = lo;
    for (let i = lo; i < hi; i++) {
      if (better(i, pivotValue, pivotRow)) swap(i, store++);
    }
    swap(store, hi);
    if (store === target) break;
    if (store < target) lo = store + 1;
    else hi = store - 1;
  }
  return slots;
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
