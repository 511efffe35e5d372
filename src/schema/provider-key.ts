import { z } from 'zod';
import { accountStub } from '../durable/rpc/stubs';
import { KEY_PREFIX } from '../auth/memory-key';
import { JWT_SHAPE } from '../auth/admin-jwt';
import { unprintableAt } from '../auth/credentials';
import type { ProviderKeyRecord } from '../durable/rpc/account-types';
import { CodedError } from '../core/errors';
import { forgetSealedKeys } from '../resolvers/chat/sealed-keys';
import {
  currentSecretId,
  storedKeysUnconfigured,
  describeProviderKey,
  keySecrets,
  openProviderKey,
  providerKeyAad,
  sealProviderKey,
  type KeySecrets,
} from '../providers/key-encryption';
import type { PROVIDER_IDS } from '../providers/types';
import { builder } from './builder';

export const ProviderEnum = builder.enumType('Provider', {
  description: 'The AI providers MemoryRouter forwards chat to.',
  values: {
    OPENAI: { description: 'OpenAI (api.openai.com).' },
    ANTHROPIC: { description: 'Anthropic (api.anthropic.com).' },
    GOOGLE: { description: 'Google Gemini (generativelanguage.googleapis.com).' },
    OPENROUTER: { description: 'OpenRouter (openrouter.ai).' },
    COMPATIBLE: { description: "The deployment's OpenAI-compatible server (COMPATIBLE_BASE_URL)." },
  } as const,
});

type ProviderName = (typeof PROVIDER_IDS)[number];
const providerId = (value: string) => value.toLowerCase() as ProviderName;

interface ShownKey extends ProviderKeyRecord {
  /** Id of the current PROVIDER_KEY_SECRET; null when the deployment sets none. */
  currentSecret: string | null;
}

export const ProviderKeyRef = builder.objectRef<ShownKey>('ProviderKey');
ProviderKeyRef.implement({
  description:
    'A provider key stored for drop-in clients, which send only their memory key. Write-only: it is never shown again, only its fingerprint and last 4 characters.',
  fields: (t) => ({
    provider: t.field({
      type: ProviderEnum,
      description: 'The provider it is for.',
      resolve: (key) => key.provider.toUpperCase() as 'OPENAI',
    }),
    memoryKeyId: t.exposeID('memoryKeyId', {
      nullable: true,
      description:
        'The memory key it serves; null: every key of the account without one of its own.',
    }),
    fingerprint: t.exposeString('fingerprint', {
      description:
        'sha256: and the first 16 hex digits of the SHA-256 of the key, to check which key it is.',
    }),
    last4: t.exposeString('last4', { description: 'Its last 4 characters.' }),
    sealedWithPreviousSecret: t.boolean({
      nullable: true,
      description:
        'True while it is still sealed under PROVIDER_KEY_SECRET_PREVIOUS (after a rotation); it is sealed again when next used or by rotateProviderKeys. Null on a deployment without PROVIDER_KEY_SECRET, which cannot open it at all.',
      resolve: (key) => (key.currentSecret === null ? null : key.secretId !== key.currentSecret),
    }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When it was first stored.',
      resolve: (key) => key.createdAt,
    }),
    updatedAt: t.field({
      type: 'DateTime',
      description: 'When it was last replaced.',
      resolve: (key) => key.updatedAt,
    }),
  }),
});

export const SetProviderKeyInput = builder.inputType('SetProviderKeyInput', {
  description:
    'A provider key to store, sealed (AES-GCM) under the deployment secret PROVIDER_KEY_SECRET.',
  fields: (t) => ({
    provider: t.field({
      type: ProviderEnum,
      required: true,
      description: 'The provider it is for.',
    }),
    key: t.string({
      required: true,
      description: "The provider's API key; never shown again.",
      validate: z.string().min(8).max(512),
    }),
    memoryKeyId: t.id({
      required: false,
      description: 'Only for this memory key of the account (default: the whole account).',
    }),
  }),
});

function secretsOf(env: Env): KeySecrets {
  const secrets = keySecrets(env);
  if (secrets === null)
    throw storedKeysUnconfigured('stored provider keys cannot be sealed or opened');
  return secrets;
}

async function shown(env: Env, records: ProviderKeyRecord[]): Promise<ShownKey[]> {
  const secrets = keySecrets(env);
  const currentSecret = secrets === null ? null : await currentSecretId(secrets);
  return records.map((record) => ({ ...record, currentSecret }));
}

