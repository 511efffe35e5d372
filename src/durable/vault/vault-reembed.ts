import type { AppConfig } from '../../core/config';
import { CALLER_SUPPLIED_MODEL, type Embedder } from '../../embed/embedder';
import { vectorToBytes } from '../../core/vectors';
import { CodedError } from '../../core/errors';
import { maxHotRows, vaultCapacity } from '../../core/limits';
import { chunkSpans } from '../../text/chunks';
import { embedPassageVectors, type PassageVectors } from '../../embed/memory-vectors';
import { EmbeddingRefused } from '../../embed/embedding-errors';
import { embedNarrowing } from './reembed-narrowing';
import type { HotIndex } from '../indexes/hot-index';
import type { Sql } from '../sqlite/sql';
import { CHECKPOINT_DELAY_MS } from './vault-alarm';
import type { VaultMeta, VaultMetaRecord } from '../warm-tier/vault-meta';
import type { ReembedProgress } from '../rpc/vault-types';

/**
 * Re-embedding: a vault moves its vectors to another embedding model in the
 * background, in batches its alarm runs, without a pause in service.
 *
 * New vectors go into `next_embedding` / `next_chunk_embeddings` beside the
 * old ones, which keep serving searches of the old model. Progress (the last
 * seq done) lives in the meta record and every batch commits its vectors and
 * its progress in one transaction, so an eviction or restart resumes where
 * the last committed batch ended. When no row is left, one transaction moves
 * the new vectors in, records the new model and drops the hot index's
 * checkpoint; the in-memory index is then forgotten and rebuilt from the new
 * rows on first use, as after a wake-up. No search ever sees a mix.
 *
 * Memories stored meanwhile with the new model's vectors (the Worker embeds
 * with the deployment's model) keep them in `next_embedding` and an empty
 * `embedding`: text finds them until the switch. Nothing here is metered or
 * changes what a memory says, so it emits no memory events: it is the
 * operator's cost, like any index maintenance.
 *
 * Why one file of this length: starting, each batch, the resume after an
 * eviction and the switch all read and write the same progress record and
 * the same two columns under one rule (vectors and progress commit together,
 * the switch is one transaction); kept side by side, that rule can be checked
 * in one reading.
 */

/** Memories per batch, and texts (chunks count one each) per batch: one Workers AI call. */
export const REEMBED_BATCH_MEMORIES = 50;
export const REEMBED_BATCH_TEXTS = 100;
/**
 * Pause between batches. With one batch in flight per vault, it bounds what a
 * deployment's change costs per second however many vaults are re-embedding.
 */
export const REEMBED_PAUSE_MS = 250;
/** Backoff after a failed batch: doubling from the first, capped. */
export const REEMBED_RETRY_MS = 5_000;
export const REEMBED_RETRY_MAX_MS = 3_600_000;
/**
 * Failed batches in a row after which the run gives up (FAILED) instead of
 * backing off again: with the backoff above, the 30th failure comes about
 * 20 hours after the first (5 s doubling to an hour over the first ten, then
 * hourly), long enough to outlast a Workers AI outage, short enough that a
 * batch that can never pass stops costing a paid call an hour. An admin's
 * reembedVault resumes it where it stopped (`resume`).
 */
export const REEMBED_MAX_FAILURES = 30;
/** Ids of skipped memories the progress keeps (the count goes on past them). */
export const REEMBED_SKIPPED_IDS_KEPT = 100;
/**
 * The mark of a memory the run skipped because the embedder refused it on its
 * own (reembed-narrowing.ts): an empty `next_embedding`, not NULL, so it no
 * longer counts as waiting. At the switch it gets an empty `embedding` (no
 * vector of the new model: found by TEXT alone) and keeps the mark; a new
 * run clears every mark and tries it again.
 */
const SKIPPED = 'length(next_embedding) = 0';

export interface EmbeddingModel {
  model: string;
  dimensions: number;
}

/** The model a running re-embedding moves to; null when none runs. */
export function reembedTarget(progress: ReembedProgress | null): EmbeddingModel | null {
  return progress?.state === 'RUNNING' || gaveUp(progress)
    ? { model: progress!.model, dimensions: progress!.dimensions }
    : null;
}

/**
 * Whether a run stopped after REEMBED_MAX_FAILURES failed batches (not
 * refused at the start: that FAILED has no failures). The vault then serves
 * as while it ran (queries of the target by TEXT, writes of the target kept
 * for the switch), without spending on batches, until an admin restarts it.
 */
export function gaveUp(progress: ReembedProgress | null): boolean {
  return progress?.state === 'FAILED' && progress.failures > 0;
}

/**
 * Whether a vault must start re-embedding into the deployment's model: its
 * vectors are of another model, and no re-embedding into this one is running
 * or has given up. Vaults of caller-supplied vectors never are.
 */
