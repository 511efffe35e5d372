import { vaultStub } from '../durable/rpc/stubs';
import type { ReembedProgress, VaultStats } from '../durable/rpc/vault-types';
import { CodedError } from '../core/errors';
import { builder } from './builder';
import { ReembedStateEnum, ReembedTriggerEnum } from './enums';
import { adminVault, adminVaultArgs } from './snapshot';
import { VaultRef } from './vault';
import { encodeMemoryId } from '../vaults/ids';
import type { VaultAddress } from '../vaults/address';

/** A progress with the vault it is of, so skipped memories are named by their Memory.id. */
type ProgressParent = ReembedProgress & { address: VaultAddress };

interface VaultEmbeddingParent {
  model: string;
  dimensions: number;
  reembed: ProgressParent | null;
}

export const ReembedProgressRef = builder.objectRef<ProgressParent>('ReembedProgress');
ReembedProgressRef.implement({
  description:
    "A vault's move to another embedding model, done in the background in batches. Until the switch, searches use the old vectors; a query embedded with the new model is answered by text alone, and the search receipt says so.",
  fields: (t) => ({
    state: t.field({
      type: ReembedStateEnum,
      description:
        'RUNNING, DONE or FAILED (would not fit, or gave up after repeated failures: see lastError).',
      resolve: (progress) => progress.state,
    }),
    targetModel: t.exposeString('model', { description: 'The model the vault moves to.' }),
    targetDimensions: t.exposeInt('dimensions', { description: 'Its dimensions.' }),
    fromModel: t.exposeString('fromModel', { description: 'The model it moves from.' }),
    trigger: t.field({
      type: ReembedTriggerEnum,
      description: 'Why it re-embeds.',
      resolve: (progress) => progress.trigger,
    }),
    done: t.exposeInt('done', { description: 'Memories given new vectors so far.' }),
    remaining: t.exposeInt('remaining', {
      description: 'Memories still waiting (as counted after the latest batch).',
    }),
    startedAt: t.field({
      type: 'DateTime',
      description: 'When it started.',
      resolve: (progress) => progress.startedAt,
    }),
    finishedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the vault switched to the new vectors; null until then.',
      resolve: (progress) => progress.finishedAt,
    }),
    failures: t.exposeInt('failures', {
      description: 'Failed batches in a row; each waits longer before the next try.',
    }),
    lastError: t.exposeString('lastError', {
      nullable: true,
      description:
        'Why the latest batch failed, why it could not start or gave up (FAILED), or, once memories were skipped, how many and why; null otherwise.',
    }),
    skipped: t.int({
      description:
        'Memories the embedding model refused on their own (a malformed answer for that text), skipped so the rest could move: they have no vector of the new model and are found by TEXT search only. A new run tries them again; reembedVault resuming a run that gave up keeps them skipped.',
      resolve: (progress) => progress.skipped ?? 0,
    }),
    skippedMemoryIds: t.idList({
      description:
        'The Memory.id of each skipped memory (the first 100; `skipped` counts them all).',
      resolve: ({ skippedIds, address }) =>
        (skippedIds ?? []).map((localId) =>
          encodeMemoryId({ kind: address.kind, externalId: address.externalId, localId }),
        ),
    }),
    nextBatchAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the next batch runs; null unless RUNNING.',
      resolve: (progress) => progress.nextBatchAt,
    }),
  }),
});

export const VaultEmbeddingRef = builder.objectRef<VaultEmbeddingParent>('VaultEmbedding');
VaultEmbeddingRef.implement({
  description: "The embedding model of a vault's vectors, and its move to another.",
  fields: (t) => ({
    model: t.exposeString('model', {
      description:
        'The model its vectors are of, with a version (`use-lite-static-384@1`, `@cf/baai/bge-base-en-v1.5#cls@1`), or `caller-supplied`; the deployment default while empty.',
    }),
    dimensions: t.exposeInt('dimensions', {
      description: 'Their dimensions (the deployment default while empty).',
    }),
    reembedProgress: t.field({
      type: ReembedProgressRef,
      nullable: true,
      description: 'The latest re-embedding: running, done or failed; null if it never had one.',
      resolve: ({ reembed }) => reembed,
    }),
  }),
});

/** A vault's model as recorded, or the deployment's for a vault that has none yet. */
function embeddingOf(
  address: VaultAddress,
  stats: VaultStats,
  deployment: { model: string; dimensions: number },
): VaultEmbeddingParent {
  return {
    model: stats.embeddingModel ?? deployment.model,
    dimensions: stats.dimensions ?? deployment.dimensions,
    reembed: stats.reembed === null ? null : { ...stats.reembed, address },
  };
}

builder.objectField(VaultRef, 'embedding', (t) =>
  t.field({
    type: VaultEmbeddingRef,
    description:
      'Its embedding model and dimensions (as `embeddingModel` and `dimensions`) and the progress of a re-embedding.',
    resolve: async ({ address }, _args, context) =>
      embeddingOf(address, await context.vaults.statsOf(address), context.embedder),
  }),
);

builder.queryFields((t) => ({
  vaultEmbedding: t.withAuth({ admin: true }).field({
    type: VaultEmbeddingRef,
    description:
      "Admin only: a key's vault's embedding model and dimensions, and the progress of its latest re-embedding.",
    args: {
      ...adminVaultArgs(t.arg),
    },
    resolve: async (_root, args, context) => {
      const address = await adminVault(context, String(args.keyId), args.vault);
      const result = await vaultStub(context.env, address).stats(address);
      if (!result.ok) throw CodedError.from(result);
      return embeddingOf(address, result.stats, context.embedder);
    },
  }),
}));

builder.mutationFields((t) => ({
  reembedVault: t.withAuth({ admin: true }).field({
    type: ReembedProgressRef,
    description:
      "Admin only: re-embeds every memory of a key's vault with the deployment's embedder, in the background; returns its progress (asking again while it runs changes nothing). A run that gave up (FAILED after 30 failed batches) towards the deployment's model is resumed where it stopped, its moved and skipped memories kept; one towards another model starts over. Vaults of caller-supplied vectors are refused (BAD_USER_INPUT, CALLER_SUPPLIED_VECTORS). A vault whose model differs from the deployment's starts on its own at its first call.",
    args: {
      ...adminVaultArgs(t.arg),
    },
    resolve: async (_root, args, context) => {
      const address = await adminVault(context, String(args.keyId), args.vault);
      const result = await vaultStub(context.env, address).reembed(address);
      if (!result.ok) throw CodedError.from(result);
      return { ...result.progress, address };
    },
  }),
}));
