import { failure, type Failure, type Result } from '../../core/errors';
import { CALLER_SUPPLIED_MODEL, type Embedder } from '../../embed/embedder';
import type { VaultAddress } from '../../vaults/address';
import type { SnapshotInfo, SnapshotStore } from '../cold-tier/snapshot-store';
import { snapshotNotFound, type SnapshotRestore } from '../cold-tier/snapshot-restore';
import type { RestoreJob } from '../warm-tier/vault-meta';
import { logWarn } from '../../core/request-log';
import type { ExportPage, ExportViews } from '../warm-tier/export-views';
import type { VaultLifecycle } from './vault-lifecycle';
import type { VaultMeta } from '../warm-tier/vault-meta';
import {
  gaveUp,
  REEMBED_BATCH_MEMORIES,
  REEMBED_PAUSE_MS,
  type VaultReembed,
} from './vault-reembed';
import type { ReembedProgress } from '../rpc/vault-types';
import type { VaultWrites } from './vault-writes';
import { endedByRestore } from './vault-imports';

/** The parts of a vault the whole-vault operations touch. */
export interface VaultAdminParts {
  meta: VaultMeta;
  cold: SnapshotStore;
  restorer: SnapshotRestore;
  exports: ExportViews;
  reembedding: VaultReembed;
  writes: VaultWrites;
  life: VaultLifecycle;
  /** The deployment's embedder, null when it cannot be built. */
  embedder: () => Embedder | null;
}

/** What an export's header states, fixed when the export begins. */
export interface ExportOpening {
  id: string;
  count: number;
  embeddingModel: string | null;
  dimensions: number | null;
}

/**
 * Operations on a whole vault, on an open object: a snapshot now (admins), an
 * export read a page at a time, a restore from a snapshot, and re-embedding
 * on an admin's request.
 */
export class VaultAdmin {
  constructor(private readonly parts: VaultAdminParts) {}

  /** Writes a snapshot now; refused while some memories have only a new model's vectors. */
  async snapshot(address: VaultAddress): Promise<Result<{ snapshot: SnapshotInfo }>> {
    const mixed = this.refuseMixedModels();
    if (mixed) return mixed;
    try {
      return await this.parts.cold.write(address);
    } finally {
      // An upload R2 failed to abort is left to the alarm (vault-upkeep.ts).
      await this.parts.life.armAlarm();
    }
  }

  /**
   * Begins an export: a point-in-time view of the memories (export-views.ts),
   * no snapshot, so exporting never pushes a restore point out of R2.
   */
  openExport(now: number): Result<{ opened: ExportOpening }> {
    const mixed = this.refuseMixedModels();
    if (mixed) return mixed;
    const { meta, exports } = this.parts;
    const view = exports.open(now);
    return {
      ok: true,
      opened: {
        ...view,
        embeddingModel: meta.get('embeddingModel'),
        dimensions: meta.get('dimensions'),
      },
    };
  }

  /** The next page of export `id`; EXPORT_GONE once it was given up or the vault was wiped. */
  exportPage(id: string, now: number): Result<{ page: ExportPage }> {
    const page = this.parts.exports.page(id, now);
    return page === null
      ? failure(
          'NOT_FOUND',
          'the export ended early (the vault was cleared, or the export sat unread too long); export again',
          'EXPORT_GONE',
        )
      : { ok: true, page };
  }

  /**
   * Some memories have only a new model's vectors: a file now would mix
   * models. While the run goes on, try again once it is done; once it gave
   * up, waiting changes nothing (no batch runs): say so, and why, and who
   * can go on with it.
   */
  private refuseMixedModels(): Failure | null {
    if (!this.parts.reembedding.hasDeferredRows()) return null;
    const progress = this.parts.meta.get('reembed');
    if (progress !== null && gaveUp(progress)) {
      return failure(
        'UPSTREAM_ERROR',
        `the vault's re-embedding into ${progress.model} stopped (FAILED: ${progress.lastError ?? 'its batches kept failing'}); some memories were written with only that model's vectors, so a file now would mix two models. An admin's reembedVault resumes it (${progress.remaining} memories to go); export once it is DONE`,
        'REEMBEDDING_FAILED',
      );
    }
    const remaining = progress?.remaining ?? 0;
    return {
      ...failure(
        'RATE_LIMITED',
        `the vault is re-embedding into ${progress?.model ?? 'another model'} (${remaining} memories to go); export it once that is done`,
        'REEMBEDDING',
      ),
      // An estimate: a batch and its pause about every half second.
      details: { retryAfter: reembedSecondsLeft(remaining) },
    };
  }

