import {
  checkpointLag,
  checkpointLagDue,
  checkpointLagFar,
  type FloatFill,
  loadHotIndex,
  recordDeletion,
  writeCheckpoint,
} from './hot-checkpoint';
import { coldRows, exactVectors, INDEXED } from './stored-vectors';
import type { Sql } from '../sqlite/sql';
import { dropTextPages, loadTextTimeline, writeTextPages } from './text-checkpoint';
import { namesSpeaker } from '../full-text/speaker-names';
import { voiceOf } from '../full-text/turn-voices';
import type { TextSearch } from '../full-text/text-search';
import { TextTimeline, type TimelineEntry } from '../full-text/text-timeline';
import type { CheckpointMark, VaultMeta } from '../warm-tier/vault-meta';
import type { PreparedMemory, StoredRef } from '../warm-tier/vault-storage';
import { VectorIndex, type IndexEntry } from '../hot-tier/vector-index';

export interface HotIndexOptions {
  /**
   * Runs work once the current task is done (the next page of the float32
   * block): a timer by default, so calls in between are served; tests step
   * by hand.
   */
  defer?: (work: () => void) => void;
  /** Most bytes of a checkpoint page (tests make it small, to have many). */
  checkpointPageBytes?: number;
}

const nextTask = (work: () => void) => {
  setTimeout(work, 0);
};

/** What a delete must tell the in-memory state once it has committed. */
export interface Removal {
  row: StoredRef;
  /** The memory's passages in the text timeline (empty while the timeline is not loaded). */
  passages: TimelineEntry[];
}

/**
 * The life of a vault's in-memory state: the HOT vector index, the text
 * timeline and the text search's postings cache. All three are copies of
 * what SQLite holds, built lazily on first use after a wake-up (from the
 * checkpoint when there is one), kept in step with every committed write and
 * delete, and saved by `checkpoint()` so the next wake-up is fast.
 *
 * Loading is synchronous (SQLite in a Durable Object is), so no other call
 * can interleave with a half-built index: the guarantee blockConcurrencyWhile
 * gives, without its await. The one part left for later is the float32 block
 * of a vault woken from its checkpoint: filled a page per task after the
 * call that woke it (`defer`), searches re-scoring from SQLite meanwhile
 * (same answers; see hot-checkpoint.ts).
 */
export class HotIndex {
  private index: VectorIndex | null = null;
  private indexLoaded = false;
  /**
   * Memories stored during a re-embedding with only the new model's vectors
   * (vault-reembed.ts): in the vault, not yet in the index.
   */
  private deferredMemories = 0;
  private textTimeline: TextTimeline | null = null;
  /** The float32 block still to fill from the checkpoint, a page per step. */
  private fill: FloatFill | null = null;
  /**
   * Memories written and rows deleted since the checkpoint, as
   * `checkpointLag` counts them: counted once (null: not yet, or no longer
   * known), then kept in step by each committed write, so a vault between
   * checkpoints does not COUNT on every write.
   */
  private lag: number | null = null;

  constructor(
    private readonly sql: Sql,
    private readonly meta: VaultMeta,
    private readonly text: TextSearch,
    /** Rows in `memories`, to size the index before loading it. */
    private readonly storedCount: () => number,
    /** The vault object's id: its indexes count once in the isolate's hot budget. */
    private readonly owner?: string,
    private readonly options: HotIndexOptions = {},
  ) {}

  /** Drops everything held in memory; the next use loads it again, as after a wake-up. */
  forget(): void {
    this.index = null;
    this.indexLoaded = false;
    this.deferredMemories = 0;
    this.textTimeline = null;
    this.fill = null;
    this.lag = null;
    this.text.reset();
  }

  /**
   * Drops what is held of the full-text index (the text timeline's word
   * counts, postings, vocabulary) after it was rebuilt (full-text-index.ts);
   * the vectors stay.
   */
  forgetText(): void {
    this.textTimeline = null;
    this.text.reset();
  }

