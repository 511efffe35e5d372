import { z } from 'zod';
import type { MemoryRecord } from '../durable/rpc/vault-types';
import { vaultStub } from '../durable/rpc/stubs';
import { CodedError } from '../core/errors';
import { vaultOf } from '../resolvers/principal';
import {
  IDEMPOTENCY_WINDOW_MS,
  MAX_EMBEDDING_DIMENSIONS,
  MAX_METADATA_BYTES,
  MAX_DELETE_BATCH,
  MAX_STORE_BATCH,
} from '../core/limits';
import { idempotencyOf } from '../resolvers/idempotency';
import { storeMemories } from '../resolvers/store-memories';
import { storeWithFacts } from '../resolvers/store-with-facts';
import { updateMemory } from '../resolvers/update-memory';
import { deleteMemories } from '../resolvers/delete-memories';
import { unmarkSourceTurns } from '../resolvers/outdated-elsewhere';
import { extractorFor } from '../resolvers/chat/extractor';
import type { VaultAddress } from '../vaults/address';
import { decodeMemoryId, encodeMemoryId } from '../vaults/ids';
import { builder } from './builder';
import { RoleEnum } from './enums';
import { ExtractInput } from './facts';
import { VaultSelectorInput } from './vault-selector';

export interface MemoryParent {
  address: VaultAddress;
  record: MemoryRecord;
}

export const MemoryRef = builder.objectRef<MemoryParent>('Memory');

const IDEMPOTENCY_KEY_DESCRIPTION = `Makes a retry safe: for ${IDEMPOTENCY_WINDOW_MS / 3_600_000} hours, the same key with the same inputs answers the first call's memories again and stores and bills nothing (memories deleted since stay deleted: the replay answers them as first stored, from the retry's own inputs, since the vault keeps no copy of their content, and lists their ids in extensions.memory.replay.deletedSince); with other inputs it is refused (IDEMPOTENCY_KEY_REUSED). Scoped to the vault of the calling key; the inputs must be in one vault. 1–255 printable ASCII characters without spaces, e.g. a UUID.`;

MemoryRef.implement({
  description: 'One remembered piece of text, with when it was said and by whom.',
  fields: (t) => ({
    id: t.id({
      description: 'Opaque and globally unique; encodes its vault.',
      resolve: ({ address, record }) =>
        encodeMemoryId({ kind: address.kind, externalId: address.externalId, localId: record.id }),
    }),
    content: t.string({
      description: 'The text remembered.',
      resolve: ({ record }) => record.content,
    }),
    role: t.field({
      type: RoleEnum,
      description: 'Who said it.',
      resolve: ({ record }) => record.role,
    }),
    metadata: t.field({
      type: 'JSON',
      nullable: true,
      description: 'The JSON object stored with it, if any.',
      resolve: ({ record }) =>
        record.metadata === null ? null : (JSON.parse(record.metadata) as unknown),
    }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When it was said (backfilled memories keep their original time).',
      resolve: ({ record }) => record.createdAt,
    }),
    tokens: t.int({
      description: 'Its length in memory tokens (o200k_base), as billed.',
      resolve: ({ record }) => record.tokens,
    }),
    validUntil: t.field({
      type: 'DateTime',
      nullable: true,
      description:
        'When a later fact superseded it or declared it no longer true; null while it is current. Superseded memories are kept, and searches skip them unless includeSuperseded is set.',
      resolve: ({ record }) => record.validUntil ?? null,
    }),
    supersededBy: t.field({
      type: MemoryRef,
      nullable: true,
      description:
        'The memory that replaced it; null while current, or when it was declared no longer true.',
      resolve: async ({ address, record }, _args, context) => {
        if (!record.supersededBy) return null;
        const { memories } = await context.vaults.read(address, {
          type: 'get',
          ids: [record.supersededBy],
        });
        return memories[0] === undefined ? null : { address, record: memories[0] };
      },
    }),
    history: t.field({
      type: [MemoryRef],
      description:
        'The versions of this fact, oldest first: the memories it superseded, itself, and the ones that superseded it.',
      resolve: async ({ address, record }, _args, context) => {
        const { memories } = await context.vaults.read(address, { type: 'history', id: record.id });
        return memories.map((version) => ({ address, record: version }));
      },
    }),
  }),
});

export const PageInfoRef = builder.objectRef<{ hasNextPage: boolean; endCursor: string | null }>(
  'PageInfo',
);

PageInfoRef.implement({
  description: 'Where a page ends and whether another follows.',
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage', { description: 'Whether another page follows.' }),
    endCursor: t.exposeString('endCursor', {
      nullable: true,
      description: 'Pass as `after` to get the next page; null on an empty page.',
    }),
  }),
});

export const MemoryEdgeRef = builder.objectRef<{ cursor: string; node: MemoryParent }>(
  'MemoryEdge',
);

