import type { AppConfig } from '../config';
import { CALLER_SUPPLIED_MODEL } from '../embed/embedder';
import { failure, type Failure } from '../errors';
import { randomId } from '../encoding';
import { MAX_HITS_PER_WINDOW, MAX_STORE_BATCH, maxHotRows, vaultCapacity } from '../limits';
import type { VaultAddress } from '../vaults/address';
import {
  checkChunkEmbeddings,
  checkContent,
  checkCreatedAt,
  checkEmbedding,
  checkLocalId,
  checkMetadataText,
  type MemoryField,
  type Refusal,
} from '../vaults/memory-rules';
import { namesSpeaker } from './text-search';
import type { VaultMetaRecord } from './vault-meta';
import type { PreparedMemory } from './vault-storage';
import {
  ROLES,
  type NewMemory,
  type SearchRequest,
  type StoreFailure,
  type StorePlan,
  type StoreRequest,
} from './vault-types';

/**
 * What a vault refuses, on top of the rules every memory meets
 * (src/vaults/memory-rules.ts): a batch whose vectors do not fit the vault's
 * model and dimensions, ids it already holds, more than it has room for, and
 * searches it cannot answer. The same checks serve `store` and `check` (the
 * dry run a multi-vault `storeMemories` makes before any vault writes).
 */

/** What the checks need to know about the vault as it is now. */
export interface VaultFacts {
  embeddingModel: string | null;
  dimensions: number | null;
  memoryCount: number;
  /** Rows of the hot index (a memory indexed in chunks takes one per chunk). */
  hotRows: number;
  /** Which of these ids the vault already holds. */
  taken(ids: readonly string[]): string[];
}

type Limits = Pick<AppConfig, 'vaultMaxMemories' | 'vaultMaxHotBytes' | 'maxContentBytes'>;

/** A refusal of one memory of the batch, by its position in the batch. */
function refuseAt(
  position: number,
  field: MemoryField | null,
  { code, message, reason }: Failure,
): StoreFailure {
  return {
    ...failure(code, `memory ${position}: ${message}`, reason),
    position,
    ...(field === null ? {} : { field }),
    problem: message,
  };
}

/** The plan of a store request: what `checkPlan` needs, without contents or vectors. */
export function planOf(request: StoreRequest): StorePlan {
  return {
    model: request.model,
    dimensions: request.dimensions,
    memories: request.memories.map((memory) => ({
      id: memory.id ?? null,
      dimensions: memory.callerVector ? memory.vector.length : null,
      rows: memory.chunkVectors && memory.chunkVectors.length > 1 ? memory.chunkVectors.length : 1,
    })),
  };
}

/**
 * Whether the vault takes this batch: its vectors' model and dimensions,
 * its ids, and room for its memories and hot rows. Returns the dimensions the
 * batch is checked against and the meta a first write fixes.
 */
