import type { AppConfig } from '../../core/config';
import { CALLER_SUPPLIED_MODEL, CALLER_SUPPLIED_WAY_OUT } from '../../embed/embedder';
import { failure, type Failure } from '../../core/errors';
import { MAX_HITS_PER_WINDOW, MAX_VAULT_WRITE, maxHotRows, vaultCapacity } from '../../core/limits';
import { isHitCount } from '../../core/window-list';
import { checkLocalId, type MemoryField } from '../../vaults/memory-rules';
import type { VaultMetaRecord } from '../warm-tier/vault-meta';
import type { SearchRequest, StoreFailure, StorePlan, StoreRequest } from '../rpc/vault-types';

/**
 * What a vault refuses, on top of the rules every memory meets
 * (src/vaults/memory-rules.ts): a batch whose vectors do not fit the vault's
 * model and dimensions, ids it already holds, more than it has room for, and
 * searches it cannot answer. The same checks serve `store` (vault-writes.ts)
 * and `check` (the dry run a multi-vault `storeMemories` makes before any
 * vault writes).
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
  /** The model a running re-embedding moves the vault to (vault-reembed.ts); absent: none. */
  reembedTarget?: { model: string; dimensions: number } | null;
}

type Limits = Pick<AppConfig, 'vaultMaxMemories' | 'vaultMaxHotBytes'>;

