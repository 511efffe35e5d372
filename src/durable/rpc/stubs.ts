import { vaultObjectName, type VaultAddress } from '../../vaults/address';

/**
 * The one place Durable Object stubs are made. A vault is reached by its
 * server-side address (whose object name src/vaults/address.ts derives from
 * the key id, never from a raw client string), an account by its id. Schema,
 * resolver and route modules call these and never name an object themselves.
 */
export function vaultStub(env: Env, address: VaultAddress) {
  return env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address)));
}

export function accountStub(env: Env, accountId: string) {
  return env.ACCOUNT.get(env.ACCOUNT.idFromName(`account:${accountId}`));
}

/** Usage shards per account: metered requests spread over them (usage-shard-object.ts). */
export const USAGE_SHARDS = 8;

export function usageShardStub(env: Env, accountId: string, shard: number) {
  return env.USAGE_SHARD.get(env.USAGE_SHARD.idFromName(`usage:${accountId}:${shard}`));
}

/**
 * The responses one memory key created with its account's shared OpenAI key
 * (created-responses-object.ts): named by the key id, never by a response id
 * or anything a client chose.
 */
export function createdResponsesStub(env: Env, keyId: string) {
  return env.CREATED_RESPONSES.get(env.CREATED_RESPONSES.idFromName(`responses:${keyId}`));
}
