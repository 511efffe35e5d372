import { accountStub, vaultStub } from '../durable/rpc/stubs';
import { CodedError } from '../core/errors';
import { vaultObjectName, type VaultAddress } from '../vaults/address';
import { forgetRegistered } from './registered-vaults';

/** Vaults one call clears at most (two RPCs each): a key with more is finished by calling again. */
export const KEY_VAULTS_PER_CALL = 100;

export interface DeletedKeyVaults {
  vaultsCleared: number;
  memoriesRemoved: number;
  /** Vaults of the key left for another call (more than KEY_VAULTS_PER_CALL). */
  vaultsRemaining: number;
}

/**
 * Deletes the memories and snapshots of every vault a memory key of the
 * account wrote to, as clearVault does for one (the key's holder may no
 * longer be able to: a revoked key is refused). Its usage stays in the
 * ledger: it is billing, not memory. Refuses a key the account does not have.
 */
export async function deleteKeyVaults(
  env: Env,
  accountId: string,
  keyId: string,
): Promise<DeletedKeyVaults> {
  const account = accountStub(env, accountId);
  if ((await account.key(keyId)) === null)
    throw new CodedError('NOT_FOUND', 'no such memory key in this account', 'KEY_NOT_FOUND');
  const registered = (await account.vaultAddresses()).filter((address) => address.keyId === keyId);
  // CORE too when it is not registered (a vault written before the registry): clearing is idempotent.
  const addresses: VaultAddress[] = registered.some((address) => address.kind === 'CORE')
    ? registered
    : [{ kind: 'CORE', keyId, externalId: null }, ...registered];
  const now = addresses.slice(0, KEY_VAULTS_PER_CALL);
  let memoriesRemoved = 0;
  for (const address of now) {
    const stub = vaultStub(env, address);
    const stats = await stub.stats(address);
    if (!stats.ok) throw CodedError.from(stats);
    if (stats.stats.exists) {
      const cleared = await stub.clear(address);
      if (!cleared.ok) throw CodedError.from(cleared);
      memoriesRemoved += cleared.removed;
    }
    await account.forgetVault(address.keyId, address.kind, address.externalId);
    forgetRegistered(vaultObjectName(address));
  }
  return {
    vaultsCleared: now.length,
    memoriesRemoved,
    vaultsRemaining: addresses.length - now.length,
  };
}
