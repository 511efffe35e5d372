import { z } from 'zod';
import { accountStub } from '../durable/rpc/stubs';
import { deriveKey, generateMemoryKey, keySecretId } from '../auth/memory-key';
import type { MemoryKeyRecord } from '../durable/rpc/account-types';
import { CodedError } from '../core/errors';
import { MAX_KEYS_LISTED } from '../core/limits';
import { builder } from './builder';
import { forgetKey } from '../resolvers/verified-keys';
import { deleteKeyVaults, type DeletedKeyVaults } from '../resolvers/delete-key-vaults';

export const MemoryKeyRef = builder.objectRef<MemoryKeyRecord>('MemoryKey');

MemoryKeyRef.implement({
  description: 'A memory key: the credential apps use. Only its id and name are ever shown again.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Public id of the key (not the secret).' }),
    name: t.exposeString('name', { nullable: true, description: 'A label chosen at creation.' }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When it was created.',
      resolve: (key) => key.createdAt,
    }),
    revokedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it was revoked; null while it works.',
      resolve: (key) => key.revokedAt,
    }),
    sealedWithPreviousSecret: t.boolean({
      nullable: true,
      description:
        'True while its verifier is still made under an earlier KEY_HMAC_SECRET (after a rotation): it works only while KEY_HMAC_SECRET_PREVIOUS holds that secret, and is sealed again under the current one, keeping its id and memories, when next used. False once sealed under the current secret. Null when not known: a key made before this was recorded and not used since.',
      resolve: async (key, _args, context) =>
        key.secretId === null
          ? null
          : key.secretId !== (await keySecretId(context.env.KEY_HMAC_SECRET)),
    }),
  }),
});

export const CreatedMemoryKeyRef = builder.objectRef<{ key: MemoryKeyRecord; secret: string }>(
  'CreatedMemoryKey',
);

CreatedMemoryKeyRef.implement({
  description: 'A new memory key and its secret.',
  fields: (t) => ({
    key: t.field({
      type: MemoryKeyRef,
      description: 'The key.',
      resolve: (created) => created.key,
    }),
    secret: t.exposeString('secret', {
      description: 'The secret mk_… value, shown once: only a hash of it is kept.',
    }),
  }),
});

export const DeletedKeyVaultsRef = builder.objectRef<DeletedKeyVaults>('DeletedKeyVaults');

DeletedKeyVaultsRef.implement({
  description: "What deleteKeyVaults did with a key's vaults.",
  fields: (t) => ({
    vaultsCleared: t.exposeInt('vaultsCleared', {
      description: 'Vaults emptied (with their snapshots) by this call.',
    }),
    memoriesRemoved: t.exposeInt('memoriesRemoved', { description: 'Memories deleted.' }),
    vaultsRemaining: t.exposeInt('vaultsRemaining', {
      description: 'Vaults of the key left (a call clears at most 100): call again until 0.',
    }),
  }),
});

builder.queryFields((t) => ({
  me: t.withAuth({ memoryKey: true }).field({
    type: MemoryKeyRef,
    description: 'The memory key making the request.',
    resolve: (_root, _args, context) => context.principal.key,
  }),
  memoryKeys: t.withAuth({ admin: true }).field({
    type: [MemoryKeyRef],
    description:
      "Admin only: the keys of the admin's account, oldest first; with no arguments every key, revoked ones included. Revoked keys are kept for good, so a long-lived account pages with `first` and `after` (the last key's id) or leaves them out with `includeRevoked: false`.",
    args: {
      includeRevoked: t.arg.boolean({
        required: false,
        defaultValue: true,
        description: 'Whether revoked keys are listed (default true).',
      }),
      first: t.arg.int({
        required: false,
        description: `At most this many keys, 1–${MAX_KEYS_LISTED} (default: all).`,
        validate: z.number().int().min(1).max(MAX_KEYS_LISTED),
      }),
      after: t.arg.id({
        required: false,
        description:
          'List the keys created after this one (a MemoryKey.id of the account: the last of the previous page). INVALID_CURSOR for another id.',
      }),
    },
    resolve: async (_root, args, context) => {
      const page = await accountStub(context.env, context.principal.accountId).pageKeys({
        includeRevoked: args.includeRevoked ?? true,
        ...(args.first == null ? {} : { first: args.first }),
        ...(args.after == null ? {} : { after: String(args.after) }),
      });
      if (!page.ok) throw CodedError.from(page);
      return page.keys;
    },
  }),
}));

builder.mutationFields((t) => ({
  createMemoryKey: t.withAuth({ admin: true }).field({
    type: CreatedMemoryKeyRef,
    description: 'Admin only: creates a memory key for the account; its secret is returned once.',
    args: {
      name: t.arg.string({
        required: false,
        description: 'A label, up to 100 characters.',
        validate: z.string().max(100),
      }),
    },
    resolve: async (_root, args, context) => {
      const accountId = context.principal.accountId;
      const secret = generateMemoryKey(accountId);
      const [{ keyId, verifier }, secretId] = await Promise.all([
        deriveKey(context.env.KEY_HMAC_SECRET, secret),
        keySecretId(context.env.KEY_HMAC_SECRET),
      ]);
      const created = await accountStub(context.env, accountId).createKey(accountId, {
        id: keyId,
        name: args.name ?? null,
        verifier,
        secretId,
      });
      if (!created.ok) throw CodedError.from(created);
      return { key: created.key, secret };
    },
  }),
  revokeMemoryKey: t.withAuth({ admin: true }).boolean({
    description: 'Admin only: revokes a key at once; requests with it fail from then on.',
    args: { id: t.arg.id({ required: true, description: 'A MemoryKey.id.' }) },
    resolve: async (_root, args, context) => {
      const accountId = context.principal.accountId;
      const result = await accountStub(context.env, accountId).revokeKey(String(args.id));
      if (!result.ok) throw CodedError.from(result);
      // At once here; other isolates within VERIFIED_KEY_TTL_MS.
      forgetKey(result.key.id);
      return true;
    },
  }),
  deleteKeyVaults: t.withAuth({ admin: true }).field({
    type: DeletedKeyVaultsRef,
    description:
      'Admin only: deletes every memory of every vault a memory key of the account wrote to, and their snapshots, for good (restoreVault cannot undo it), as clearVault does for one vault; works on a revoked key, whose holder can no longer clear. The key itself, its usage and its stored provider keys stay. NOT_FOUND (KEY_NOT_FOUND) for a key the account does not have.',
    args: { id: t.arg.id({ required: true, description: 'A MemoryKey.id of the account.' }) },
    resolve: (_root, args, context) =>
      deleteKeyVaults(context.env, context.principal.accountId, String(args.id)),
  }),
}));
