import type { AppConfig } from '../../core/config';
import { failure, type Result } from '../../core/errors';
import { CALLER_SUPPLIED_MODEL, type Embedder } from '../../embed/embedder';
import { sameVault, type VaultAddress } from '../../vaults/address';
import type { EventSockets } from './event-sockets';
import type { HotIndex } from '../indexes/hot-index';
import type { MemoryEventLog } from '../warm-tier/memory-events';
import type { RetiredSet } from '../warm-tier/retired-set';
import type { StoreKeys } from '../warm-tier/store-keys';
import type { SnapshotStore } from '../cold-tier/snapshot-store';
import { inProgress } from '../cold-tier/snapshot-restore';
import { importRefusal } from './vault-imports';
import { migrate } from '../sqlite/sql';
import { logError } from '../../core/request-log';
import { afterChange, armAlarm, isExpired, nextAlarm } from './vault-alarm';
import type { VaultMeta, VaultMetaRecord } from '../warm-tier/vault-meta';
import { reembedNeeded, type VaultReembed } from './vault-reembed';
import { VAULT_MIGRATIONS } from '../warm-tier/vault-schema';
import type { VaultUsage } from '../metering/vault-usage';
import type { ApartMarks } from './apart-marks';

/** How long after an R2 failure the alarm tries again to delete a cleared vault's snapshots. */
export const SNAPSHOT_PRUNE_RETRY_MS = 60_000;

/** The parts of a vault its life touches. */
export interface VaultLifeParts {
  meta: VaultMeta;
  hot: HotIndex;
  retired: RetiredSet;
  events: MemoryEventLog;
  subscribers: EventSockets;
  cold: SnapshotStore;
  reembedding: VaultReembed;
  usage: VaultUsage;
  /** Idempotency keys of stores: kept through a wipe, so a retry cannot store again. */
  keys: StoreKeys;
  config: AppConfig;
  /** The deployment's embedder, null when it cannot be built. */
  embedder: () => Embedder | null;
  /** Marks its retired facts made on other vaults' turns, taken back when it goes. */
  apartMarks: ApartMarks;
}

/**
 * A vault's life: waking up (the object starting, a clear, a restore), the
 * check every call opens with, destruction (cleared or expired), and the
 * one alarm that plans the work after a change.
 */