MemoryEdgeRef.implement({
  description: 'A memory and its position in the listing.',
  fields: (t) => ({
    cursor: t.exposeString('cursor', { description: 'Position of this memory in the listing.' }),
    node: t.field({ type: MemoryRef, description: 'The memory.', resolve: (edge) => edge.node }),
  }),
});

export const MemoryConnectionRef = builder.objectRef<{
  edges: { cursor: string; node: MemoryParent }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}>('MemoryConnection');

MemoryConnectionRef.implement({
  description: 'A page of memories.',
  fields: (t) => ({
    edges: t.field({
      type: [MemoryEdgeRef],
      description: 'The memories of this page.',
      resolve: (c) => c.edges,
    }),
    pageInfo: t.field({
      type: PageInfoRef,
      description: 'Paging state.',
      resolve: (c) => c.pageInfo,
    }),
    totalCount: t.exposeInt('totalCount', {
      description: 'Memories in the whole vault (with a filter: those that match it).',
    }),
  }),
});

export const StoreMemoryInput = builder.inputType('StoreMemoryInput', {
  description: 'One memory to store.',
  fields: (t) => ({
    vault: t.field({
      type: VaultSelectorInput,
      required: false,
      description: 'Default: the CORE vault.',
    }),
    content: t.string({
      required: true,
      description: 'The text to remember (at most MAX_CONTENT_BYTES, 32 KiB by default).',
    }),
    role: t.field({ type: RoleEnum, required: false, description: 'Default: USER.' }),
    metadata: t.field({
      type: 'JSON',
      required: false,
      description: `A JSON object kept with the memory (at most ${MAX_METADATA_BYTES / 1024} KiB).`,
    }),
    createdAt: t.field({
      type: 'DateTime',
      required: false,
      description: 'Backfill history; default: now.',
    }),
    embedding: t.floatList({
      required: false,
      description: "Bring your own embedding; must match the vault's dimensions.",
      validate: z.array(z.number()).max(MAX_EMBEDDING_DIMENSIONS),
    }),
  }),
});

export const UpdateMemoryInput = builder.inputType('UpdateMemoryInput', {
  description:
    'An edit of one memory: the fields given replace the stored ones, the others are kept. The id and createdAt never change.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'The Memory.id to edit.' }),
    content: t.string({
      required: false,
      description:
        'The new text (the same limits as StoreMemoryInput.content). It is embedded and indexed again, so searches find the new text at once and no longer the old.',
    }),
    role: t.field({ type: RoleEnum, required: false, description: 'The new role.' }),
    metadata: t.field({
      type: 'JSON',
      required: false,
      description: `The new metadata, a JSON object (at most ${MAX_METADATA_BYTES / 1024} KiB) that replaces the old one whole; null removes it.`,
    }),
    embedding: t.floatList({
      required: false,
      description:
        "With content, in a vault of your own vectors: the new content's embedding (that vault refuses new content without one, EMBEDDING_MISMATCH).",
      validate: z.array(z.number()).max(MAX_EMBEDDING_DIMENSIONS),
    }),
  }),
});

const DeleteMemoriesResultRef = builder.objectRef<{ deleted: string[]; notFound: string[] }>(
  'DeleteMemoriesResult',
);

DeleteMemoriesResultRef.implement({
  description: 'What deleteMemories did, id by id (each id once, in the order given).',
  fields: (t) => ({
    count: t.int({
      description: 'How many memories were deleted.',
      resolve: ({ deleted }) => deleted.length,
    }),
    deletedIds: t.idList({
      description: 'The ids of the memories deleted.',
      resolve: ({ deleted }) => deleted,
    }),
    notFoundIds: t.idList({
      description:
        'The ids skipped: no such memory in the calling key’s vaults (deleted already, never stored, or another key’s).',
      resolve: ({ notFound }) => notFound,
    }),
  }),
});

builder.queryFields((t) => ({
  memory: t.withAuth({ memoryKey: true }).field({
    type: MemoryRef,
    nullable: true,
    description: 'One memory by id; null when it does not exist (or belongs to another key).',
    args: { id: t.arg.id({ required: true, description: 'A Memory.id.' }) },
    resolve: async (_root, args, context) => {
      const ref = decodeMemoryId(String(args.id));
      const address = vaultOf(context.principal, { kind: ref.kind, id: ref.externalId });
      const { memories } = await context.vaults.read(address, { type: 'get', ids: [ref.localId] });
      const record = memories[0];
      return record === undefined ? null : { address, record };
    },
  }),
}));