export function reembedNeeded(
  meta: Pick<VaultMetaRecord, 'embeddingModel' | 'reembed'>,
  deployment: EmbeddingModel,
): boolean {
  const { embeddingModel: model, reembed } = meta;
  if (model === null || model === CALLER_SUPPLIED_MODEL) return false;
  if (reembed?.state === 'RUNNING') return reembed.model !== deployment.model;
  if (model === deployment.model) return false;
  return !(reembed?.state === 'FAILED' && reembed.model === deployment.model);
}

interface PendingRow extends Record<string, SqlStorageValue> {
  seq: number;
  id: string;
  content: string;
}

export class VaultReembed {
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly sql: Sql,
    private readonly meta: VaultMeta,
    private readonly hot: HotIndex,
    private readonly config: Pick<AppConfig, 'vaultMaxMemories' | 'vaultMaxHotBytes'>,
  ) {}

  /**
   * Starts re-embedding into `target` (replacing one that runs): vectors of
   * an earlier target are dropped, the first batch is due now. Every row is
   * re-embedded unless the target is the vault's own model and no admin
   * asked: then only rows stored without vectors of it (during a move that
   * was abandoned) need them. Refused (FAILED) when the vault would not fit
   * at the target's dimensions.
   */
  start(target: EmbeddingModel, trigger: ReembedProgress['trigger'], now: number): ReembedProgress {
    const fromModel = this.meta.get('embeddingModel') ?? target.model;
    const everyRow = trigger === 'ADMIN' || fromModel !== target.model;
    const base: ReembedProgress = {
      state: 'RUNNING',
      model: target.model,
      dimensions: target.dimensions,
      fromModel,
      trigger,
      everyRow,
      startedAt: now,
      finishedAt: null,
      done: 0,
      remaining: 0,
      cursor: 0,
      failures: 0,
      lastError: null,
      nextBatchAt: now,
      skipped: 0,
      skippedIds: [],
    };
    const tooBig = this.refuseUnfit(base);
    if (tooBig !== null) return tooBig;
    return this.storage.transactionSync(() => {
      this.sql.run(
        `UPDATE memories SET next_embedding = NULL, next_chunk_embeddings = NULL
         WHERE next_embedding IS NOT NULL`,
      );
      const progress = { ...base, remaining: this.pendingCount(everyRow) };
      this.meta.update({ reembed: progress, reembedDueAt: now });
      return progress;
    });
  }

  /**
   * Goes on with a run that gave up (`gaveUp`) towards the same model, as an
   * admin's reembedVault asks: from its cursor, with the vectors its batches
   * committed and its skipped memories kept (they are not tried again: the
   * model refused them on their own; a run started afresh does). Only the
   * failure count starts again, so 30 more failed batches give up again.
   * Starting over instead would pay the model again for every row it had
   * already embedded, and the rows written meanwhile (stored with the
   * target's vectors, or the old model's after the cursor) are counted in
   * `remaining` like any others.
   */
  resume(now: number): ReembedProgress {
    const failed = this.meta.get('reembed');
    if (failed === null || !gaveUp(failed)) throw new Error('no run that gave up to resume');
    const base: ReembedProgress = {
      ...failed,
      state: 'RUNNING',
      failures: 0,
      lastError: skippedError(failed.skipped ?? 0),
      nextBatchAt: now,
      remaining: this.pendingCount(failed.everyRow),
    };
    const tooBig = this.refuseUnfit(base);
    if (tooBig !== null) return tooBig;
    this.meta.update({ reembed: base, reembedDueAt: now });
    return base;
  }

  /**
   * FAILED (failures 0, recorded) when the vault would not fit at the
   * target's dimensions, counting the rows held only as the target's; null
   * when it fits.
   */
  private refuseUnfit(base: ReembedProgress): ReembedProgress | null {
    const memories = this.hot.memoryCount();
    const rows = this.hot.rows() + this.deferredRows();
    const capacity = vaultCapacity(this.config, base.dimensions);
    const hotRows = maxHotRows(this.config, base.dimensions);
    if (memories <= capacity && rows <= hotRows) return null;
    const progress: ReembedProgress = {
      ...base,
      state: 'FAILED',
      failures: 0,
      nextBatchAt: null,
      lastError: `the vault holds ${memories} memories (${rows} vectors); at ${base.dimensions} dimensions it may hold ${capacity} (${hotRows} vectors)`,
    };
    this.meta.update({ reembed: progress, reembedDueAt: null });
    return progress;
  }

  /**
   * One batch: the next memories after the cursor, embedded with `embedder`
   * (the deployment's, whose model is the target) and written with the
   * progress in one transaction; the switch when none is left. A failure
   * backs off and is shown in the progress; nothing is lost or half-written.
   */
  async runBatch(embedder: Embedder, now: () => number): Promise<void> {
    const progress = this.meta.get('reembed');
    if (progress?.state !== 'RUNNING') {
      this.meta.set('reembedDueAt', null);
      return;
    }
    const rows = this.nextRows(progress);
    if (rows.length === 0) {
      if (this.pendingCount(progress.everyRow) > 0) {
        // Rows behind the cursor still want vectors (cannot happen through
        // this module; a cheap guard against leaving one behind): go round again.
        this.meta.update({ reembed: { ...progress, cursor: 0 }, reembedDueAt: now() });
      } else {
        this.switchOver(progress, now());
      }
      return;
    }

    let embedded: { row: PendingRow; vectors: PassageVectors }[];
    let refused: { row: PendingRow; problem: string }[];
    try {
      if (embedder.model !== progress.model) {
        throw new CodedError(
          'UPSTREAM_ERROR',
          `the deployment embeds with ${embedder.model}, not ${progress.model}`,
          'EMBEDDING_FAILED',
        );
      }
      ({ embedded, refused } = await embedNarrowing(
        (contents) => embedPassageVectors(embedder, contents),
        rows,
      ));
      // Every row refused: the model refuses everything (its answers changed),
      // not one memory. Skipped only when it stands alone and the run has
      // embedded others; else the batch fails and backs off as any failure.
      if (embedded.length === 0 && !(rows.length === 1 && progress.done > 0)) {
        throw new EmbeddingRefused(refused[0]!.problem);
      }
      const wrong = embedded.find(({ vectors }) => vectors.vector.length !== progress.dimensions);
      if (wrong !== undefined) {
        throw new CodedError(
          'UPSTREAM_ERROR',
          `the embedder returned ${wrong.vectors.vector.length} dimensions, not ${progress.dimensions}`,
          'EMBEDDING_FAILED',
        );
      }
    } catch (error) {
      // The embedder's own coded errors carry no input; anything else only by name.
      const message =
        error instanceof CodedError
          ? error.message
          : `embedding failed (${error instanceof Error ? error.name : 'error'})`;
      const current = this.meta.get('reembed');
      if (!sameRun(current, progress)) return;
      const failures = progress.failures + 1;
      if (failures >= REEMBED_MAX_FAILURES) {
        this.meta.update({
          reembed: {
            ...current,
            state: 'FAILED',
            failures,
            lastError: `gave up after ${failures} failed batches in a row (the latest: ${message}); reembedVault resumes it where it stopped`,
            nextBatchAt: null,
          },
          reembedDueAt: null,
        });
        return;
      }
      const retryAt =
        now() + Math.min(REEMBED_RETRY_MS * 2 ** (failures - 1), REEMBED_RETRY_MAX_MS);
      this.meta.update({
        reembed: { ...current, failures, lastError: message, nextBatchAt: retryAt },
        reembedDueAt: retryAt,
      });
      return;
    }

    // Calls ran while the batch was embedded: a restart, a restore or a clear
    // may have replaced this run, or another batch moved it on (an alarm
    // retried while this one was thought lost): then this batch is dropped.
    // Deleted rows simply match no UPDATE.
    const current = this.meta.get('reembed');
    if (!sameRun(current, progress) || current.cursor !== progress.cursor) return;
    const finished = this.storage.transactionSync(() => {
      let written = 0;
      for (const { row, vectors } of embedded) {
        const { vector, chunkVectors } = vectors;
        written += this.sql.run(
          `UPDATE memories SET next_embedding = ?, next_chunk_embeddings = ? WHERE seq = ?`,
          vectorToBytes(unit(vector)),
          chunkVectors === null ? null : concatUnit(chunkVectors),
          row.seq,
        );
      }
      const skippedIds = [...(current.skippedIds ?? [])];
      let skipped = current.skipped ?? 0;
      for (const { row } of refused) {
        const marked = this.sql.run(
          `UPDATE memories SET next_embedding = x'', next_chunk_embeddings = NULL WHERE seq = ?`,
          row.seq,
        );
        if (marked === 0) continue; // deleted meanwhile
        skipped++;
        if (skippedIds.length < REEMBED_SKIPPED_IDS_KEPT) skippedIds.push(row.id);
      }
      const remaining = this.pendingCount(current.everyRow);
      const next = now() + REEMBED_PAUSE_MS;
      this.meta.update({
        reembed: {
          ...current,
          cursor: rows.at(-1)!.seq,
          done: current.done + written,
          remaining,
          failures: 0,
          skipped,
          skippedIds,
          // Kept to the end once a memory is skipped, so the admin sees why.
          lastError: skippedError(skipped),
          nextBatchAt: remaining === 0 ? null : next,
        },
        reembedDueAt: remaining === 0 ? null : next,
      });
      return remaining === 0;
    });
    if (finished) this.switchOver(this.meta.get('reembed')!, now());
  }

  /** Whether some memories hold only vectors of the model being moved to (snapshots wait for the switch). */
  hasDeferredRows(): boolean {
    // Rows holding a vector of the target only: a file would lose it. A
    // skipped row (no vector of any model to lose) is written as it is.
    return (
      this.sql.first(
        'SELECT 1 AS found FROM memories WHERE length(embedding) = 0 AND length(next_embedding) > 0 LIMIT 1',
      ) !== null
    );
  }

  /**
   * The switch, in one transaction: every row's new vectors replace its old,
   * the vault records the new model, and the hot index's checkpoint (of the
   * old vectors) is dropped; then the in-memory index is forgotten, to be
   * rebuilt from the new rows on first use. A crash before the commit leaves
   * the old vectors and checkpoint whole; after it, the new ones and none.
   */
  private switchOver(progress: ReembedProgress, now: number): void {
    this.storage.transactionSync(() => {
      if (this.pendingCount(progress.everyRow) > 0) return;
      this.sql.run(
        `UPDATE memories SET embedding = next_embedding, chunk_embeddings = next_chunk_embeddings,
           next_embedding = NULL, next_chunk_embeddings = NULL
         WHERE length(next_embedding) > 0`,
      );
      // Skipped rows: no vector of the new model (TEXT finds them); the mark stays.
      this.sql.run(`UPDATE memories SET embedding = x'', chunk_embeddings = NULL WHERE ${SKIPPED}`);
      this.hot.discardCheckpoint();
      this.meta.update({
        embeddingModel: progress.model,
        dimensions: progress.dimensions,
        reembed: { ...progress, state: 'DONE', remaining: 0, finishedAt: now, nextBatchAt: null },
        reembedDueAt: null,
        // The next wake-up loads fast again, and the R2 backup gets the new vectors.
        checkpointDueAt: now + CHECKPOINT_DELAY_MS,
        snapshotDueAt: now,
        // Counted like a delete: a snapshot being written now is voided, not
        // left holding rows of both models.
        deleteSeq: this.meta.get('deleteSeq') + 1,
      });
    });
    this.hot.forget();
  }

  private nextRows(progress: ReembedProgress): PendingRow[] {
    const candidates = this.sql.all<PendingRow>(
      `SELECT seq, id, content FROM memories WHERE seq > ? AND ${pending(progress.everyRow)}
       ORDER BY seq LIMIT ?`,
      progress.cursor,
      REEMBED_BATCH_MEMORIES,
    );
    // A long memory is embedded chunk by chunk: keep a batch within one call's texts.
    const rows: PendingRow[] = [];
    let texts = 0;
    for (const row of candidates) {
      texts += chunkSpans(row.content).length;
      if (rows.length > 0 && texts > REEMBED_BATCH_TEXTS) break;
      rows.push(row);
    }
    return rows;
  }

  private pendingCount(everyRow: boolean): number {
    return (
      this.sql.first<{ n: number }>(`SELECT COUNT(*) AS n FROM memories WHERE ${pending(everyRow)}`)
        ?.n ?? 0
    );
  }

  /** Memories stored with only the target's vectors: not in the hot index, in it after the switch. */
  private deferredRows(): number {
    return this.sql.first<{ n: number }>(
      `SELECT COUNT(*) AS n FROM memories WHERE length(embedding) = 0`,
    )!.n;
  }
}

