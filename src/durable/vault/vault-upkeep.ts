import type { AppConfig } from '../../core/config';
import type { Embedder } from '../../embed/embedder';
import type { HotIndex } from '../indexes/hot-index';
import type { SnapshotStore } from '../cold-tier/snapshot-store';
import {
  checkpointDeferral,
  dueWork,
  isDue,
  restoreLeftAt,
  snapshotDeferral,
  snapshotSpacing,
} from './vault-alarm';
import { SNAPSHOTS_KEPT } from '../cold-tier/snapshot-store';
import { RESTORE_LEFT_MS } from '../cold-tier/snapshot-restore';
import { SNAPSHOT_PRUNE_RETRY_MS } from './vault-lifecycle';
import type { VaultLifecycle } from './vault-lifecycle';
import type { VaultMeta } from '../warm-tier/vault-meta';
import type { VaultReembed } from './vault-reembed';
import type { VaultUsage } from '../metering/vault-usage';
import { REBUILD_SLICE_ROWS, rebuildSlice } from '../warm-tier/full-text-index';
import type { Sql } from '../sqlite/sql';

/**
 * Slices of a full-text index rebuild one alarm runs (full-text-index.ts
 * `REBUILD_SLICE_ROWS` rows each, one transaction each). Counted, not timed:
 * the clock of a Worker stands still through synchronous work.
 */
export const REBUILD_SLICES_PER_ALARM = 2;

/** The parts of a vault its alarm works on. */
export interface VaultUpkeepParts {
  meta: VaultMeta;
  hot: HotIndex;
  cold: SnapshotStore;
  reembedding: VaultReembed;
  usage: VaultUsage;
  life: VaultLifecycle;
  config: AppConfig;
  /** The deployment's embedder, null when it cannot be built. */
  embedder: () => Embedder | null;
  /** One step of a restore its caller left (vault-admin.ts `continueLeftRestore`). */
  continueRestore: () => Promise<void>;
}

/**
 * What the vault's one alarm does (vault-alarm.ts finds what is due): delete
 * an expired vault, or write the hot index checkpoint (once writes settle,
 * unless it is far behind), hand recorded memory
 * tokens to the account (vault-usage.ts), run a re-embedding
 * batch and write a snapshot once writes have settled, then re-arm.
 */
export class VaultUpkeep {
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly sql: Sql,
    private readonly parts: VaultUpkeepParts,
  ) {}

  async run(): Promise<void> {
    const { meta, reembedding, usage, life } = this.parts;
    const due = dueWork(meta.record(), Date.now());
    if (due.expire) return life.destroy('EXPIRED');
    const left = isDue(restoreLeftAt(meta.get('restoreJob')), Date.now());
    if (left) {
      // A restore its caller left goes on, a step per alarm (at once: the step
      // records its time, so the next is due RESTORE_LEFT_MS on; see below).
      await this.parts.continueRestore();
    }
    const swapping = meta.get('restoreJob');
    if (swapping?.phase === 'SWAP') {
      // Half of each: nothing else runs on these rows until the swap is done.
      // A left job's next step is due at once; a swap its caller is driving
      // stays the caller's (the alarm comes back when it would count as left),
      // or the alarm finished it under the caller, who is told how it ended
      // (snapshot-restore.ts `outcome`).
      if (left) meta.set('restoreJob', { ...swapping, steppedAt: Date.now() - RESTORE_LEFT_MS });
      return life.armAlarm();
    }
    if (due.checkpoint) this.dueCheckpoint();
    if (due.usage) await usage.handOverDue(Date.now());
    if (due.reembed) {
      const embedder = this.parts.embedder();
      if (embedder !== null) await reembedding.runBatch(embedder, Date.now);
      else meta.set('reembedDueAt', null);
    }
    if (due.ftsRebuild) this.rebuildText();
    if (due.snapshot) await this.snapshot();
    if (isDue(meta.get('snapshotPruneDueAt'), Date.now())) await this.cleanR2();
    await life.armAlarm();
  }

  /**
   * The next slices of a full-text index rebuild under way; requests are let
   * in between alarms, so a big vault answers (from the old index) while
   * it is rebuilt. The last slice swaps the indexes, and what is held of
   * the old one in memory goes.
   */
  rebuildText(slices = REBUILD_SLICES_PER_ALARM, rows = REBUILD_SLICE_ROWS): boolean {
    const { meta, hot } = this.parts;
    for (let slice = 0; slice < slices; slice++) {
      const { done } = this.storage.transactionSync(() => rebuildSlice(this.sql, rows));
      if (done) {
        // The swap wrote the meta table beneath VaultMeta.
        meta.forget();
        hot.forgetText();
        return true;
      }
    }
    meta.set('ftsRebuildDueAt', Date.now());
    return false;
  }

  /** A due checkpoint: written, or planned again once writes settle (vault-alarm.ts). */
  private dueCheckpoint(): void {
    const { meta, hot } = this.parts;
    const deferred = checkpointDeferral(
      meta.get('lastWriteAt'),
      Date.now(),
      hot.checkpointFarBehind(),
    );
    if (deferred === null) this.checkpoint();
    else meta.set('checkpointDueAt', deferred);
  }

  /**
   * R2 left untidy: snapshots a clear could not delete, and the multipart
   * upload of a snapshot the object died in (or whose abort R2 failed):
   * deleted and aborted now, or tried again later.
   */
  private async cleanR2(): Promise<void> {
    const { meta, cold } = this.parts;
    try {
      const aborted = await cold.abortLeftover();
      await cold.prune(SNAPSHOTS_KEPT);
      meta.set('snapshotPruneDueAt', aborted ? null : Date.now() + SNAPSHOT_PRUNE_RETRY_MS);
    } catch {
      meta.set('snapshotPruneDueAt', Date.now() + SNAPSHOT_PRUNE_RETRY_MS);
    }
  }

  /** Writes the hot index checkpoint now. */
  checkpoint(): void {
    this.storage.transactionSync(() => {
      this.parts.hot.checkpoint();
      this.parts.meta.set('checkpointDueAt', null);
    });
  }

  /** A due snapshot: written, or planned again when now is not the time. */
  private async snapshot(): Promise<void> {
    const { meta, cold, reembedding, config } = this.parts;
    if (reembedding.hasDeferredRows()) {
      // A file now would mix two models' vectors: the switch plans the next one.
      meta.set('snapshotDueAt', Date.now() + config.snapshotDelayMs);
      return;
    }
    const now = Date.now();
    const settled = snapshotDeferral(meta.get('lastWriteAt'), now, config.snapshotDelayMs);
    const spaced = snapshotSpacing(meta.get('lastSnapshot'), now);
    if (settled !== null || spaced !== null) {
      // Writes have not settled (the last one is less than snapshotDelayMs
      // old), or the last snapshot was too recent for its size: wait.
      meta.set('snapshotDueAt', Math.max(settled ?? 0, spaced ?? 0));
      return;
    }
    const address = meta.get('address');
    const started = Date.now();
    const written = address === null ? null : await cold.write(address);
    const ended = Date.now();
    meta.set('lastSnapshot', { endedAt: ended, tookMs: ended - started });
    // A snapshot raced by a delete is retried once writes settle again.
    const retry = written !== null && !written.ok;
    meta.set('snapshotDueAt', retry ? Date.now() + config.snapshotDelayMs : null);
  }
}