builder.mutationFields((t) => ({
  storeMemory: t.withAuth({ activeMemoryKey: true }).field({
    type: MemoryRef,
    description: 'Stores one memory; it is searchable as soon as this returns.',
    args: {
      input: t.arg({ type: StoreMemoryInput, required: true, description: 'The memory to store.' }),
      idempotencyKey: t.arg.string({ required: false, description: IDEMPOTENCY_KEY_DESCRIPTION }),
    },
    resolve: async (_root, { input, idempotencyKey }, context) =>
      (await storeMemories(context, [input], () => 'input', idempotencyKey ?? null))[0]!,
  }),
  storeMemories: t.withAuth({ activeMemoryKey: true }).field({
    type: [MemoryRef],
    description: `Stores up to ${MAX_STORE_BATCH} memories, all or nothing per call.`,
    args: {
      inputs: t.arg({
        type: [StoreMemoryInput],
        required: true,
        description: `The memories to store, 1–${MAX_STORE_BATCH}, in any of the key's vaults.`,
        validate: z.array(z.unknown()).min(1).max(MAX_STORE_BATCH),
      }),
      extract: t.arg({
        type: ExtractInput,
        required: false,
        description:
          'Also extract facts with your model and reconcile them with the vault (all inputs in one vault). The facts stored and the memories superseded are listed in extensions.memory.facts. With idempotencyKey, a retry is answered before any model call. Default: off.',
      }),
      idempotencyKey: t.arg.string({
        required: false,
        description: `${IDEMPOTENCY_KEY_DESCRIPTION} With extract, the key covers the extract options too (another model is IDEMPOTENCY_KEY_REUSED), and a retry also answers the first call's facts receipt (extensions.memory.facts, the same ids) without calling the model.`,
      }),
    },
    resolve: async (_root, { inputs, extract, idempotencyKey }, context) => {
      if (!extract) return storeMemories(context, inputs, undefined, idempotencyKey ?? null);
      const extractor = await extractorFor(context, extract.model);
      // The fingerprint covers the extract options too: the same key with
      // another model is another call (IDEMPOTENCY_KEY_REUSED). The model as
      // resolved, not as spelled: `gpt-4o-mini` is `openai/gpt-4o-mini`.
      const { factsVault, ...rest } = extract;
      // Left out or null: the fingerprint of a call from before factsVault existed.
      const options = {
        ...rest,
        model: `${extractor.provider}/${extractor.model}`,
        ...(factsVault ? { factsVault } : {}),
      };
      const keyed =
        idempotencyKey === null || idempotencyKey === undefined
          ? null
          : await idempotencyOf(context.env.KEY_HMAC_SECRET, idempotencyKey, {
              inputs,
              extract: options,
            });
      return (
        await storeWithFacts(context, inputs, extractor, undefined, keyed, factsVault ?? null)
      ).stored;
    },
  }),
  updateMemory: t.withAuth({ activeMemoryKey: true }).field({
    type: MemoryRef,
    description:
      'Edits one memory: new content, role or metadata, checked as a store is. It keeps its id and createdAt; new content is searchable at once (the old text no longer matches), live subscribers get an EDITED event, and it is billed as a store of the new content (an edit of role or metadata alone bills nothing). NOT_FOUND when there is no such memory.',
    args: {
      input: t.arg({ type: UpdateMemoryInput, required: true, description: 'The edit.' }),
    },
    resolve: async (_root, { input }, context) =>
      updateMemory(context, { ...input, id: String(input.id) }),
  }),
  deleteMemories: t.withAuth({ memoryKey: true }).field({
    type: DeleteMemoriesResultRef,
    description: `Deletes up to ${MAX_DELETE_BATCH} memories for good, in any of the key's vaults (each vault its share in one step). Ids with no such memory are skipped and listed in notFoundIds, never an error, so a retry is safe; a malformed id refuses the whole call before anything is deleted.`,
    args: {
      ids: t.arg.idList({
        required: true,
        description: `Memory ids, 1–${MAX_DELETE_BATCH}; a repeated id counts once.`,
        validate: z.array(z.unknown()).min(1).max(MAX_DELETE_BATCH),
      }),
    },
    resolve: async (_root, { ids }, context) => deleteMemories(context, ids.map(String)),
  }),
  deleteMemory: t.withAuth({ memoryKey: true }).boolean({
    description: 'Deletes one memory for good. NOT_FOUND when there is no such memory.',
    args: { id: t.arg.id({ required: true, description: 'A Memory.id.' }) },
    resolve: async (_root, args, context) => {
      const ref = decodeMemoryId(String(args.id));
      const address = vaultOf(context.principal, { kind: ref.kind, id: ref.externalId });
      const result = await vaultStub(context.env, address).remove(address, ref.localId);
      if (!result.ok) throw CodedError.from(result);
      if (!result.deleted) throw new CodedError('NOT_FOUND', 'no such memory', 'MEMORY_NOT_FOUND');
      context.vaults.invalidate(address);
      // A fact kept apart from its turn, current again: its turn is told.
      await unmarkSourceTurns(context, address, result.released, result.changed);
      return true;
    },
  }),
}));