export class VaultLifecycle {
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly parts: VaultLifeParts,
    /** Runs work with no other event delivered meanwhile (`ctx.blockConcurrencyWhile`). */
    private readonly exclusive: <T>(work: () => Promise<T>) => Promise<T>,
  ) {}

  /**
   * Wake-up: brings the schema up to date and forgets every in-memory copy,
   * to be loaded again on first use. The constructor, a clear and a restore
   * all come through here.
   */
  wake(): void {
    try {
      migrate(this.storage, VAULT_MIGRATIONS);
    } finally {
      // A migration, a wipe or a restore wrote the meta table beneath VaultMeta;
      // a migration that threw part-way may have too, so nothing kept outlives it.
      this.parts.meta.forget();
      this.parts.hot.forget();
      this.parts.retired.forget();
    }
  }

  /**
   * Checks that the caller addresses the vault this object holds, and removes
   * an EPHEMERAL vault whose time is up even if its alarm has not fired yet.
   * Answers the meta record as it stands after that, so the call it opens
   * need not read it again. The record is the one VaultMeta keeps between
   * writes (`current`: no transaction is open here), so an open with no
   * write since the last decodes nothing.
   */
  async open(
    address: VaultAddress,
    call: { restoring?: boolean; importId?: string | undefined } = {},
  ): Promise<Result<{ meta: VaultMetaRecord }>> {
    const meta = this.parts.meta.current();
    // A restore swapping its rows in holds half of each: every call but the
    // restore's own waits (snapshot-restore.ts); an import's batch hears that
    // the restore ended its import (vault-imports.ts), not to try again.
    if (meta.restoreJob?.phase === 'SWAP' && call.restoring !== true)
      return importRefusal(meta, call.importId) ?? inProgress(meta.restoreJob);
    if (isExpired(meta, Date.now())) {
      await this.destroy('EXPIRED');
      return { ok: true, meta: this.parts.meta.current() };
    }
    if (meta.address !== null && !sameVault(meta.address, address)) {
      // Only reachable through a bug in name derivation; never serve another vault.
      return failure('FORBIDDEN', 'this vault belongs to another address', 'WRONG_OWNER');
    }
    const started = await this.reembedIfNeeded(meta);
    return { ok: true, meta: started ? this.parts.meta.current() : meta };
  }

  /**
   * Truly deletes everything (rows, meta, alarm, snapshots), then wakes up
   * empty. The change log starts again with the CLEARED or EXPIRED event,
   * numbered after the last one, so subscribers hear of it and a reconnect
   * from before it is told to resync.
   *
   * No other call runs until the storage is wiped and woken again: the
   * usage hand-over awaits the account, and a write let in meanwhile would
   * be wiped after it was acknowledged (or, finding the vault expired too,
   * start a second removal over the first one's half-wiped tables).
   */
  async destroy(reason: 'CLEARED' | 'EXPIRED'): Promise<void> {
    const clearedAt = Date.now();
    const { marks, changed } = await this.exclusive(() => this.wipe(reason));
    // The snapshots in R2 go after, with calls let in again, and so do the
    // calls taking back the marks its facts made on other vaults' turns.
    // The vault is cleared already: an R2 failure is not the caller's. The
    // snapshots taken before the clear stay unlisted and unrestorable
    // (`snapshotsFrom`) and the alarm deletes them (vault-upkeep.ts); a
    // clear R2 answered leaves no meta row but the schema's.
    await this.parts.cold.prune(0).catch(async (error: unknown) => {
      logError("deleting a cleared vault's snapshots failed; the alarm tries again", error);
      this.parts.meta.update({
        snapshotsFrom: clearedAt,
        snapshotPruneDueAt: Date.now() + SNAPSHOT_PRUNE_RETRY_MS,
      });
      await this.armAlarm();
    });
    if (marks !== null) await this.parts.apartMarks.release(marks, changed);
  }

  /** Answers the marks to take back (read before the rows went) and the wipe's change order. */
  private async wipe(
    reason: 'CLEARED' | 'EXPIRED',
  ): Promise<{ marks: ReturnType<ApartMarks['beforeWipe']>; changed: number }> {
    const { events, subscribers, usage, keys, apartMarks } = this.parts;
    const lastSeq = events.lastSeq();
    const marks = apartMarks.beforeWipe();
    // Memory tokens not yet on the account's ledger outlive the vault's rows.
    await usage.handOver().catch(() => {});
    const owed = usage.owed();
    // So do the answers to stores made with an idempotency key (store-keys.ts).
    const heldKeys = keys.held(Date.now());
    await this.storage.deleteAlarm();
    await this.storage.deleteAll();
    this.wake();
    keys.restore(heldKeys);
    if (usage.restore(owed)) await this.armAlarm();
    const event = events.appendAfterWipe(lastSeq, {
      type: reason,
      memoryId: null,
      content: null,
      supersededBy: null,
      at: Date.now(),
    });
    subscribers.broadcast([event]);
    return { marks, changed: event.seq };
  }

  /**
   * After a write or delete: plan a checkpoint when enough has changed and a
   * snapshot when none is planned. Once both are planned, a write changes
   * neither the meta table nor the alarm. `current` is the meta record as
   * the change left it, when the caller has it (a store does), so it is not
   * read again; `rearm` also re-arms the alarm (the change planned other
   * work, such as a usage hand-over).
   */
  async afterChange(current?: VaultMetaRecord, rearm = false): Promise<void> {
    const { meta, hot, config } = this.parts;
    const before = current ?? meta.record();
    const after = afterChange(before, {
      checkpointNeeded: () => hot.checkpointDue(before.checkpoint),
      now: Date.now(),
      snapshotDelayMs: config.snapshotDelayMs,
    });
    const planned =
      after.checkpointDueAt !== before.checkpointDueAt ||
      after.snapshotDueAt !== before.snapshotDueAt;
    if (planned) meta.update(after);
    if (planned || rearm)
      await armAlarm(this.storage, nextAlarm(current ? { ...before, ...after } : meta.record()));
  }

  /** Sets the alarm to the earliest work the meta table says is due. */
  armAlarm(): Promise<void> {
    return armAlarm(this.storage, nextAlarm(this.parts.meta.record()));
  }

  /**
   * The deployment embeds with another model than the vault's vectors are
   * of: the vault starts re-embedding into it on its first call (true: it
   * started, and the meta record changed). Only vaults
   * in use do, each paced by its own alarm, so a new model does not set every
   * vault of a deployment going at once.
   */
  private async reembedIfNeeded(meta: VaultMetaRecord): Promise<boolean> {
    if (this.parts.config.reembed !== 'auto') return false;
    if (meta.embeddingModel === null || meta.embeddingModel === CALLER_SUPPLIED_MODEL) return false;
    const embedder = this.parts.embedder();
    if (embedder === null || !reembedNeeded(meta, embedder)) return false;
    this.parts.reembedding.start(embedder, 'DEPLOYMENT', Date.now());
    await this.armAlarm();
    return true;
  }
}
