import { z } from 'zod';
import { accountStub, vaultStub } from '../durable/rpc/stubs';
import {
  DEFAULT_LISTED_VAULTS,
  DEFAULT_PAGE_SIZE,
  MAX_LISTED_VAULTS,
  MAX_PAGE_SIZE,
  vaultCapacity,
} from '../core/limits';
import { CodedError } from '../core/errors';
import { listVaults, type VaultListing } from '../resolvers/list-vaults';
import { vaultOf } from '../resolvers/principal';
import { forgetRegistered } from '../resolvers/registered-vaults';
import { exportPath, vaultObjectName, type VaultAddress } from '../vaults/address';
import { encodeVaultId } from '../vaults/ids';
import {
  decodeCursor,
  decodeVaultCursor,
  encodeCursor,
  encodeVaultCursor,
  memoryListingTag,
  vaultListingTag,
} from '../vaults/list-cursors';
import { builder, type PothosTypes } from './builder';
import type { ArgBuilder } from '@pothos/core';
import { MemoryOrderEnum, RoleEnum, VaultKindEnum } from './enums';
import { metadataFilter } from '../resolvers/metadata-filter-input';
import type { ListFilter } from '../durable/rpc/vault-types';
import { MemoryConnectionRef, MemoryRef, PageInfoRef, type MemoryParent } from './memory';
import { VaultSelectorInput } from './vault-selector';

/**
 * A vault as its fields start from: the address only. Fields that need the
 * vault object (counts, stats) ask the request's loader, so a vault costs a
 * call only when one of them is selected, and one call however many are.
 */
export interface VaultParent {
  address: VaultAddress;
}

export const VaultRef = builder.objectRef<VaultParent>('Vault');

/** `first` and `after` of a cursor-paged field: a vault's memories, a key's vaults. */
function pageArgs(arg: ArgBuilder<PothosSchemaTypes.ExtendDefaultTypes<PothosTypes>>) {
  return {
    first: arg.int({
      required: false,
      description: `Page size, 1–${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).`,
      validate: z.number().int().min(1).max(MAX_PAGE_SIZE),
    }),
    after: arg.string({ required: false, description: 'endCursor of the previous page.' }),
  };
}

const MemoryFilterInput = builder.inputType('MemoryFilter', {
  description:
    'Which memories a listing keeps: every condition given must hold (AND); none given lists all.',
  fields: (t) => ({
    role: t.field({ type: RoleEnum, required: false, description: 'Only memories of this role.' }),
    createdAfter: t.field({
      type: 'DateTime',
      required: false,
      description: 'Only memories with createdAt strictly after this time.',
    }),
    createdBefore: t.field({
      type: 'DateTime',
      required: false,
      description: 'Only memories with createdAt strictly before this time.',
    }),
    metadata: t.field({
      type: 'JSON',
      required: false,
      description:
        'Only memories whose metadata holds all these top-level key/value pairs (scalar values): the same rule as SearchInput.metadata (a JSON true matches true, not 1; "1" does not match 1).',
    }),
  }),
});

/** A listing's filter as the vault takes it (the metadata part checked as search checks it). */
function listFilterOf(filter: typeof MemoryFilterInput.$inferInput | null | undefined): ListFilter {
  if (!filter) return {};
  const metadata = metadataFilter(filter.metadata);
  return {
    ...(filter.role ? { role: filter.role } : {}),
    ...(filter.createdAfter ? { createdAfter: filter.createdAfter.getTime() } : {}),
    ...(filter.createdBefore ? { createdBefore: filter.createdBefore.getTime() } : {}),
    ...(metadata === null ? {} : { metadata }),
  };
}

/**
 * A listing's filter as one text, the same for the same filter however it
 * was written (metadata keys sorted, times in milliseconds), so a cursor
 * can tell whether the next page asks for the same filter.
 */
