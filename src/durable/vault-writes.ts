import type { AppConfig } from '../config';
import type { VaultAddress } from '../vaults/address';
import type { HotIndex } from './hot-index';
import { metaAfterRestore } from './snapshot-store';
import type { VaultMeta } from './vault-meta';
import { checkPlan, prepareStore, type VaultFacts } from './vault-rules';
import type { VaultStorage } from './vault-storage';
import type { CheckResult, StorePlan, StoreRequest, StoreResult } from './vault-types';
import type { SnapshotHeader } from '../vaults/jsonl';

/**
 * A vault's write path. Every change is checked in full first (vault-rules.ts),
 * then written in one transaction together with the meta that goes with it,
 * and only once that committed does the in-memory state (hot-index.ts) take
 * it in: a failed transaction leaves nothing behind in either.
 */
export class VaultWrites {
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly rows: VaultStorage,
    private readonly meta: VaultMeta,
    private readonly hot: HotIndex,
    private readonly config: AppConfig,
  ) {}

  /** The vault as the checks need it (loads the hot index: the write would anyway). */
  facts(): VaultFacts & { address: VaultAddress | null } {
    const { address, embeddingModel, dimensions } = this.meta.record();
    const hotRows = this.hot.rows();
    return {
      address,
      embeddingModel,
      dimensions,
      hotRows,
      memoryCount: this.hot.memoryCount(),
      taken: (ids) => this.rows.taken(ids),
    };
  }

  /** Whether `store` would take a batch of this plan now; writes nothing. */
  check(plan: StorePlan): CheckResult {
    const checked = checkPlan(plan, this.facts(), this.config);
    return checked.ok ? { ok: true } : checked;
  }

  /** Stores a batch: all of it, or (on any invalid item) none. */
  store(address: VaultAddress, request: StoreRequest): StoreResult {
    if (request.memories.length === 0) return { ok: true, memories: [] };
    const batch = prepareStore(address, request, this.facts(), this.config, Date.now());
    if (!batch.ok) return batch;
    const seqs = this.storage.transactionSync(() => {
      const written = this.rows.insert(batch.memories);
      this.meta.update(batch.meta);
      return written;
    });
    this.hot.added(batch.memories, seqs, this.meta.get('dimensions')!);
    return { ok: true, memories: batch.memories.map(({ record }) => record) };
  }

  /** Deletes one memory; false when it was not there. */
  remove(id: string): boolean {
    const row = this.rows.find(id);
    if (row === null) return false;
    const removal = this.hot.beforeRemove(row);
    this.storage.transactionSync(() => {
      this.rows.delete(id);
      this.hot.recordRemoval(removal);
      this.meta.set('deleteSeq', this.meta.get('deleteSeq') + 1);
    });
    this.hot.removed(removal);
    return true;
  }

  /**
   * Replaces every memory with a staged snapshot's (`swapIn`, snapshot-store.ts)
   * in one transaction, dropping the checkpoint of the rows replaced. The
   * caller then wakes the object up again, so the in-memory state is rebuilt
   * from the new rows exactly as after a restart.
   */
  restore(address: VaultAddress, header: SnapshotHeader, swapIn: () => void): void {
    this.storage.transactionSync(() => {
      swapIn();
      this.hot.discardCheckpoint();
      this.meta.update(
        metaAfterRestore(address, header, {
          deleteSeq: this.meta.get('deleteSeq'),
          speakerMetadata: this.rows.anySpeakerMetadata(),
          now: Date.now(),
          ephemeralTtlMs: this.config.ephemeralTtlMs,
        }),
      );
    });
  }
}
