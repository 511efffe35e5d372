import { CodedError, failure } from '../core/errors';
import type {
  ArrivingRetirement,
  CheckResult,
  KeyedExtraction,
  MemoryRecord,
  NewMemory,
  ReplayedExtraction,
  Retirement,
  Role,
  StoreFailure,
  StorePlan,
  StoreResult,
} from '../durable/rpc/vault-types';
import { accountStub, vaultStub } from '../durable/rpc/stubs';
import { MAX_STORE_BATCH, MAX_VAULT_WRITE } from '../core/limits';
import { chunkSpans } from '../text/chunks';
import { encodeMemoryId } from '../vaults/ids';
import { tokenCounter } from '../core/tokens';
import { vaultObjectName, type VaultAddress, type VaultSelector } from '../vaults/address';
import {
  checkChunkEmbeddings,
  checkContent,
  checkCreatedAt,
  checkEmbedding,
  checkEmbeddingLength,
  checkMetadata,
  checkSuperseded,
  type Refusal,
} from '../vaults/memory-rules';
import { embedMemories } from './embed-memories';
import { idempotencyOf, type Idempotency } from './idempotency';
import { meterMemoryTokens, usageCharge } from './meter';
import { forgetRegistered, registeredHere, rememberRegistered } from './registered-vaults';
import { vaultOf } from './principal';
import type { MeteredContext } from './request-context';

export interface StoreInput {
  vault?: VaultSelector | null;
  content: string;
  role?: Role | null;
  metadata?: unknown;
  createdAt?: Date | null;
  embedding?: number[] | null;
  /** Keep this local id (imports of exported vaults). */
  id?: string | null;
  /** With `embedding`: the chunk vectors of an exported memory that was indexed in chunks. */
  chunkEmbeddings?: number[][] | null;
  /**
   * With `embedding`: the model that made it (an import names its export's
   * model); absent: the caller's own vector (`caller-supplied`).
   */
  embeddingModel?: string | null;
  /** An exported memory that was superseded: when it stopped being valid (imports). */
  validUntil?: Date | null;
  /** With `validUntil`: its successor's local id; null when none was named. */
  supersededBy?: string | null;
  /** A chat turn's item: left out when the vault created the same text within the last day (recent-texts.ts). */
  skipIfRepeated?: boolean;
  /** With `skipIfRepeated`: only a turn stored with extraction whose facts still stand counts (a turn with extraction). */
  repeatsExtractedOnly?: boolean;
  /** Indices in the batch of the inputs this one was drawn from (a fact): left out when they all are. */
  skipWith?: number[];
}

/** A keyed store: its key and digests, and with fact extraction what its replay answers besides. */
export type KeyedStore = Idempotency & { extraction?: KeyedExtraction };

export interface StoredMemory {
  address: VaultAddress;
  record: MemoryRecord;
}

/**
 * How a refusal names the input at fault, by its index in the call: by
 * default `inputs[3]` (the `storeMemories` argument); null for no name (an
 * import reports the line instead).
 */
export type InputLabel = (index: number) => string | null;

export const argumentLabel: InputLabel = (index) => `inputs[${index}]`;

interface Prepared {
  address: VaultAddress;
  memory: NewMemory;
  /** Rows it takes in the vault's hot index: one per chunk. */
  rows: number;
  /** Set when it arrives superseded (an import's history). */
  superseded: Omit<ArrivingRetirement, 'position'> | null;
}

/**
 * Stores a batch, all or nothing, and says which input a refusal is about by
 * the caller's own index (`inputs[7].metadata: …`).
 *
 * Everything is checked before anything is written: first each input on its
 * own (src/vaults/memory-rules.ts), then, when the batch spans several
 * vaults, each vault's share against what that vault holds (its model and
 * dimensions, ids, room), asked of every vault while the inputs are embedded.
 * The shares are then written as one transaction per vault, in parallel.
 * Only a race can still make a vault refuse its share (another request
 * filled it meanwhile); what the other vaults stored is then deleted again.
 */
export async function storeMemories(
  context: MeteredContext,
  inputs: readonly StoreInput[],
  label: InputLabel = argumentLabel,
  idempotencyKey: string | null = null,
): Promise<StoredMemory[]> {
  const keyed =
    idempotencyKey === null
      ? null
      : await idempotencyOf(context.env.KEY_HMAC_SECRET, idempotencyKey, inputs);
  return (await storeBatch(context, inputs, label, [], keyed)).memories;
}

