import { CodedError } from '../core/errors';
import { countTokens } from '../core/tokens';
import type {
  NewMemory,
  Role,
  StoreFailure,
  UpdateRequest,
  UpdateResult,
} from '../durable/rpc/vault-types';
import { vaultStub } from '../durable/rpc/stubs';
import { decodeMemoryId } from '../vaults/ids';
import {
  checkChunkEmbeddings,
  checkContent,
  checkEmbedding,
  checkEmbeddingLength,
  checkMetadata,
} from '../vaults/memory-rules';
import { embedMemories } from './embed-memories';
import { usageCharge } from './meter';
import { moveSourceTurnMarks } from './outdated-elsewhere';
import { vaultOf } from './principal';
import type { MeteredContext } from './request-context';
import { refusalError, type StoredMemory } from './store-memories';

/** `updateMemory`'s input: absent fields are kept; `metadata: null` removes the metadata. */
export interface UpdateInput {
  id: string;
  content?: string | null;
  role?: Role | null;
  metadata?: unknown;
  embedding?: number[] | null;
}

const WHERE = 'input';

/**
 * Edits one memory in its vault: checked with the rules of a store, the new
 * content counted and embedded (or the caller's vector taken) here, then
 * applied by the vault in one step (VaultObject.update). New content is
 * billed as a store of it; an edit of role or metadata alone writes no
 * content and bills nothing.
 */
export async function updateMemory(
  context: MeteredContext,
  input: UpdateInput,
): Promise<StoredMemory> {
  const ref = decodeMemoryId(input.id);
  const address = vaultOf(context.principal, { kind: ref.kind, id: ref.externalId });
  const content = input.content ?? undefined;
  const embedding = input.embedding ?? null;
  if (content === undefined && !input.role && input.metadata === undefined && embedding === null) {
    throw new CodedError(
      'BAD_USER_INPUT',
      `${WHERE}: give at least one of content, role, metadata`,
      'NOTHING_TO_UPDATE',
    );
  }
  if (embedding !== null && content === undefined) {
    throw new CodedError(
      'BAD_USER_INPUT',
      `${WHERE}.embedding: an embedding comes with the new content it embeds`,
      'EMBEDDING_WITHOUT_CONTENT',
    );
  }
  const request: UpdateRequest = {
    id: ref.localId,
    model: context.embedder.model,
    dimensions: context.embedder.dimensions,
    ...(input.role ? { role: input.role } : {}),
  };
  if (input.metadata !== undefined) {
    const metadata = checkMetadata(input.metadata);
    if (!metadata.ok) throw refusalError(metadata, WHERE);
    request.metadata = metadata.json;
  }
  let tokens = 0;
  if (content !== undefined) {
    const refusal = checkContent(content, context.config.maxContentBytes);
    if (refusal !== null) throw refusalError(refusal, WHERE);
    const memory = await newContent(context, content, embedding);
    tokens = memory.tokens;
    Object.assign(request, {
      content,
      tokens,
      vector: memory.vector,
      callerVector: memory.callerVector,
      chunkVectors: memory.chunkVectors ?? null,
    });
    const usage = usageCharge(context, tokens);
    if (usage) request.usage = usage;
  }
  const result: UpdateResult = await context.timings.time(
    'vault',
    async (): Promise<UpdateResult> => vaultStub(context.env, address).update(address, request),
  );
  context.vaults.invalidate(address);
  if (!result.ok) throw refusalOf(result);
  // A retired fact kept apart from its turn, given new metadata: its marks follow.
  if (result.sourceTurnsBefore !== undefined)
    await moveSourceTurnMarks(
      context,
      address,
      result.memory,
      result.sourceTurnsBefore,
      result.changed,
    );
  // Content identical to the stored content is not written, so not billed.
  context.receipt.recordWrite(result.contentUnchanged === true ? 0 : tokens);
  return { address, record: result.memory };
}

/** The new content counted and embedded (or the caller's vector checked), as a store does. */
async function newContent(
  context: MeteredContext,
  content: string,
  embedding: number[] | null,
): Promise<NewMemory> {
  const memory: NewMemory = {
    content,
    role: 'USER',
    metadata: null,
    createdAt: 0,
    tokens: 0,
    vector: embedding ?? [],
    callerVector: embedding !== null,
  };
  if (embedding !== null) {
    const refusal = checkEmbeddingLength(embedding);
    if (refusal !== null) throw refusalError(refusal, WHERE);
    const vector = checkEmbedding(embedding, embedding.length);
    if (!vector.ok) throw refusalError(vector, WHERE);
    const chunks = checkChunkEmbeddings(content, null, embedding.length);
    if (!chunks.ok) throw refusalError(chunks, WHERE);
  }
  await Promise.all([
    countTokens(content).then((tokens) => {
      memory.tokens = tokens;
    }),
    context.timings.time('embed', () => embedMemories(context, [memory])),
  ]);
  return memory;
}

/** The vault's refusal, named by the input field at fault (`input.embedding: …`). */
function refusalOf(failure: StoreFailure): CodedError {
  if (failure.problem === undefined) return CodedError.from(failure);
  const at = failure.field === undefined ? WHERE : `${WHERE}.${failure.field}`;
  return new CodedError(failure.code, `${at}: ${failure.problem}`, failure.reason);
}
