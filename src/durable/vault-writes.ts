import type { AppConfig } from '../config';
import { randomId } from '../encoding';
import { failure, type Failure } from '../errors';
import type { VaultAddress } from '../vaults/address';
import type { SnapshotHeader } from '../vaults/jsonl';
import {
  checkChunkEmbeddings,
  checkContent,
  checkCreatedAt,
  checkEmbedding,
  checkMetadataText,
  type Refusal,
} from '../vaults/memory-rules';
import type { HotIndex } from './hot-index';
import { metaAfterRestore } from './snapshot-store';
import { namesSpeaker } from './text-search';
import type { VaultMeta, VaultMetaRecord } from './vault-meta';
import { checkPlan, planOf, refuseAt, type VaultFacts } from './vault-rules';
import type { PreparedMemory, VaultStorage } from './vault-storage';
import {
  ROLES,
  type CheckResult,
  type NewMemory,
  type StoreFailure,
  type StorePlan,
  type StoreRequest,
  type StoreResult,
} from './vault-types';

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
    const facts = this.facts();
    if (request.memories.length === 0) return { ok: true, memories: [], created: false };
    const batch = prepareStore(address, request, facts, this.config, Date.now());
    if (!batch.ok) return batch;
    const seqs = this.storage.transactionSync(() => {
      const written = this.rows.insert(batch.memories);
      this.meta.update(batch.meta);
      return written;
    });
    this.hot.added(batch.memories, seqs, this.meta.get('dimensions')!);
    return {
      ok: true,
      memories: batch.memories.map(({ record }) => record),
      created: facts.address === null,
    };
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

/**
 * Checks a store request in full and prepares its rows: the batch against the
 * vault (`checkPlan`), then every memory against the shared rules. Nothing is
 * written; the caller writes `memories` and `meta` in one transaction.
 */
export function prepareStore(
  address: VaultAddress,
  request: StoreRequest,
  vault: VaultFacts & { address: VaultAddress | null },
  limits: Pick<
    AppConfig,
    'vaultMaxMemories' | 'vaultMaxHotBytes' | 'maxContentBytes' | 'ephemeralTtlMs'
  >,
  now: number,
): { ok: true; memories: PreparedMemory[]; meta: Partial<VaultMetaRecord> } | StoreFailure {
  const plan = checkPlan(planOf(request), vault, limits);
  if (!plan.ok) return plan;
  const memories: PreparedMemory[] = [];
  for (const [position, memory] of request.memories.entries()) {
    const prepared = prepareMemory(memory, plan.dimensions, limits.maxContentBytes, now);
    if (!prepared.ok)
      return refuseAt(position, 'field' in prepared ? prepared.field : null, prepared);
    memories.push(prepared.memory);
  }
  return {
    ok: true,
    memories,
    meta: {
      ...plan.meta,
      ...(vault.address === null ? { address } : {}),
      ...(memories.some(({ record }) => namesSpeaker(record.metadata))
        ? { speakerMetadata: true }
        : {}),
      lastWriteAt: now,
      ...(address.kind === 'EPHEMERAL' ? { expiresAt: now + limits.ephemeralTtlMs } : {}),
    },
  };
}

function prepareMemory(
  memory: NewMemory,
  dimensions: number,
  maxContentBytes: number,
  now: number,
): { ok: true; memory: PreparedMemory } | Refusal | Failure {
  const refusal =
    checkContent(memory.content, maxContentBytes) ??
    (ROLES.includes(memory.role)
      ? null
      : failure('BAD_USER_INPUT', 'unknown role', 'INVALID_ROLE')) ??
    checkCreatedAt(memory.createdAt, now) ??
    (memory.metadata === null ? null : checkMetadataText(memory.metadata));
  if (refusal !== null) return refusal;
  const vector = checkEmbedding(memory.vector, dimensions);
  if (!vector.ok) return vector;
  const chunks = checkChunkEmbeddings(memory.content, memory.chunkVectors, dimensions);
  if (!chunks.ok) return chunks;
  return {
    ok: true,
    memory: {
      record: {
        id: memory.id ?? randomId(),
        content: memory.content,
        role: memory.role,
        metadata: memory.metadata,
        createdAt: memory.createdAt,
        tokens: memory.tokens,
      },
      vector: vector.vector,
      chunkVectors: chunks.vectors,
    },
  };
}