/** A keyed batch naming more than one vault: the vault keeps the key with the write, in one step. */
function keyedInManyVaults(): CodedError {
  return new CodedError(
    'BAD_USER_INPUT',
    'idempotencyKey: a batch with an idempotency key must store into one vault',
    'IDEMPOTENCY_ONE_VAULT',
  );
}

/**
 * What the vault answers a keyed store of `inputs` from its key now, asked
 * before anything costly (a store with fact extraction asks before its model
 * calls): the first call's memories again, recorded on the receipt as a
 * replay, with its extraction when it had one; IDEMPOTENCY_KEY_REUSED thrown
 * when the key went with other inputs; null when the vault holds no such
 * key and the call goes ahead. Writes and bills nothing. One vault only.
 */
export async function keyedReplay(
  context: MeteredContext,
  inputs: readonly StoreInput[],
  keyed: KeyedStore,
  label: InputLabel = argumentLabel,
): Promise<{
  memories: StoredMemory[];
  extraction: ReplayedExtraction | null;
  /** Local ids of its memories deleted since. */
  deletedSince: string[];
} | null> {
  const now = Date.now();
  const prepared = inputs.map((input, index) => prepare(context, input, now, label(index)));
  const address = prepared[0]!.address;
  if (prepared.some((item) => vaultObjectName(item.address) !== vaultObjectName(address))) {
    throw keyedInManyVaults();
  }
  const result = await context.timings.time('vault', async (): Promise<StoreResult | null> =>
    vaultStub(context.env, address).replay(
      address,
      keyed,
      prepared.map(({ memory: { content, role, metadata } }) => ({ content, role, metadata })),
    ),
  );
  if (result === null) return null;
  if (!result.ok) throw CodedError.from(result);
  recordReplay(context, address, result.deletedSince);
  return {
    memories: result.memories.map((record) => ({ address, record })),
    extraction: result.extraction ?? null,
    deletedSince: result.deletedSince ?? [],
  };
}

/** A replay on the request's receipt, its memories deleted since named by Memory.id. */
function recordReplay(
  context: MeteredContext,
  address: VaultAddress,
  deletedSince: readonly string[] = [],
): void {
  context.receipt.recordReplay(
    deletedSince.map((localId) =>
      encodeMemoryId({ kind: address.kind, externalId: address.externalId, localId }),
    ),
  );
}

/**
 * `storeMemories`, plus memories the batch supersedes (fact extraction,
 * store-with-facts.ts): retirements name positions in `inputs` and apply in
 * the vault's own transaction; they need a batch in one vault.
 */