export function checkPlan(
  plan: StorePlan,
  vault: VaultFacts,
  limits: Limits,
):
  | {
      ok: true;
      dimensions: number;
      meta: Pick<Partial<VaultMetaRecord>, 'embeddingModel' | 'dimensions'>;
    }
  | StoreFailure {
  const { memories } = plan;
  if (memories.length > MAX_STORE_BATCH) {
    return failure(
      'PAYLOAD_TOO_LARGE',
      `at most ${MAX_STORE_BATCH} memories per call`,
      'BATCH_TOO_LARGE',
    );
  }
  if (memories.length === 0) {
    return { ok: true, dimensions: vault.dimensions ?? plan.dimensions, meta: {} };
  }
  const vectorsOf = (memory: StorePlan['memories'][number]) => memory.dimensions ?? plan.dimensions;
  // Model and dimensions: fixed by the vault's first write, checked after that.
  const dimensions = vault.dimensions ?? vectorsOf(memories[0]!);
  for (const [position, memory] of memories.entries()) {
    if (vectorsOf(memory) !== dimensions) {
      return refuseAt(
        position,
        'embedding',
        failure(
          'BAD_USER_INPUT',
          `embedding has ${vectorsOf(memory)} dimensions; this vault uses ${dimensions}`,
          'EMBEDDING_DIMENSIONS',
        ),
      );
    }
  }
  const serverWrites = memories.findIndex((memory) => memory.dimensions === null);
  const model = vault.embeddingModel;
  if (
    serverWrites >= 0 &&
    model !== null &&
    model !== CALLER_SUPPLIED_MODEL &&
    model !== plan.model
  ) {
    return refuseAt(
      serverWrites,
      null,
      failure(
        'BAD_USER_INPUT',
        `this vault was built with embedding model ${model}; the deployment now embeds with ${plan.model}`,
        'EMBEDDING_MISMATCH',
      ),
    );
  }

  const ids = memories.flatMap((memory, position) =>
    memory.id ? [{ id: memory.id, position }] : [],
  );
  const seen = new Set<string>();
  for (const { id, position } of ids) {
    const invalid = checkLocalId(id);
    if (invalid !== null) return refuseAt(position, 'id', invalid);
    if (seen.has(id)) {
      return refuseAt(
        position,
        'id',
        failure('BAD_USER_INPUT', `id ${id} appears twice in the batch`, 'DUPLICATE_ID'),
      );
    }
    seen.add(id);
  }
  const taken = new Set(vault.taken(ids.map(({ id }) => id)));
  const clash = ids.find(({ id }) => taken.has(id));
  if (clash !== undefined) {
    return refuseAt(
      clash.position,
      'id',
      failure('BAD_USER_INPUT', `the vault already holds a memory ${clash.id}`, 'DUPLICATE_ID'),
    );
  }

  const capacity = vaultCapacity(limits, dimensions);
  if (vault.memoryCount + memories.length > capacity) {
    return refuseAt(
      Math.max(0, capacity - vault.memoryCount),
      null,
      failure(
        'PAYLOAD_TOO_LARGE',
        `vault is full: it holds ${vault.memoryCount} of at most ${capacity} memories`,
        'VAULT_FULL',
      ),
    );
  }
  const maxRows = maxHotRows(limits, dimensions);
  let rows = vault.hotRows;
  for (const [position, memory] of memories.entries()) {
    rows += memory.rows;
    if (rows > maxRows) {
      return refuseAt(
        position,
        null,
        failure(
          'PAYLOAD_TOO_LARGE',
          `vault is full: its hot index holds ${vault.hotRows} of at most ${maxRows} vectors (long memories take one per chunk)`,
          'VAULT_FULL',
        ),
      );
    }
  }

  const meta: Pick<Partial<VaultMetaRecord>, 'embeddingModel' | 'dimensions'> = {};
  if (model === null || (model === CALLER_SUPPLIED_MODEL && serverWrites >= 0)) {
    meta.embeddingModel = serverWrites >= 0 ? plan.model : CALLER_SUPPLIED_MODEL;
  }
  if (vault.dimensions === null) meta.dimensions = dimensions;
  return { ok: true, dimensions, meta };
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
  limits: Limits & Pick<AppConfig, 'ephemeralTtlMs'>,
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

/** Whether the vault can answer a search: window sizes, and a query vector of its kind. */
export function checkSearch(
  request: SearchRequest,
  vault: Pick<VaultFacts, 'embeddingModel' | 'dimensions'>,
): Failure | null {
  for (const window of request.windows) {
    if (!Number.isInteger(window.limit) || window.limit < 0 || window.limit > MAX_HITS_PER_WINDOW) {
      return failure('BAD_USER_INPUT', `window limit must be between 0 and ${MAX_HITS_PER_WINDOW}`);
    }
  }
  if (request.mode === 'TEXT') return null;
  const { dimensions, embeddingModel: model } = vault;
  if (dimensions === null) return null; // an empty vault matches nothing
  if (request.vector === null || request.vector.length !== dimensions) {
    return failure(
      'BAD_USER_INPUT',
      `query embedding has ${request.vector?.length ?? 0} dimensions; this vault uses ${dimensions}`,
      'EMBEDDING_DIMENSIONS',
    );
  }
  if (
    model !== null &&
    model !== CALLER_SUPPLIED_MODEL &&
    request.model !== CALLER_SUPPLIED_MODEL &&
    model !== request.model
  ) {
    return failure(
      'BAD_USER_INPUT',
      `this vault was built with embedding model ${model}, the query with ${request.model}`,
      'EMBEDDING_MISMATCH',
    );
  }
  return null;
}
