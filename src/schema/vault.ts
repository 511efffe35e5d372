import { z } from 'zod';
import { accountStub, vaultStub } from '../durable/rpc/stubs';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, vaultCapacity } from '../core/limits';
import type { VaultStats } from '../durable/rpc/vault-types';
import { CodedError } from '../core/errors';
import { vaultOf } from '../resolvers/principal';
import { forgetRegistered } from '../resolvers/registered-vaults';
import { exportPath, vaultObjectName, type VaultAddress } from '../vaults/address';
import { decodeCursor, encodeCursor, encodeVaultId } from '../vaults/ids';
import { builder } from './builder';
import { MemoryOrderEnum, VaultKindEnum } from './enums';
import { MemoryConnectionRef, MemoryRef, type MemoryParent } from './memory';
import { VaultSelectorInput } from './vault-selector';

export interface VaultParent {
  address: VaultAddress;
  stats: VaultStats;
}

export const VaultRef = builder.objectRef<VaultParent>('Vault');

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
      resolve: ({ stats }) => stats.memoryCount,
    }),
    embeddingModel: t.string({
      description: 'Embedding model the vault was built with (the deployment default while empty).',
      resolve: ({ stats }, _args, context) => stats.embeddingModel ?? context.embedder.model,
    }),
    dimensions: t.int({
      description: 'Dimensions of its embeddings (the deployment default while empty).',
      resolve: ({ stats }, _args, context) => stats.dimensions ?? context.embedder.dimensions,
    }),
    capacity: t.int({
      description: 'Most memories the vault accepts at its dimensions.',
      resolve: ({ stats }, _args, context) =>
        stats.capacity ?? vaultCapacity(context.config, context.embedder.dimensions),
    }),
    storageBytes: t.int({
      description: 'Bytes of durable storage the vault uses.',
      resolve: ({ stats }) => stats.storageBytes,
    }),
    lastWriteAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When a memory was last stored.',
      resolve: ({ stats }) => stats.lastWriteAt,
    }),
    expiresAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'EPHEMERAL vaults only: when the vault and its memories are deleted.',
      resolve: ({ stats }) => stats.expiresAt,
    }),
    exportUrl: t.string({
      description:
        'Where to download the vault as JSONL (GET, with the memory key); POST the same format to …/import.',
      resolve: ({ address }) => exportPath(address),
    }),
    memories: t.field({
      type: MemoryConnectionRef,
      description:
        'The memories, a page at a time (cursor pagination, stable under concurrent writes).',
      args: {
        first: t.arg.int({
          required: false,
          description: `Page size, 1–${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).`,
          validate: z.number().int().min(1).max(MAX_PAGE_SIZE),
        }),
        after: t.arg.string({ required: false, description: 'endCursor of the previous page.' }),
        order: t.arg({
          type: MemoryOrderEnum,
          required: false,
          description: 'Default NEWEST_FIRST.',
        }),
      },
      resolve: async ({ address }, args, context) => {
        const after = args.after ? decodeCursor(args.after) : null;
        const { page } = await context.vaults.read(address, {
          type: 'list',
          request: {
            first: args.first ?? DEFAULT_PAGE_SIZE,
            after,
            order: args.order ?? 'NEWEST_FIRST',
          },
        });
        const edges = page.memories.map((record, at) => ({
          cursor: encodeCursor({
            createdAt: record.createdAt,
            localId: record.id,
            seq: page.seqs[at]!,
          }),
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
      return stats.exists || address.kind === 'CORE' ? { address, stats } : null;
    },
  }),
  vaults: t.withAuth({ memoryKey: true }).field({
    type: [VaultRef],
    description: 'Every vault of the calling key that holds memories, CORE first.',
    resolve: async (_root, _args, context) => {
      const { principal } = context;
      const registered = await accountStub(context.env, principal.accountId).listVaults(
        principal.key.id,
      );
      const addresses = [
        vaultOf(principal),
        ...registered
          .filter((vault) => vault.kind !== 'CORE')
          .map((vault) => vaultOf(principal, { kind: vault.kind, id: vault.externalId })),
      ];
      const vaults = await Promise.all(
        addresses.map(async (address) => ({
          address,
          stats: await context.vaults.statsOf(address),
        })),
      );
      return vaults.filter(({ address, stats }) => address.kind === 'CORE' || stats.exists);
    },
  }),
}));

builder.mutationFields((t) => ({
  clearVault: t.withAuth({ memoryKey: true }).int({
    description:
      'Deletes every memory of a vault for good; returns how many memories were removed (0 for an empty or unknown vault, so clearing twice is safe).',
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
      const stats = await stub.stats(address);
      if (!stats.ok) throw CodedError.from(stats);
      // Idempotent: the state asked for (an empty vault) already holds.
      if (!stats.stats.exists) return 0;
      const cleared = await stub.clear(address);
      if (!cleared.ok) throw CodedError.from(cleared);
      await accountStub(context.env, context.principal.accountId).forgetVault(
        address.keyId,
        address.kind,
        address.externalId,
      );
      forgetRegistered(vaultObjectName(address));
      context.vaults.invalidate(address);
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
    resolve: async ({ address }, _args, context) => ({
      address,
      stats: await context.vaults.statsOf(address),
    }),
  }),
);
