import { CalibratedRows } from './calibrated-rows';
import { compareEntries, compareKeys, keyBound, timeBound } from './row-keys';
import { encodeVectors } from './vector-codes';
import type { FloatRows, IndexEntry, IndexRows } from './vector-index-types';

/**
 * The vector index's writes: rows inserted (a backdated batch merged into
 * place), removed, appended from checkpoint pages or loaded whole, and the
 * float32 block filled in after a wake-up. Each keeps the key arrays, the
 * codes and the slots in step (hot-rows.ts).
 */

/** Rows at which an uncalibrated index fits its calibration (and re-codes its rows). */
const CALIBRATION_ROWS = 256;

export class HotRowWrites extends CalibratedRows {
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

  /** Empties the index, keeping the room it has reserved. */
  clear(): void {
    this.coldThroughTime = null;
    this.count = 0;
    this.slotsUsed = 0;
    this.memories = 0;
    this.residualSum = 0;
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
    let row = keyBound(
      this.times,
      this.seqs,
      this.chunks,
      this.count,
      rows.times[0]!,
      rows.seqs[0]!,
      rows.chunks[0]!,
      'from',
    );
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
      const insertAt = keyBound(
        this.times,
        this.seqs,
        this.chunks,
        unplaced,
        entry.createdAt,
        entry.seq,
        entry.chunk ?? 0,
        'after',
      );
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

  /** Removes a memory (all its chunk rows); returns whether it was there. */
  remove(seq: number, createdAt: number): boolean {
    let row = timeBound(this.times, this.count, createdAt, 'from');
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
}
