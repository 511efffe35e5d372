import type { ArgBuilder } from '@pothos/core';
import { accountStub, vaultStub } from '../durable/rpc/stubs';
import { restoreInSteps } from '../durable/rpc/restore-in-steps';
import type { SnapshotInfo } from '../durable/vault/vault-object';
import { CodedError } from '../core/errors';
import type { AdminContext } from '../resolvers/request-context';
import { selectVault, type VaultAddress, type VaultSelector } from '../vaults/address';
import { builder, type PothosTypes } from './builder';
import { VaultSelectorInput } from './vault-selector';

export const SnapshotRef = builder.objectRef<SnapshotInfo>('VaultSnapshot');
SnapshotRef.implement({
  description: 'A JSONL snapshot of a vault in R2 (the newest few are kept).',
  fields: (t) => ({
    key: t.exposeString('key', {
      description: 'Its R2 key; pass it to restoreVault to pick this one.',
    }),
    count: t.exposeInt('count', { description: 'Memories in it.' }),
    checksum: t.exposeString('checksum', { description: 'SHA-256 of its memory lines.' }),
    bytes: t.exposeInt('bytes', { description: 'Its size.' }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When it was taken.',
      resolve: (snapshot) => snapshot.createdAt,
    }),
  }),
});

export const RestoreResultRef = builder.objectRef<{ restored: number; key: string }>(
  'RestoreResult',
);
RestoreResultRef.implement({
  description: 'What a restore did.',
  fields: (t) => ({
    restored: t.exposeInt('restored', { description: 'Memories the vault holds now.' }),
    snapshot: t.exposeString('key', { description: 'The snapshot restored from.' }),
  }),
});

/** An admin may address the vaults of their own account's keys only. */
export async function adminVault(
  context: AdminContext,
  keyId: string,
  selector: VaultSelector,
): Promise<VaultAddress> {
  if ((await accountStub(context.env, context.principal.accountId).key(keyId)) === null)
    throw new CodedError('NOT_FOUND', 'no such memory key in this account', 'KEY_NOT_FOUND');
  return selectVault(keyId, selector);
}

/** The arguments that name one vault of one of the account's keys (admin fields). */
export function adminVaultArgs(arg: ArgBuilder<PothosSchemaTypes.ExtendDefaultTypes<PothosTypes>>) {
  return {
    keyId: arg.id({ required: true, description: 'A MemoryKey.id of the account.' }),
    vault: arg({
      type: VaultSelectorInput,
      required: true,
      description: "Which of that key's vaults.",
    }),
  };
}

builder.queryFields((t) => ({
  vaultSnapshots: t.withAuth({ admin: true }).field({
    type: [SnapshotRef],
    description: "Admin only: a key's vault snapshots in R2, newest first.",
    args: {
      ...adminVaultArgs(t.arg),
    },
    resolve: async (_root, args, context) => {
      const address = await adminVault(context, String(args.keyId), args.vault);
      const result = await vaultStub(context.env, address).snapshots(address);
      if (!result.ok) throw CodedError.from(result);
      return result.snapshots;
    },
  }),
}));

builder.mutationFields((t) => ({
  restoreVault: t.withAuth({ admin: true }).field({
    type: RestoreResultRef,
    description:
      "Admin only: rebuilds a key's vault from its newest snapshot (or the one named), replacing what it holds.",
    args: {
      ...adminVaultArgs(t.arg),
      snapshot: t.arg.string({
        required: false,
        description: 'A VaultSnapshot.key; default: the newest.',
      }),
    },
    resolve: async (_root, args, context) => {
      const address = await adminVault(context, String(args.keyId), args.vault);
      const result = await restoreInSteps(
        vaultStub(context.env, address),
        address,
        args.snapshot ?? null,
      );
      if (!result.ok) throw CodedError.from(result);
      return { restored: result.restored, key: result.key };
    },
  }),
}));
