import { alignUp, growMemory, instantiateDotKernel, type DotKernel } from './dot-kernel';
import { moveVectorsHome, slotsRun } from './float-slots';
import { affordable, registerHolder, type HotHolder } from './hot-budget';
import type { ColdRows, ExactVectors, VectorIndexOptions } from './vector-index-types';
import { codeBytesFor } from './vector-code-kernel';

/**
 * The memory of the vector index (vector-index.ts): every row's 2-bit codes
 * and scales in one block of WebAssembly memory, the float32 vectors in a
 * second (while kept), and the parallel key arrays, in (createdAt, seq,
 * chunk) order. This layer lays the blocks out, grows them within the
 * isolate's budget (hot-budget.ts), lets the oldest rows go when refused, and
 * gives up or packs the float32 block; the layers above write rows
 * (hot-row-writes.ts) and search them (vector-index.ts).
 *
 * Why layers of one class, not objects that call each other: the arrays and
 * blocks are one data structure whose invariants every operation keeps, and
 * the scans read them in tight loops; on one object those reads stay plain
 * field loads of one shape.
 *
 * Memory: 96 bytes of codes and 24 of keys per 384-dimension row (about
 * 30 MiB at 250,000 rows), plus 1,540 per row for the float32 block and its
 * slots while it is kept.
 */

const MIN_CAPACITY = 256;
/** The float32 block is kept while it stays within this (and the isolate's budget). */
export const FLOAT_BLOCK_BYTES = 16 * 1024 * 1024;
/** Bytes per row besides the vectors: timestamp, seq, chunk, residual. */
export const KEY_BYTES = 8 + 4 + 4 + 4;
/** A row's float32 slot, held only with the float32 block. */
const SLOT_BYTES = 4;
/** Growth factor of the reserved rows: small, so a full vault stays near its budget. */
const GROWTH = 1.25;

export class HotRows implements HotHolder {
  readonly dims: number;
  protected readonly codeBytes: number;
  protected readonly rowBytes: number;
  protected readonly codesKernel: DotKernel;
  protected readonly queryBytes: number;
  protected floatsKernel: DotKernel | null = null;
  /**
   * False while the float32 block is being filled after a wake-up (rows
   * woke on their codes; `fillFloats` brings their vectors in): until then
   * candidates are re-scored from storage, as in a vault without the block.
   */
  protected floatsReady = true;
  protected capacity = 0;
  protected count = 0;
  protected times = new Float64Array(0);
  protected seqs = new Int32Array(0);
  protected chunks = new Int32Array(0);
  /**
   * Where each row's float32 vector sits in the float32 block (float-slots.ts).
   * Slots of removed rows stay empty until `compactFloats` packs the block
   * again. Empty once the block is dropped (writes to it are then no-ops),
   * so a large vault's rows cost no more.
   */
  protected slots = new Int32Array(0);
  /** Slots handed out since the block was last packed (holes included). */
  protected slotsUsed = 0;
  protected residuals = new Float32Array(0);
  protected residualSum = 0;
  protected memories = 0;

  protected readonly exact: ExactVectors | null;
  protected readonly floatBlockBytes: number;
  protected readonly coldRows: ColdRows | null;
  protected readonly isolateBudget: number | undefined;
  /**
   * Over budget, the index holds only the newest rows: those created after
   * this time. null while it holds every row.
   */
  protected coldThroughTime: number | null = null;