export async function storeBatch(
  context: MeteredContext,
  inputs: readonly StoreInput[],
  label: InputLabel = argumentLabel,
  retire: readonly Retirement[] = [],
  /** A retry with this key and the same inputs answers the first call's memories again. */
  keyed: KeyedStore | null = null,
  /** An import's batch (import-memories.ts): refused as VAULT_CLEARED / VAULT_RESTORED once a clear or a restore ended the import. */
  importId: string | null = null,
): Promise<{
  /** By input position; a repeated chat turn's item (`skipIfRepeated`) has no entry. */
  memories: StoredMemory[];
  retired: { id: string; supersededBy: string | null }[];
  /** Memory tokens the batch billed (0 for a replay; repeated items not counted). */
  memoryTokens: number;
  /** Inputs left out because their vault held the same text from the last day (or with them: `skipWith`). */
  repeated: number;
  /** A replay of a store with fact extraction: the first call's facts (`memories`: its inputs only). */
  extraction: ReplayedExtraction | null;
}> {
  // The caller's limit is on its own inputs; the facts drawn from them
  // (`skipWith`, store-with-facts.ts) ride along in the same write.
  const own = inputs.filter((input) => input.skipWith === undefined).length;
  if (own > MAX_STORE_BATCH || inputs.length > MAX_VAULT_WRITE) {
    throw new CodedError(
      'PAYLOAD_TOO_LARGE',
      `at most ${MAX_STORE_BATCH} memories per call`,
      'BATCH_TOO_LARGE',
    );
  }
  const idempotency = keyed ?? undefined;
  const now = Date.now();
  const prepared = inputs.map((input, index) => prepare(context, input, now, label(index)));

  const groups = new Map<string, { address: VaultAddress; positions: number[] }>();
  prepared.forEach((item, index) => {
    const name = vaultObjectName(item.address);
    const group = groups.get(name) ?? { address: item.address, positions: [] };
    group.positions.push(index);
    groups.set(name, group);
  });
  const shares = [...groups.values()];
  // Retirements and `skipWith` name positions in the batch: one vault's request.
  if ((retire.length > 0 || inputs.some((input) => input.skipWith)) && shares.length !== 1) {
    throw new CodedError(
      'BAD_USER_INPUT',
      'superseding needs a batch in one vault',
      'BATCH_ACROSS_VAULTS',
    );
  }
  // The vault keeps the key with the write, in one step: one vault only.
  if (idempotency !== undefined && shares.length !== 1) {
    throw keyedInManyVaults();
  }
  const refused = (failure: StoreFailure, positions: readonly number[]) =>
    refusalAt(failure, positions, label);

  // One vault checks and writes its share in one transaction; several are
  // checked first, so none writes when another would refuse. The checks run
  // while the memories are counted and embedded.
  const checks =
    shares.length > 1
      ? Promise.all(
          shares.map(({ address, positions }) =>
            vaultStub(context.env, address).check(address, planOf(context, prepared, positions)),
          ),
        )
      : Promise.resolve([]);
  checks.catch(() => {}); // awaited below; not an unhandled rejection meanwhile
  const { timings } = context;
  // Counted, then embedded, each in its own phase. Both are the isolate's
  // CPU (the local embedder), so running them side by side saved nothing;
  // it made the `tokenize` phase span the embedding too (6.8 ms a batch of
  // 100 in bench:api, for about 0.5 ms of counting).
  const count = await tokenCounter();
  const counting = performance.now();
  for (const { memory } of prepared) memory.tokens = count(memory.content);
  timings.since('tokenize', counting);
  await timings.time('embed', () =>
    embedMemories(
      context,
      prepared.map(({ memory }) => memory),
    ),
  );
  (await checks).forEach((result, share) => {
    if (!result.ok) throw refused(result, shares[share]!.positions);
  });

  const memoryTokens = prepared.reduce((sum, item) => sum + item.memory.tokens, 0);
  // A write to one vault records its tokens in that vault's transaction (no
  // usage-shard call); one spread over several is metered once below, after
  // every share is in (a refused share deletes the others again).
  const usage = shares.length === 1 ? usageCharge(context, memoryTokens) : undefined;
  // The account object is asked only when a vault is new to this isolate.
  const register = (address: VaultAddress) =>
    accountStub(context.env, context.principal.accountId).registerVault(
      address.keyId,
      address.kind,
      address.externalId,
    );
  const writes = await Promise.all(
    shares.map(async ({ address, positions }) => {
      const name = vaultObjectName(address);
      // The account's vault listing learns of a vault once per isolate, and again
      // whenever the vault says it was (re)created; not on every write.
      const known = registeredHere(name);
      // An import's batch registers its vault only once it went in: one
      // refused after a clear must not list the vault the clear emptied.
      const early = !known && importId === null;
      const [result, registration] = await Promise.all([
        timings.time('vault', async () =>
          vaultStub(context.env, address).store(address, {
            memories: positions.map((index) => prepared[index]!.memory),
            model: context.embedder.model,
            dimensions: context.embedder.dimensions,
            ...(retire.length > 0 ? { retire: [...retire] } : {}),
            ...arrivingRetired(prepared, positions),
            ...(usage ? { usage } : {}),
            ...(idempotency ? { idempotency } : {}),
            ...(importId !== null ? { importId } : {}),
          }),
        ),
        early ? register(address) : null,
      ]);
      const standing =
        result.ok && !early && (result.created || !known) ? await register(address) : registration;
      context.vaults.invalidate(address);
      // The key was revoked while this write was under way (a chat's turn, its
      // facts, an import's batch) and the vault it found empty (deleteKeyVaults
      // emptied it, or it never was): the write is taken back before anyone is
      // answered, so "revoke, then delete" leaves nothing behind. A write into
      // a vault that still held memories stays, for deleteKeyVaults to find.
      if (result.ok && result.created && standing === 'revoked') {
        const cleared = await vaultStub(context.env, address).clear(address);
        if (!cleared.ok) throw CodedError.from(cleared);
        forgetRegistered(name);
        return { address, positions, result: revokedWrite() };
      }
      if (result.ok) rememberRegistered(name);
      return { address, positions, result };
    }),
  );

  const failed = writes.find((write) => !write.result.ok);
  if (failed !== undefined && !failed.result.ok) {
    await Promise.all(
      writes.flatMap(({ address, result }) =>
        result.ok
          ? result.memories.map((memory) =>
              vaultStub(context.env, address).remove(address, memory.id),
            )
          : [],
      ),
    );
    throw refused(failed.result, failed.positions);
  }

  // A replay (same idempotency key and inputs) stored and billed nothing.
  const replayed = writes.some(({ result }) => result.ok && result.replayed);
  let extraction: ReplayedExtraction | null = null;
  for (const { address, result } of writes) {
    if (!result.ok || !result.replayed) continue;
    recordReplay(context, address, result.deletedSince);
    extraction = result.extraction ?? null;
  }
  // Repeated chat turns were neither written nor billed by their vault.
  const repeatedTokens = writes.reduce(
    (sum, { positions, result }) =>
      sum +
      (result.ok
        ? (result.repeated ?? []).reduce(
            (part, at) => part + prepared[positions[at]!]!.memory.tokens,
            0,
          )
        : 0),
    0,
  );
  const billed = replayed ? 0 : memoryTokens - repeatedTokens;
  if (usage === undefined) await meterMemoryTokens(context, billed);
  context.receipt.recordWrite(billed);
  const stored: StoredMemory[] = new Array(inputs.length);
  const retired: { id: string; supersededBy: string | null }[] = [];
  let repeated = 0;
  for (const { address, positions, result } of writes) {
    if (!result.ok) continue; // unreachable: failures thrown above
    const left = new Set(result.repeated ?? []);
    repeated += left.size;
    const written = positions.filter((_, at) => !left.has(at));
    result.memories.forEach((record, at) => {
      stored[written[at]!] = { address, record };
    });
    retired.push(...(result.retired ?? []));
  }
  return { memories: stored, retired, memoryTokens: billed, repeated, extraction };
}