function memoryFilterText(filter: ListFilter): string {
  const metadata = filter.metadata
    ? Object.entries(filter.metadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    : null;
  return JSON.stringify([
    filter.role ?? null,
    filter.createdAfter ?? null,
    filter.createdBefore ?? null,
    metadata,
  ]);
}

VaultRef.implement({
  description: 'A store of memories owned by one memory key.',
  fields: (t) => ({
    id: t.id({
      description: 'Opaque id of the vault within its key.',
      resolve: ({ address }) => encodeVaultId(address.kind, address.externalId),
    }),
    kind: t.field({
      type: VaultKindEnum,
      description: 'CORE, SESSION or EPHEMERAL.',
      resolve: ({ address }) => address.kind,
    }),
    externalId: t.string({
      nullable: true,
      description: 'The session or conversation id; null for CORE.',
      resolve: ({ address }) => address.externalId,
    }),
    memoryCount: t.int({
      description: 'Memories stored now.',
      resolve: async ({ address }, _args, context) =>
        (await context.vaults.statsOf(address)).memoryCount,
    }),
    embeddingModel: t.string({
      description: 'Embedding model the vault was built with (the deployment default while empty).',
      resolve: async ({ address }, _args, context) =>
        (await context.vaults.statsOf(address)).embeddingModel ?? context.embedder.model,
    }),
    dimensions: t.int({
      description: 'Dimensions of its embeddings (the deployment default while empty).',
      resolve: async ({ address }, _args, context) =>
        (await context.vaults.statsOf(address)).dimensions ?? context.embedder.dimensions,
    }),
    capacity: t.int({
      description: 'Most memories the vault accepts at its dimensions.',
      resolve: async ({ address }, _args, context) =>
        (await context.vaults.statsOf(address)).capacity ??
        vaultCapacity(context.config, context.embedder.dimensions),
    }),
    storageBytes: t.int({
      description: 'Bytes of durable storage the vault uses.',
      resolve: async ({ address }, _args, context) => context.vaults.storageBytesOf(address),
    }),
    lastWriteAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When a memory was last stored.',
      resolve: async ({ address }, _args, context) =>
        (await context.vaults.statsOf(address)).lastWriteAt,
    }),
    expiresAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'EPHEMERAL vaults only: when the vault and its memories are deleted.',
      resolve: async ({ address }, _args, context) =>
        (await context.vaults.statsOf(address)).expiresAt,
    }),
    exportUrl: t.string({
      description:
        'Where to download the vault as JSONL (GET, with the memory key); POST the same format to …/import.',
      resolve: ({ address }) => exportPath(address),
    }),
    memories: t.field({
      type: MemoryConnectionRef,
      description:
        'The memories, a page at a time (cursor pagination, stable under concurrent writes), optionally filtered. Pass the same order and filter with each page: a cursor passed to another vault, order or filter is refused (INVALID_CURSOR). An edited memory keeps its place by createdAt; among memories of the same createdAt it moves to the end (it lists as stored last).',
      args: {
        ...pageArgs(t.arg),
        order: t.arg({
          type: MemoryOrderEnum,
          required: false,
          description: 'Default NEWEST_FIRST.',
        }),
        filter: t.arg({
          type: MemoryFilterInput,
          required: false,
          description: 'Only the memories that match; totalCount then counts those.',
        }),
      },
      resolve: async ({ address }, args, context) => {
        const filter = listFilterOf(args.filter);
        const order = args.order ?? 'NEWEST_FIRST';
        const tag = await memoryListingTag({
          vault: address,
          order,
          filter: memoryFilterText(filter),
        });
        const after = args.after ? decodeCursor(args.after, tag) : null;
        const { page } = await context.vaults.read(address, {
          type: 'list',
          request: {
            first: args.first ?? DEFAULT_PAGE_SIZE,
            after,
            order,
            ...(Object.keys(filter).length > 0 ? { filter } : {}),
          },
        });
        const edges = page.memories.map((record, at) => ({
          cursor: encodeCursor(
            { createdAt: record.createdAt, localId: record.id, seq: page.seqs[at]! },
            tag,
          ),
          node: { address, record } satisfies MemoryParent,
        }));
        return {
          edges,
          pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
          totalCount: page.totalCount,
        };
      },
    }),
  }),
});

interface VaultEdge {
  cursor: string;
  node: VaultParent;
}

const VaultEdgeRef = builder.objectRef<VaultEdge>('VaultEdge');

VaultEdgeRef.implement({
  description: 'A vault and its position in the listing.',
  fields: (t) => ({
    cursor: t.exposeString('cursor', { description: 'Position of this vault in the listing.' }),
    node: t.field({ type: VaultRef, description: 'The vault.', resolve: (edge) => edge.node }),
  }),
});