  constructor(dims: number, options: VectorIndexOptions = {}) {
    if (!Number.isInteger(dims) || dims < 1)
      throw new RangeError('dims must be a positive integer');
    this.dims = dims;
    this.codeBytes = codeBytesFor(dims);
    this.rowBytes = dims * 4;
    this.queryBytes = alignUp(this.codeBytes * 4);
    // Each index owns its memory: fresh instances of the precompiled module.
    this.codesKernel = instantiateDotKernel();
    this.floatsKernel = instantiateDotKernel();
    this.exact = options.exact ?? null;
    this.floatBlockBytes = options.floatBlockBytes ?? FLOAT_BLOCK_BYTES;
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
  protected get floatsUsable(): boolean {
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

  protected floats(): Float32Array {
    return new Float32Array(this.floatsKernel!.memory.buffer);
  }

  /** Each row's code scale, a view of the codes memory (valid until it grows). */
  protected scales(): Float32Array {
    return new Float32Array(this.codesKernel.memory.buffer, this.scalesOffset(), this.capacity);
  }

  // Codes memory: [query int8][codes: capacity rows][scales: capacity][scores: capacity][picks]
  protected codesOffset(): number {
    return this.queryBytes;
  }

  protected scalesOffset(): number {
    return alignUp(this.codesOffset() + this.capacity * this.codeBytes);
  }

  protected codeScoresOffset(): number {
    return alignUp(this.scalesOffset() + this.capacity * 4);
  }

  /**
   * Offset of `words` int32 of scratch after the code scores (a scan's
   * candidates), grown as needed: call before taking views of the memory.
   */
  protected codePicks(words: number): number {
    const offset = alignUp(this.codeScoresOffset() + this.capacity * 4);
    growMemory(this.codesKernel.memory, offset + words * 4);
    return offset;
  }

  // Floats memory: [query float32][vectors: capacity rows][scratch]
  protected vectorsOffset(): number {
    return alignUp(this.rowBytes);
  }

  /** Offset of `words` 4-byte words of scratch after the float32 rows, grown as needed. */
  protected floatsScratch(words: number): number {
    const kernel = this.floatsKernel!;
    const offset = alignUp(this.vectorsOffset() + this.capacity * this.rowBytes);
    growMemory(kernel.memory, offset + words * 4);
    return offset;
  }

  /** Gives up the float32 block: exact vectors come from storage from now on. */
  protected dropFloats(): void {
    if (this.floatsKernel === null || this.exact === null) return;
    this.floatsKernel = null;
    this.floatsReady = true;
    this.slots = new Int32Array(0);
    this.slotsUsed = 0;
  }

  /** Room for `incoming` more slots (after `makeRoom`): packs the block when holes use it up. */
  protected reserveSlots(incoming: number): void {
    if (this.floatsKernel !== null && this.slotsUsed + incoming > this.capacity)
      this.compactFloats();
  }

  /** Packs the float32 block in key order (row r in slot r), dropping the holes of removed rows. */
  protected compactFloats(): void {
    if (this.slotsUsed === this.count && slotsRun(this.slots, 0, this.count)) return;
    if (this.floatsKernel !== null && this.count > 0) {
      moveVectorsHome(
        this.floats(),
        this.vectorsOffset() / 4,
        this.dims,
        this.slots,
        this.count,
        this.slotsUsed,
      );
    }
    for (let row = 0; row < this.count; row++) this.slots[row] = row;
    this.slotsUsed = this.count;
  }

  /**
   * Room for `incoming` more rows: grows within the isolate's budget, else
   * lets go of the oldest rows (at least a sixteenth at a time, so this stays
   * rare). Returns false when nothing can be held.
   */
  protected makeRoom(incoming: number): boolean {
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

  protected ensureCapacity(rows: number): void {
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
    growMemory(kernel.memory, codesNeeded);
    // Scales sit after the codes: move them up to their new place.
    new Uint8Array(kernel.memory.buffer).copyWithin(
      scalesAt,
      oldScales,
      oldScales + this.count * 4,
    );
    if (this.floatsKernel !== null) growMemory(this.floatsKernel.memory, floatsNeeded);

    this.times = resized(this.times, capacity, this.count);
    this.seqs = resized(this.seqs, capacity, this.count);
    this.chunks = resized(this.chunks, capacity, this.count);
    if (this.floatsKernel !== null) this.slots = resized(this.slots, capacity, this.count);
    this.residuals = resized(this.residuals, capacity, this.count);
    this.capacity = capacity;
  }
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