builder.queryFields((t) => ({
  providerKeys: t.withAuth({ admin: true }).field({
    type: [ProviderKeyRef],
    description:
      "Admin only: the account's stored provider keys (fingerprints and last 4 characters only).",
    resolve: async (_root, _args, context) =>
      shown(
        context.env,
        await accountStub(context.env, context.principal.accountId).listProviderKeys(),
      ),
  }),
}));

builder.mutationFields((t) => ({
  setProviderKey: t.withAuth({ admin: true }).field({
    type: ProviderKeyRef,
    description:
      'Admin only: stores a provider key (sealed with AES-GCM) for the account or one memory key; chat requests without X-Provider-Key use it. Replaces the one stored before.',
    args: { input: t.arg({ type: SetProviderKeyInput, required: true, description: 'The key.' }) },
    resolve: async (_root, { input }, context) => {
      const accountId = context.principal.accountId;
      const secrets = secretsOf(context.env);
      const key = input.key.trim();
      if (unprintableAt(key) !== -1 || key.length < 8) {
        throw new CodedError(
          'BAD_USER_INPUT',
          'a provider key is 8–512 printable ASCII characters, without spaces',
          'INVALID_PROVIDER_KEY',
        );
      }
      if (key.startsWith(KEY_PREFIX) || JWT_SHAPE.test(key)) {
        throw new CodedError(
          'BAD_USER_INPUT',
          key.startsWith(KEY_PREFIX)
            ? 'that is a memory key, not a provider key'
            : 'that is an admin token, not a provider key',
          'INVALID_PROVIDER_KEY',
        );
      }
      const provider = providerId(input.provider);
      const scope =
        input.memoryKeyId === null || input.memoryKeyId === undefined
          ? ''
          : String(input.memoryKeyId);
      const result = await accountStub(context.env, accountId).setProviderKey(accountId, {
        scope,
        provider,
        sealed: await sealProviderKey(secrets, key, providerKeyAad(accountId, scope, provider)),
        ...(await describeProviderKey(key)),
      });
      if (!result.ok) throw CodedError.from(result);
      forgetSealedKeys(accountId);
      return (await shown(context.env, [result.key]))[0]!;
    },
  }),
  deleteProviderKey: t.withAuth({ admin: true }).boolean({
    description: 'Admin only: forgets a stored provider key; false when there was none.',
    args: {
      provider: t.arg({ type: ProviderEnum, required: true, description: 'The provider.' }),
      memoryKeyId: t.arg.id({
        required: false,
        description: 'The memory key it was stored for (default: the account).',
      }),
    },
    resolve: async (_root, args, context) => {
      const deleted = await accountStub(context.env, context.principal.accountId).deleteProviderKey(
        args.memoryKeyId ? String(args.memoryKeyId) : '',
        providerId(args.provider),
      );
      forgetSealedKeys(context.principal.accountId);
      return deleted;
    },
  }),
  rotateProviderKeys: t.withAuth({ admin: true }).int({
    description:
      'Admin only: seals every stored provider key of the account under the current PROVIDER_KEY_SECRET; returns how many were sealed again. Run it after a rotation, before removing PROVIDER_KEY_SECRET_PREVIOUS.',
    resolve: async (_root, _args, context) => {
      const accountId = context.principal.accountId;
      const secrets = secretsOf(context.env);
      const account = accountStub(context.env, accountId);
      let resealed = 0;
      for (const row of await account.allSealedProviderKeys()) {
        const aad = providerKeyAad(accountId, row.scope, row.provider);
        const opened = await openProviderKey(secrets, row.sealed, aad);
        if (opened === null) {
          throw new CodedError(
            'BAD_USER_INPUT',
            `the stored ${row.provider} key${row.scope ? ` of ${row.scope}` : ''} opens with neither PROVIDER_KEY_SECRET nor PROVIDER_KEY_SECRET_PREVIOUS; set it again`,
            'PROVIDER_KEY_UNREADABLE',
          );
        }
        if (opened.current) continue;
        if (
          await account.resealProviderKey(
            row.scope,
            row.provider,
            row.sealed,
            await sealProviderKey(secrets, opened.key, aad),
          )
        )
          resealed++;
      }
      if (resealed > 0) forgetSealedKeys(accountId);
      return resealed;
    },
  }),
}));