  /** The vector index, loaded on first use; null while the vault has no dimensions yet. */
  vectors(): VectorIndex | null {
    if (this.indexLoaded) return this.index;
    this.indexLoaded = true;
    const dimensions = this.meta.get('dimensions');
    if (dimensions !== null) {
      const { index, fill } = loadHotIndex(
        this.sql,
        this.meta,
        dimensions,
        this.storedCount(),
        this.owner,
      );
      this.index = index;
      this.fill = fill;
      if (fill !== null) this.fillLater(index);
      this.deferredMemories =
        this.sql.first<{ n: number }>(
          'SELECT COUNT(*) AS n FROM memories WHERE length(embedding) = 0',
        )?.n ?? 0;
    }
    return this.index;
  }

  /** Whether the float32 block is still being filled after a wake-up. */
  get filling(): boolean {
    return this.fill !== null;
  }

  /** Fills the rest of the float32 block now (before a checkpoint is written from it). */
  finishFilling(): void {
    while (this.fillStep());
  }

  /** One page of the float32 block; returns whether more are left. */
  fillStep(): boolean {
    if (this.fill === null) return false;
    let more = false;
    try {
      more = this.fill.step();
    } catch {
      // Storage went away under it (a clear): re-scoring from SQLite stays right.
      this.index?.abandonFloatFill();
    }
    if (!more) this.fill = null;
    return more;
  }

  private fillLater(index: VectorIndex): void {
    (this.options.defer ?? nextTask)(() => {
      // Forgotten (a clear, a restore) or finished meanwhile: nothing to do.
      if (this.index === index && this.fillStep()) this.fillLater(index);
    });
  }

  /** The vector index of a vault about to take its first vectors, created when missing. */
  vectorsFor(dimensions: number): VectorIndex {
    this.index =
      this.vectors() ??
      new VectorIndex(dimensions, {
        exact: exactVectors(this.sql, dimensions),
        coldRows: coldRows(this.sql),
        owner: this.owner,
      });
    return this.index;
  }

  /**
   * Rows of the vault's vectors (one per chunk of a long memory); 0 before
   * the first write. Over the isolate's budget the index holds only the
   * newest rows (`partial`), so SQLite counts them all: the vault's room is
   * the same whatever else the isolate holds.
   */
  rows(): number {
    const index = this.vectors();
    if (index === null) return 0;
    if (!index.partial) return index.size;
    return (
      this.sql.first<{ n: number }>(
        `SELECT coalesce(sum(CASE WHEN chunk_embeddings IS NULL THEN 1
           ELSE length(chunk_embeddings) / ? END), 0) AS n FROM memories WHERE ${INDEXED}`,
        index.dims * 4,
      )?.n ?? 0
    );
  }

  /**
   * Memories in the vault: the loaded index knows, unless it holds only the
   * newest (over the isolate's budget); before it is loaded, and then, SQLite
   * counts them. Before, a vault in a busy isolate counted only its held
   * memories, so stats fell short and a full vault took more (VAULT_FULL).
   */
  memoryCount(): number {
    return this.indexLoaded && this.index !== null && !this.index.partial
      ? this.index.memoryCount + this.deferredMemories
      : this.storedCount();
  }

  /** The text timeline, loaded on the first text search after wake-up. */
  timeline(): TextTimeline {
    this.textTimeline ??= loadTextTimeline(this.sql, this.meta);
    return this.textTimeline;
  }

  /** After a write committed: its rows join the index, the timeline and the postings cache. */
  added(memories: readonly PreparedMemory[], seqs: readonly number[], dimensions: number): void {
    this.vectorsFor(dimensions).insert(
      memories.flatMap<IndexEntry>(({ record, vector, chunkVectors, deferred }, position) =>
        // Vectors of the model being re-embedded into join the index at the switch.
        (deferred ? [] : (chunkVectors ?? [vector])).map((chunkVector, chunk) => ({
          seq: seqs[position]!,
          chunk,
          createdAt: record.createdAt,
          vector: chunkVector,
        })),
      ),
    );
    this.deferredMemories += memories.filter((memory) => memory.deferred).length;
    if (this.lag !== null) this.lag += memories.length;
    if (this.textTimeline === null) return;
    const entries = TextTimeline.entries(this.sql, seqs);
    this.textTimeline.insert(entries);
    this.text.changed(
      entries.map((entry) => ({
        content: memories[seqs.indexOf(entry.seq)]!.record.content,
        words: entry.words,
      })),
    );
  }