  /**
   * Rebuilds the vault from a snapshot (the newest, or `key`) in steps
   * (snapshot-restore.ts): begins a restore, or goes on with job
   * `continuing`, and runs steps until about a STAGE step's rows of work
   * are done, so one call stays well inside a request's CPU limit. Answers
   * `job` to call again with, or null once the vault holds the snapshot's
   * rows and has woken up on them (a small vault's restore takes one call).
   */
  async restore(
    address: VaultAddress,
    key: string | null,
    continuing: string | null,
  ): Promise<Result<{ restored: number; key: string; job: string | null }>> {
    try {
      return await this.restoreSteps(address, key, continuing);
    } catch (error) {
      // R2 failed a read: the job stays where it was, and the alarm goes on
      // with it once its caller has been gone RESTORE_LEFT_MS.
      logWarn('a restore step failed; it is tried again', error);
      return failure(
        'UPSTREAM_ERROR',
        'the snapshot storage (R2) did not answer; the restore goes on by itself once it does, or restore again',
        'SNAPSHOT_STORAGE_FAILED',
      );
    }
  }

  private async restoreSteps(
    address: VaultAddress,
    key: string | null,
    continuing: string | null,
  ): Promise<Result<{ restored: number; key: string; job: string | null }>> {
    const { cold, restorer } = this.parts;
    let current: RestoreJob;
    if (continuing === null) {
      const object = await cold.find(key);
      if (object === null) return snapshotNotFound();
      const begun = await restorer.begin(object, address);
      if (!begun.ok) return begun;
      // In the step that recorded the job: the imports writing into the vault
      // end here (vault-imports.ts), before any of their batches could land in
      // rows the swap replaces. A restore that fails later does not reopen them.
      this.parts.meta.update(endedByRestore(this.parts.meta.record()));
      current = begun.job;
    } else {
      const job = restorer.job();
      // Ended meanwhile (the alarm finished a job its caller left): how it ended.
      if (job === null || job.id !== continuing) return restorer.outcome(continuing, Date.now());
      current = job;
    }
    for (let rows = 0; rows < restorer.stageRows;) {
      if (restorer.swapped(current)) return this.finishRestore(address, current);
      // The checksum reads every line's bytes again: a call of its own
      // unless the whole file fits in what is left of this one.
      if (current.phase === 'VERIFY' && rows > 0 && rows + current.staged > restorer.stageRows)
        break;
      const next = await restorer.step(current.id);
      if (!next.ok) return next;
      current = next.job;
      rows += Math.max(next.rows, 1);
    }
    if (restorer.swapped(current)) return this.finishRestore(address, current);
    // The alarm finishes a job its caller leaves (RESTORE_LEFT_MS).
    await this.parts.life.armAlarm();
    return { ok: true, restored: current.copied, key: current.key, job: current.id };
  }

  /** The alarm's share: one step of a job its caller left, the final one included. */
  async continueLeftRestore(): Promise<void> {
    const { restorer } = this.parts;
    const job = restorer.job();
    if (job === null) return;
    if (restorer.swapped(job)) {
      await this.finishRestore(job.address, job);
      return;
    }
    const next = await restorer.step(job.id);
    if (!next.ok) logWarn('a restore the alarm went on with ended', next.reason ?? next.code);
  }

  /** The last step: the swap's final transaction (meta, change log), then the vault wakes up on the new rows. */
  private async finishRestore(
    address: VaultAddress,
    job: RestoreJob,
  ): Promise<Result<{ restored: number; key: string; job: null }>> {
    const { writes, life, restorer } = this.parts;
    writes.restore(address, job.header, () => restorer.finish(job));
    life.wake();
    await life.armAlarm();
    return { ok: true, restored: job.staged, key: job.key, job: null };
  }

  /**
   * Re-embeds every memory with the deployment's embedder, in the background
   * (a repaired model), or resumes a run that gave up towards it. Returns the
   * progress; asking again while it runs changes nothing.
   */
  async reembed(): Promise<Result<{ progress: ReembedProgress }>> {
    const meta = this.parts.meta.record();
    if (meta.embeddingModel === null) {
      return failure('NOT_FOUND', 'the vault holds no memories yet', 'VAULT_EMPTY');
    }
    if (meta.embeddingModel === CALLER_SUPPLIED_MODEL) {
      return failure(
        'BAD_USER_INPUT',
        'the vault holds caller-supplied vectors: only the caller can compute them again',
        'CALLER_SUPPLIED_VECTORS',
      );
    }
    const embedder = this.parts.embedder();
    if (embedder === null) {
      return failure('UPSTREAM_ERROR', 'the deployment has no usable embedder', 'EMBEDDING_FAILED');
    }
    const same = meta.reembed?.model === embedder.model;
    const running = same && meta.reembed?.state === 'RUNNING';
    // A run that gave up towards this model goes on from where it stopped;
    // one towards another model (the deployment changed since) starts over.
    const progress = running
      ? meta.reembed!
      : same && gaveUp(meta.reembed)
        ? this.parts.reembedding.resume(Date.now())
        : this.parts.reembedding.start(embedder, 'ADMIN', Date.now());
    await this.parts.life.armAlarm();
    return { ok: true, progress };
  }
}

/** Seconds until `remaining` memories are re-embedded, at about half a second a batch; at least 1. */
function reembedSecondsLeft(remaining: number): number {
  const batches = Math.ceil(remaining / REEMBED_BATCH_MEMORIES);
  return Math.max(1, Math.ceil((batches * (REEMBED_PAUSE_MS + 250)) / 1000));
}