/** A refusal of one memory of the batch, by its position in the batch. */
export function refuseAt(
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

const badInput = (message: string, reason: string) => failure('BAD_USER_INPUT', message, reason);
const full = (message: string) => failure('PAYLOAD_TOO_LARGE', message, 'VAULT_FULL');

type PlannedMemory = StorePlan['memories'][number];
type FirstWriteMeta = Pick<Partial<VaultMetaRecord>, 'embeddingModel' | 'dimensions'>;

/** The plan of a store request: what `checkPlan` needs, without contents or vectors. */
export function planOf(request: StoreRequest): StorePlan {
  return {
    model: request.model,
    dimensions: request.dimensions,
    memories: request.memories.map((memory) => ({
      id: memory.id ?? null,
      dimensions: memory.callerVector ? memory.vector.length : null,
      ...(memory.callerVector && memory.vectorModel ? { model: memory.vectorModel } : {}),
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
): CheckedPlan | StoreFailure {
  // The caller's limit (MAX_STORE_BATCH inputs) is the Worker's to check;
  // a write may carry the facts extracted from a full batch besides.
  if (plan.memories.length > MAX_VAULT_WRITE) {
    return failure(
      'PAYLOAD_TOO_LARGE',
      `at most ${MAX_VAULT_WRITE} memories per write`,
      'BATCH_TOO_LARGE',
    );
  }
  const vectors = checkVectors(plan, vault);
  if (!vectors.ok) return vectors;
  return (
    checkIds(plan.memories, vault) ??
    checkRoom(plan.memories, vectors.dimensions, vault, limits) ??
    vectors
  );
}

/** A batch the vault takes: the dimensions its vectors have, and what it fixes or defers. */
export interface CheckedPlan {
  ok: true;
  /** Of the vault's own vectors (caller-supplied ones, and the deployment's unless deferred). */
  dimensions: number;
  /**
   * The deployment's vectors are of the model the vault is re-embedding into
   * (of `deferredDimensions`): stored beside, searched after the switch.
   */
  deferred: boolean;
  deferredDimensions: number;
  meta: FirstWriteMeta;
}

/**
 * Model and dimensions: fixed by the vault's first write, checked after that.
 * A vault holds one kind of vector, the caller's own (`caller-supplied`) or
 * one model's: a batch of another kind is refused, never relabelled, since
 * VECTOR search would compare vectors of different spaces and re-embedding
 * (vault-reembed.ts) would overwrite vectors only the caller can compute.
 */
function checkVectors(plan: StorePlan, vault: VaultFacts): CheckedPlan | StoreFailure {
  const sizeOf = (memory: PlannedMemory) => memory.dimensions ?? plan.dimensions;
  const first = plan.memories[0];
  const none = { deferred: false, deferredDimensions: 0, meta: {} };
  if (first === undefined)
    return { ok: true, dimensions: vault.dimensions ?? plan.dimensions, ...none };
  const kindOf = (memory: PlannedMemory) =>
    memory.dimensions === null ? plan.model : (memory.model ?? CALLER_SUPPLIED_MODEL);
  const model = vault.embeddingModel;
  const held = model ?? kindOf(first);
  // The deployment's vectors into a vault of another model: taken (deferred)
  // while the vault re-embeds into that model, else refused below.
  const target =
    model !== null && model !== plan.model && vault.reembedTarget?.model === plan.model
      ? vault.reembedTarget
      : null;
  const otherKind = plan.memories.findIndex(
    (memory) => kindOf(memory) !== held && !(target !== null && memory.dimensions === null),
  );
  if (otherKind >= 0) {
    return kindMismatch(plan, otherKind, held, model === null ? null : vault.dimensions);
  }
  const dimensions = vault.dimensions ?? sizeOf(first);
  const expected = (memory: PlannedMemory) =>
    memory.dimensions === null && target !== null ? target.dimensions : dimensions;
  const wrongSize = plan.memories.findIndex((memory) => sizeOf(memory) !== expected(memory));
  if (wrongSize >= 0) {
    const memory = plan.memories[wrongSize]!;
    return refuseAt(
      wrongSize,
      'embedding',
      badInput(
        `embedding has ${sizeOf(memory)} dimensions; this vault uses ${expected(memory)}`,
        'EMBEDDING_DIMENSIONS',
      ),
    );
  }
  if (target !== null && plan.memories.some((memory) => memory.dimensions === null)) {
    return {
      ok: true,
      dimensions,
      deferred: true,
      deferredDimensions: target.dimensions,
      meta: {},
    };
  }
  const meta: FirstWriteMeta = {};
  if (model === null) meta.embeddingModel = held;
  if (vault.dimensions === null) meta.dimensions = dimensions;
  return { ok: true, dimensions, ...none, meta };
}

/**
 * The refusal of a memory whose vector is of another kind than the vault's
 * (or, in a vault's first batch, than the batch's first memory): it says what
 * the vault holds and what was sent.
 */
function kindMismatch(
  plan: StorePlan,
  position: number,
  held: string,
  heldDimensions: number | null,
): StoreFailure {
  const memory = plan.memories[position]!;
  const size = heldDimensions === null ? '' : ` of ${heldDimensions} dimensions`;
  const holds =
    heldDimensions === null
      ? `this batch's first memory has ${held === CALLER_SUPPLIED_MODEL ? 'its own embedding (caller-supplied)' : describeKind(held)}`
      : `this vault holds ${describeKind(held)}${size}`;
  const sent =
    memory.dimensions === null
      ? `this memory has no embedding, so it would get the deployment's embedding model ${plan.model}`
      : memory.model
        ? `this memory's embedding is of model ${memory.model}`
        : 'this memory brings its own embedding (caller-supplied)';
  // Server-to-server: the deployment changed model and the vault does not re-embed on its own.
  const message =
    memory.dimensions === null && held !== CALLER_SUPPLIED_MODEL && heldDimensions !== null
      ? `this vault was built with embedding model ${held}; the deployment now embeds with ${plan.model}`
      : memory.dimensions === null && held === CALLER_SUPPLIED_MODEL && heldDimensions !== null
        ? `${holds}; ${sent} (a vault keeps one kind of vector: ${CALLER_SUPPLIED_WAY_OUT})`
        : `${holds}; ${sent} (a vault keeps one kind of vector)`;
  return refuseAt(position, 'embedding', badInput(message, 'EMBEDDING_MISMATCH'));
}

function describeKind(model: string): string {
  return model === CALLER_SUPPLIED_MODEL
    ? 'caller-supplied vectors'
    : `vectors of embedding model ${model}`;
}

/** Ids kept by an import: well-formed, once in the batch, new to the vault. */
function checkIds(memories: readonly PlannedMemory[], vault: VaultFacts): StoreFailure | null {
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
        badInput(`id ${id} appears twice in the batch`, 'DUPLICATE_ID'),
      );
    }
    seen.add(id);
  }
  const taken = new Set(vault.taken(ids.map(({ id }) => id)));
  const clash = ids.find(({ id }) => taken.has(id));
  if (clash === undefined) return null;
  return refuseAt(
    clash.position,
    'id',
    badInput(`the vault already holds a memory ${clash.id}`, 'DUPLICATE_ID'),
  );
}

/** Room for the memories and their hot rows; the first memory that does not fit is named. */
function checkRoom(
  memories: readonly PlannedMemory[],
  dimensions: number,
  vault: VaultFacts,
  limits: Limits,
): StoreFailure | null {
  const capacity = vaultCapacity(limits, dimensions);
  if (vault.memoryCount + memories.length > capacity) {
    return refuseAt(
      Math.max(0, capacity - vault.memoryCount),
      null,
      full(`vault is full: it holds ${vault.memoryCount} of at most ${capacity} memories`),
    );
  }
  const maxRows = maxHotRows(limits, dimensions);
  let rows = vault.hotRows;
  const overflow = memories.findIndex((memory) => (rows += memory.rows) > maxRows);
  if (overflow < 0) return null;
  return refuseAt(
    overflow,
    null,
    full(
      `vault is full: its hot index holds ${vault.hotRows} of at most ${maxRows} vectors (long memories take one per chunk)`,
    ),
  );
}

/** Whether the vault can answer a search: window sizes, and a query vector of its kind. */
export function checkSearch(
  request: SearchRequest,
  vault: Pick<VaultFacts, 'embeddingModel' | 'dimensions' | 'reembedTarget'>,
): Failure | null {
  for (const window of request.windows) {
    if (!isHitCount(window.limit)) {
      return failure(
        'BAD_USER_INPUT',
        `window limit must be between 0 and ${MAX_HITS_PER_WINDOW}`,
        'OUT_OF_RANGE',
      );
    }
  }
  if (request.mode === 'TEXT') return null;
  const { dimensions, embeddingModel: model } = vault;
  if (dimensions === null) return null; // an empty vault matches nothing
  if (answeredByText(request, vault)) return null;
  if (request.vector === null || request.vector.length !== dimensions) {
    return badInput(searchDimensionsProblem(request, model, dimensions), 'EMBEDDING_DIMENSIONS');
  }
  if (
    model !== null &&
    model !== CALLER_SUPPLIED_MODEL &&
    request.model !== CALLER_SUPPLIED_MODEL &&
    model !== request.model
  ) {
    return badInput(
      `this vault was built with embedding model ${model}, the query with ${request.model}`,
      'EMBEDDING_MISMATCH',
    );
  }
  return null;
}

/**
 * Why a query's vector does not fit the vault, in the caller's terms: what
 * the vault holds, what the query brought (its own `embedding` or the
 * server's embedding of its text), and what to send instead.
 */
function searchDimensionsProblem(
  request: Pick<SearchRequest, 'vector' | 'model'>,
  held: string | null,
  dimensions: number,
): string {
  const size = request.vector?.length ?? 0;
  if (held === CALLER_SUPPLIED_MODEL && request.model !== CALLER_SUPPLIED_MODEL)
    return `this vault holds caller-supplied vectors of ${dimensions} dimensions and the query brought no \`embedding\` (the server's embedding of its text has ${size}): send \`embedding\` with ${dimensions} numbers, or search with mode TEXT`;
  if (request.model === CALLER_SUPPLIED_MODEL && held !== null && held !== CALLER_SUPPLIED_MODEL)
    return `the query's \`embedding\` has ${size} dimensions; this vault holds ${describeKind(held)} of ${dimensions}: leave \`embedding\` out to have the query embedded as the vault is, or search with mode TEXT`;
  return `query embedding has ${size} dimensions; this vault uses ${dimensions}`;
}

/**
 * Whether a VECTOR or HYBRID search is answered by text alone: its query
 * vector is of the model the vault is re-embedding into, and only some rows
 * have vectors of that model before the switch.
 */
export function answeredByText(
  request: SearchRequest,
  vault: Pick<VaultFacts, 'embeddingModel' | 'reembedTarget'>,
): boolean {
  const model = vault.embeddingModel;
  return (
    request.mode !== 'TEXT' &&
    model !== null &&
    model !== CALLER_SUPPLIED_MODEL &&
    request.model !== model &&
    request.model !== CALLER_SUPPLIED_MODEL &&
    vault.reembedTarget?.model === request.model
  );
}