  /**
   * Before a delete: loads the index (so the row leaves it) and reads the
   * passages the timeline and the cache must forget, while the row is there.
   */
  beforeRemove(row: StoredRef): Removal {
    this.vectors();
    const passages = this.textTimeline === null ? [] : TextTimeline.entries(this.sql, [row.seq]);
    return { row, passages };
  }

  /** Inside the delete's transaction: a tombstone when the checkpoint still holds the row. */
  recordRemoval({ row }: Removal): void {
    recordDeletion(this.sql, this.meta, row);
  }

  /** After the delete committed. */
  removed({ row, passages }: Removal): void {
    this.lag = null; // a tombstone, or one row fewer after the checkpoint: counted again
    const indexed = this.index?.remove(row.seq, row.created_at) ?? true;
    if (!indexed && this.deferredMemories > 0) this.deferredMemories--;
    this.textTimeline?.remove(row.seq);
    this.text.changed(passages.map(({ words }) => ({ content: row.content, words })));
  }

  /**
   * Inside the transaction of an edit of a memory's role or metadata (in
   * place: same seq, same content): when its voice changes (turn-voices.ts),
   * the text pages no longer hold it, and go. Returns the voice to hand to
   * `revoiced` once the edit committed, or null when it did not change.
   */
  recordEditInPlace(
    row: { content: string; role: string; metadata: string | null },
    edited: { role: string; metadata: string | null },
  ): number | null {
    const before = voiceOf(row.role, row.content, namesSpeaker(row.metadata));
    const after = voiceOf(edited.role, row.content, namesSpeaker(edited.metadata));
    if (after === before) return null;
    dropTextPages(this.sql);
    return after;
  }

  /** After such an edit committed: the timeline, if loaded, takes the memory's new voice. */
  revoiced(seq: number, voice: number): void {
    this.textTimeline?.revoice(seq, voice);
  }

  /** Whether enough changed since the last checkpoint (`mark`, the meta's) to write a new one. */
  checkpointDue(mark: CheckpointMark | null = this.meta.get('checkpoint')): boolean {
    const size = this.index?.size ?? 0;
    if (mark === null) return checkpointLagDue(size, size);
    this.lag ??= checkpointLag(this.sql, mark);
    return checkpointLagDue(this.lag, size);
  }

  /**
   * Whether the checkpoint is far enough behind to be rewritten even while
   * writes keep arriving (hot-checkpoint.ts `checkpointLagFar`). A vault
   * with none yet, or whose index is not loaded, is.
   */
  checkpointFarBehind(mark: CheckpointMark | null = this.meta.get('checkpoint')): boolean {
    const size = this.index?.size ?? 0;
    if (mark === null || this.index === null) return true;
    this.lag ??= checkpointLag(this.sql, mark);
    return checkpointLagFar(this.lag, size);
  }

  /** Saves the index and the timeline as they are now. Call inside a transaction. */
  checkpoint(): void {
    const index = this.vectors();
    if (index === null) return;
    // Loaded first: once the new mark is set, loading would replay from it.
    const timeline = this.timeline();
    this.finishFilling();
    // Counted afresh next time: this transaction may yet roll back.
    this.lag = null;
    writeCheckpoint(this.sql, this.meta, index, this.options.checkpointPageBytes);
    writeTextPages(this.sql, this.meta, timeline);
  }

  /** Drops the saved checkpoint (the rows it describes are being replaced). Call inside a transaction. */
  discardCheckpoint(): void {
    // The fill reads the pages about to go.
    this.index?.abandonFloatFill();
    this.fill = null;
    this.lag = null;
    for (const table of ['hot_pages', 'hot_tombstones', 'text_pages']) {
      this.sql.run(`DELETE FROM ${table}`);
    }
    this.meta.update({ checkpoint: null, checkpointDueAt: null });
  }
}