/**
 * Whether the vault would take `inputs` and facts drawn from them, asked
 * before a store with fact extraction calls the caller's model, so a batch
 * the write would refuse costs no model call: each input on its own, the
 * inputs against the vault (ids, vectors, room), and a fact's vector (the
 * deployment's) against the vault's kind. One vault only. Room for the facts
 * cannot be known before they are extracted: a vault filling up can still
 * refuse the write.
 */
export async function checkBeforeExtraction(
  context: MeteredContext,
  inputs: readonly StoreInput[],
  label: InputLabel = argumentLabel,
): Promise<void> {
  const own = inputs.findIndex((input) => (input.embedding ?? null) !== null);
  if (own >= 0) {
    throw new CodedError(
      'BAD_USER_INPUT',
      `${label(own) ?? 'an input'}.embedding: extraction embeds its facts with the deployment's model, so it cannot be used with caller-supplied embeddings (store them without extract)`,
      'EXTRACT_OWN_EMBEDDINGS',
    );
  }
  const now = Date.now();
  const prepared = inputs.map((input, index) => prepare(context, input, now, label(index)));
  const address = prepared[0]!.address;
  const positions = prepared.map((_, index) => index);
  const checked = await context.timings.time('vault', async (): Promise<CheckResult> =>
    vaultStub(context.env, address).check(address, planOf(context, prepared, positions)),
  );
  if (!checked.ok) throw refusalAt(checked, positions, label);
}

