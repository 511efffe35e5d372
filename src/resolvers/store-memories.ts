import { CodedError } from '../errors';
import type { MemoryRecord, NewMemory, Role } from '../durable/vault-types';
import { accountStub, vaultStub } from '../durable/stubs';
import { chunkSpans } from '../text/chunks';
import { countTokens } from '../tokens';
import { vaultObjectName, type VaultAddress, type VaultSelector } from '../vaults/address';
import { checkContent, checkCreatedAt, checkEmbeddingLength, checkMetadata } from './memory-input';
import { meterMemoryTokens } from './meter';
import { vaultOf } from './principal';
import type { MeteredContext } from './request-context';

/** Most memories one storeMemories call accepts. */
export const MAX_STORE_BATCH = 100;

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
}

export interface StoredMemory {
  address: VaultAddress;
  record: MemoryRecord;
}

/**
 * Stores a batch, all or nothing. Every input is checked and embedded before
 * anything is written; the batch is then written as one transaction per vault,
 * all vaults in parallel. Should a vault still refuse its part (it filled up
 * in the meantime), what the other vaults stored is deleted again before the
 * error is returned.
 */
export async function storeMemories(
  context: MeteredContext,
  inputs: readonly StoreInput[],
): Promise<StoredMemory[]> {
  if (inputs.length > MAX_STORE_BATCH) {
    throw new CodedError('PAYLOAD_TOO_LARGE', `at most ${MAX_STORE_BATCH} memories per call`);
  }
  const now = Date.now();
  const prepared = await Promise.all(
    inputs.map((input, position) => prepare(context, input, position, now)),
  );

  // One embedder call for every input that brought no vector of its own; a
  // long memory is embedded chunk by chunk (src/text/chunks.ts), and its
  // memory-level vector is the direction of its chunks' mean.
  const toEmbed = prepared
    .filter((item) => item.memory.vector.length === 0)
    .map((item) => {
      const spans = chunkSpans(item.memory.content);
      const texts =
        spans.length > 1
          ? spans.map(({ start, end }) => item.memory.content.slice(start, end))
          : [item.memory.content];
      return { item, texts };
    });
  const vectors = await context.embedder.embedPassages(toEmbed.flatMap(({ texts }) => texts));
  let next = 0;
  for (const { item, texts } of toEmbed) {
    const own = vectors.slice(next, next + texts.length);
    next += texts.length;
    if (own.length > 1) {
      item.memory.chunkVectors = own;
      item.memory.vector = meanDirection(own);
    } else {
      item.memory.vector = own[0]!;
    }
  }

  const groups = new Map<string, { address: VaultAddress; positions: number[] }>();
  prepared.forEach((item, position) => {
    const name = vaultObjectName(item.address);
    const group = groups.get(name) ?? { address: item.address, positions: [] };
    group.positions.push(position);
    groups.set(name, group);
  });

  const account = accountStub(context.env, context.principal.accountId);
  const writes = await Promise.all(
    [...groups.values()].map(async ({ address, positions }) => {
      const [result] = await Promise.all([
        vaultStub(context.env, address).store(address, {
          memories: positions.map((position) => prepared[position]!.memory),
          model: context.embedder.model,
          dimensions: context.embedder.dimensions,
        }),
        account.registerVault(address.keyId, address.kind, address.externalId),
      ]);
      context.vaults.invalidate(address);
      return { address, positions, result };
    }),
  );

  const failed = writes.find((write) => !write.result.ok)?.result;
  if (failed !== undefined && !failed.ok) {
    await Promise.all(
      writes.flatMap(({ address, result }) =>
        result.ok
          ? result.memories.map((memory) =>
              vaultStub(context.env, address).remove(address, memory.id),
            )
          : [],
      ),
    );
    throw CodedError.from(failed);
  }

  const memoryTokens = prepared.reduce((sum, item) => sum + item.memory.tokens, 0);
  await meterMemoryTokens(context, memoryTokens);
  context.receipt.recordWrite(memoryTokens);
  const stored: StoredMemory[] = new Array(inputs.length);
  for (const { address, positions, result } of writes) {
    if (!result.ok) continue; // unreachable: failures returned above
    result.memories.forEach((record, index) => {
      stored[positions[index]!] = { address, record };
    });
  }
  return stored;
}

async function prepare(
  context: MeteredContext,
  input: StoreInput,
  position: number,
  now: number,
): Promise<{ address: VaultAddress; memory: NewMemory }> {
  const at = (message: string) => (position === 0 ? message : `inputs.${position}: ${message}`);
  const address = vaultOf(context.principal, input.vault);
  checkContent(input.content, context.config.maxContentBytes, at);
  const metadata = checkMetadata(input.metadata, at);
  const createdAt = input.createdAt?.getTime() ?? now;
  checkCreatedAt(createdAt, now, at);
  const embedding = input.embedding ?? null;
  if (embedding !== null) checkEmbeddingLength(embedding, at);
  return {
    address,
    memory: {
      content: input.content,
      role: input.role ?? 'USER',
      metadata,
      createdAt,
      tokens: await countTokens(input.content),
      vector: embedding ?? [],
      callerVector: embedding !== null,
      chunkVectors: embedding === null ? null : (input.chunkEmbeddings ?? null),
      id: input.id ?? null,
    },
  };
}

/**
 * The sum of unit vectors, which the vault normalises: the direction of their
 * mean (the first chunk's, should they cancel out).
 */
function meanDirection(vectors: readonly Float32Array[]): Float32Array {
  const sum = new Float32Array(vectors[0]!.length);
  for (const vector of vectors) for (let i = 0; i < sum.length; i++) sum[i]! += vector[i]!;
  return sum.some((value) => Math.abs(value) > 1e-6) ? sum : vectors[0]!;
}