const VaultConnectionRef = builder.objectRef<{
  edges: VaultEdge[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}>('VaultConnection');

VaultConnectionRef.implement({
  description:
    'A page of vaults. A page may hold fewer than `first` when conversations (EPHEMERAL vaults) on it have expired; `hasNextPage` still says whether to go on.',
  fields: (t) => ({
    edges: t.field({
      type: [VaultEdgeRef],
      description: 'The vaults of this page.',
      resolve: (c) => c.edges,
    }),
    pageInfo: t.field({
      type: PageInfoRef,
      description:
        'Paging state; `endCursor` is the position the page reached, past any expired conversation it left out.',
      resolve: (c) => c.pageInfo,
    }),
  }),
});

function connectionOf(listing: VaultListing, keyTag: string) {
  return {
    edges: listing.vaults.map(({ address, position }) => ({
      cursor: encodeVaultCursor(position, keyTag),
      node: { address },
    })),
    pageInfo: {
      hasNextPage: listing.hasNextPage,
      endCursor: listing.endPosition ? encodeVaultCursor(listing.endPosition, keyTag) : null,
    },
  };
}

builder.queryFields((t) => ({
  vault: t.withAuth({ memoryKey: true }).field({
    type: VaultRef,
    nullable: true,
    description:
      'One vault of the calling key; null for a SESSION or EPHEMERAL vault never written.',
    args: {
      selector: t.arg({
        type: VaultSelectorInput,
        required: true,
        description: 'Which vault of the calling key.',
      }),
    },
    resolve: async (_root, { selector }, context) => {
      const address = vaultOf(context.principal, selector);
      const stats = await context.vaults.statsOf(address);
      return stats.exists || address.kind === 'CORE' ? { address } : null;
    },
  }),
  vaults: t.withAuth({ memoryKey: true }).field({
    type: [VaultRef],
    description: `The calling key's vaults that hold memories: CORE first, then the others oldest first, at most \`first\` (default ${DEFAULT_LISTED_VAULTS}, at most ${MAX_LISTED_VAULTS}); \`vaultsConnection\` pages through all of them.`,
    args: {
      first: t.arg.int({
        required: false,
        description: `How many to list, 1–${MAX_LISTED_VAULTS} (default ${DEFAULT_LISTED_VAULTS}).`,
        validate: z.number().int().min(1).max(MAX_LISTED_VAULTS),
      }),
    },
    resolve: async (_root, args, context) =>
      (await listVaults(context, args.first ?? DEFAULT_LISTED_VAULTS, null)).vaults,
  }),
  vaultsConnection: t.withAuth({ memoryKey: true }).field({
    type: VaultConnectionRef,
    description:
      "The calling key's vaults a page at a time: CORE first, then the others oldest first (cursor pagination; a vault created while paging comes last). Listing opens no vault: fields such as `memoryCount` cost one vault call each, only when selected.",
    args: pageArgs(t.arg),
    resolve: async (_root, args, context) => {
      const keyTag = await vaultListingTag(context.principal.key.id);
      const after = args.after ? decodeVaultCursor(args.after, keyTag) : null;
      return connectionOf(
        await listVaults(context, args.first ?? DEFAULT_PAGE_SIZE, after),
        keyTag,
      );
    },
  }),
}));

builder.mutationFields((t) => ({
  clearVault: t.withAuth({ memoryKey: true }).int({
    description:
      'Deletes every memory of a vault for good, and its snapshots with them, so restoreVault cannot undo it; returns how many memories were removed (0 for an empty or unknown vault, so clearing twice is safe).',
    args: {
      selector: t.arg({
        type: VaultSelectorInput,
        required: true,
        description: 'Which vault of the calling key to empty.',
      }),
    },
    resolve: async (_root, { selector }, context) => {
      const address = vaultOf(context.principal, selector);
      const stub = vaultStub(context.env, address);
      // The vault itself says whether there was anything to clear: a vault
      // never written, with no import open into it, is left without storage.
      const cleared = await stub.clear(address);
      if (!cleared.ok) throw CodedError.from(cleared);
      // Idempotent: the state asked for (an empty vault) already holds.
      if (!cleared.wiped) return 0;
      const account = accountStub(context.env, context.principal.accountId);
      await account.forgetVault(address.keyId, address.kind, address.externalId);
      forgetRegistered(vaultObjectName(address));
      context.vaults.invalidate(address);
      // A write that went in after the wipe (a chat's turn, a store; not an
      // import's, which the clear ended) may have registered the vault before
      // forgetVault took it out: listed again, since it holds memories.
      const after = await stub.stats(address);
      if (after.ok && after.stats.exists)
        await account.registerVault(address.keyId, address.kind, address.externalId);
      return cleared.removed;
    },
  }),
}));

// A memory's vault, added here so that memory.ts need not import this file:
// Vault lists memories and Memory names its vault.
builder.objectField(MemoryRef, 'vault', (t) =>
  t.field({
    type: VaultRef,
    description: 'The vault it lives in.',
    resolve: ({ address }) => ({ address }),
  }),
);