/** What the progress says once memories were skipped; null while none was. */
function skippedError(skipped: number): string | null {
  return skipped === 0
    ? null
    : `${skipped} ${skipped === 1 ? 'memory' : 'memories'} skipped (the embedding model refused their text with a malformed answer): found by TEXT only; see skippedMemoryIds`;
}

/** Rows still wanting vectors of the target: all without them, or only those with no vector at all. */
function pending(everyRow: boolean): string {
  return everyRow ? 'next_embedding IS NULL' : 'next_embedding IS NULL AND length(embedding) = 0';
}

function sameRun(
  current: ReembedProgress | null,
  progress: ReembedProgress,
): current is ReembedProgress {
  return (
    current?.state === 'RUNNING' &&
    current.startedAt === progress.startedAt &&
    current.model === progress.model
  );
}

/** The vault keeps unit vectors (cosine is a dot product); a chunk mean is not one yet. */
function unit(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const value of vector) sum += value * value;
  const scale = sum > 0 ? 1 / Math.sqrt(sum) : 1;
  return vector.map((value) => value * scale);
}

function concatUnit(vectors: readonly Float32Array[]): Uint8Array {
  const all = new Float32Array(vectors.length * vectors[0]!.length);
  vectors.forEach((vector, at) => all.set(unit(vector), at * vector.length));
  return new Uint8Array(all.buffer);
}