/** One input checked on its own, as the vault will take it (tokens counted later). */
function prepare(
  context: MeteredContext,
  input: StoreInput,
  now: number,
  where: string | null,
): Prepared {
  const refuse = (refusal: Refusal) => refusalError(refusal, where);
  let address: VaultAddress;
  try {
    address = vaultOf(context.principal, input.vault);
  } catch (error) {
    if (!(error instanceof CodedError)) throw error;
    throw refusalError(
      { ...failure(error.code, error.message, error.reason), field: 'vault' },
      where,
    );
  }
  const content = checkContent(input.content, context.config.maxContentBytes);
  if (content !== null) throw refuse(content);
  const metadata = checkMetadata(input.metadata);
  if (!metadata.ok) throw refuse(metadata);
  const createdAt = input.createdAt?.getTime() ?? now;
  const time = checkCreatedAt(createdAt, now);
  if (time !== null) throw refuse(time);
  const validUntil = input.validUntil?.getTime() ?? null;
  const supersededBy = input.supersededBy ?? null;
  const superseded = checkSuperseded(createdAt, validUntil, supersededBy, now);
  if (superseded !== null) throw refuse(superseded);

  const embedding = input.embedding ?? null;
  let chunkVectors: Float32Array[] | null = null;
  if (embedding !== null) {
    const length = checkEmbeddingLength(embedding);
    if (length !== null) throw refuse(length);
    const vector = checkEmbedding(embedding, embedding.length);
    if (!vector.ok) throw refuse(vector);
    const chunks = checkChunkEmbeddings(input.content, input.chunkEmbeddings, embedding.length);
    if (!chunks.ok) throw refuse(chunks);
    chunkVectors = chunks.vectors;
  }
  return {
    address,
    rows: embedding === null ? chunkSpans(input.content).length : (chunkVectors?.length ?? 1),
    memory: {
      content: input.content,
      role: input.role ?? 'USER',
      metadata: metadata.json,
      createdAt,
      tokens: 0,
      vector: embedding ?? [],
      callerVector: embedding !== null,
      ...(embedding !== null && input.embeddingModel ? { vectorModel: input.embeddingModel } : {}),
      chunkVectors: embedding === null ? null : (input.chunkEmbeddings ?? null),
      id: input.id ?? null,
      ...(input.skipIfRepeated === true ? { skipIfRepeated: true } : {}),
      ...(input.repeatsExtractedOnly === true ? { repeatsExtractedOnly: true } : {}),
      ...(input.skipWith ? { skipWith: input.skipWith } : {}),
    },
    superseded: validUntil === null ? null : { validUntil, supersededBy },
  };
}

/** The share's memories that arrive superseded, by their position in the share. */
function arrivingRetired(
  prepared: readonly Prepared[],
  positions: readonly number[],
): { arriveRetired?: ArrivingRetirement[] } {
  const arriving = positions.flatMap((index, position) => {
    const superseded = prepared[index]!.superseded;
    return superseded === null ? [] : [{ position, ...superseded }];
  });
  return arriving.length > 0 ? { arriveRetired: arriving } : {};
}

/** A vault's share as its `check` sees it: ids, vector sizes and hot rows, no contents. */
function planOf(
  context: MeteredContext,
  prepared: readonly Prepared[],
  positions: readonly number[],
): StorePlan {
  return {
    model: context.embedder.model,
    dimensions: context.embedder.dimensions,
    memories: positions.map((index) => {
      const { memory, rows } = prepared[index]!;
      return {
        id: memory.id ?? null,
        dimensions: memory.callerVector ? memory.vector.length : null,
        ...(memory.vectorModel ? { model: memory.vectorModel } : {}),
        rows,
      };
    }),
  };
}

/** A refusal of one input, named by where it is: `inputs[7].metadata: …` (null: not named). */
export function refusalError(refusal: Refusal, where: string | null): CodedError {
  const message =
    where === null ? refusal.message : `${where}.${refusal.field}: ${refusal.message}`;
  return new CodedError(refusal.code, message, refusal.reason);
}

/** A write of a revoked key that found its vault emptied: taken back (see storeMemories). */
const revokedWrite = (): StoreFailure =>
  failure(
    'UNAUTHENTICATED',
    'this memory key was revoked while the write was under way and its vaults were deleted: nothing was stored',
    'KEY_REVOKED',
  );

/** A vault's refusal of its share, its position in the share turned into the caller's index. */
function refusalAt(
  failure: StoreFailure,
  positions: readonly number[],
  label: InputLabel,
): CodedError {
  const index = failure.position === undefined ? undefined : positions[failure.position];
  if (index === undefined || failure.problem === undefined) return CodedError.from(failure);
  const where = label(index);
  if (where === null) return new CodedError(failure.code, failure.problem, failure.reason);
  const at = failure.field === undefined ? where : `${where}.${failure.field}`;
  return new CodedError(failure.code, `${at}: ${failure.problem}`, failure.reason);
}
