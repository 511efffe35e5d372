import { z } from 'zod';
import { accountStub } from '../durable/rpc/stubs';
import type { ImportReport } from '../resolvers/import-memories';
import { kvOwnerKey, migrateKvVaults, type KvMigrationRun } from '../resolvers/migration/kv-vaults';
import { CodedError } from '../core/errors';
import { builder } from './builder';

export const ImportReportRef = builder.objectRef<ImportReport>('ImportReport');
ImportReportRef.implement({
  description: 'What an import did, line by line.',
  fields: (t) => ({
    imported: t.exposeInt('imported', { description: 'Memories stored.' }),
    skipped: t.exposeInt('skipped', {
      description: 'Memories the vault already had (same id), left as they were.',
    }),
    failed: t.exposeInt('failed', { description: 'Lines refused.' }),
    memoryTokens: t.exposeInt('memoryTokens', {
      description: 'Memory tokens billed for the memories stored (the tokens of their content).',
    }),
  }),
});

export const MigratedVaultRef =
  builder.objectRef<KvMigrationRun['vaults'][number]>('MigratedVault');
MigratedVaultRef.implement({
  description: 'One KV-era vault imported.',
  fields: (t) => ({
    kvKey: t.exposeString('kvKey', { description: 'The KV key it was read from.' }),
    vault: t.exposeString('vault', { description: 'core, session/{id} or ephemeral/{id}.' }),
    report: t.field({
      type: ImportReportRef,
      description: 'What was imported.',
      resolve: (v) => v.report,
    }),
  }),
});

export const KvMigrationRef = builder.objectRef<KvMigrationRun>('KvMigration');
KvMigrationRef.implement({
  description: 'One run of a KV-era migration; run again until `done`.',
  fields: (t) => ({
    vaults: t.field({
      type: [MigratedVaultRef],
      description: 'Vaults handled by this run.',
      resolve: (run) => run.vaults,
    }),
    done: t.exposeBoolean('done', {
      description: 'Whether every KV key under the prefix has been handled.',
    }),
  }),
});

builder.mutationFields((t) => ({
  migrateKvVaults: t.withAuth({ admin: true }).field({
    type: KvMigrationRef,
    description:
      'Admin only: imports KV-era vaults (serialized indexes under `prefix` in the LEGACY_KV namespace, layout in docs/data.md) into the vaults of a memory key. The operator must first record the account as the owner of the prefix (KV key `memoryrouter-owner:{prefix}`, value the account id); other prefixes are FORBIDDEN. Idempotent; resumes where the last run stopped.',
    args: {
      keyId: t.arg.id({
        required: true,
        description: 'The MemoryKey.id that receives the vaults.',
      }),
      prefix: t.arg.string({
        required: true,
        description: 'KV key prefix of one owner, e.g. "tenant-42/".',
        validate: z.string().min(1).max(256),
      }),
      limit: t.arg.int({
        required: false,
        description: 'KV keys per run, 1–50 (default 20).',
        validate: z.number().int().min(1).max(50),
      }),
    },
    resolve: async (_root, args, context) => {
      const kv = (context.env as Env & { LEGACY_KV?: KVNamespace }).LEGACY_KV;
      if (kv === undefined)
        throw new CodedError(
          'BAD_USER_INPUT',
          'this deployment binds no LEGACY_KV namespace',
          'KV_NOT_BOUND',
        );
      const accountId = context.principal.accountId;
      // A prefix is one tenant's data: only the account the operator recorded
      // as its owner may import it (never whatever prefix an admin names).
      if ((await kv.get(kvOwnerKey(args.prefix))) !== accountId) {
        throw new CodedError(
          'FORBIDDEN',
          `the KV prefix is not recorded as this account's; the operator records it with: wrangler kv key put --binding LEGACY_KV "${kvOwnerKey(args.prefix)}" "<account id>"`,
          'PREFIX_NOT_OWNED',
        );
      }
      const account = accountStub(context.env, accountId);
      const key = await account.key(String(args.keyId));
      if (key === null)
        throw new CodedError('NOT_FOUND', 'no such memory key in this account', 'KEY_NOT_FOUND');
      const run = await migrateKvVaults(
        context,
        kv,
        key,
        args.prefix,
        await account.migrationCursor(args.prefix),
        args.limit ?? 20,
      );
      await account.setMigrationCursor(args.prefix, run.cursor);
      return run;
    },
  }),
}));
