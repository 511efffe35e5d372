import type { Result } from '../../core/errors';
import type { VaultAddress } from '../../vaults/address';

/** The vault's restore RPC (vault-object.ts `restore`), as a caller sees it. */
export interface RestoringVault {
  restore(
    address: VaultAddress,
    key: string | null,
    continuing?: string | null,
  ): Promise<Result<{ restored: number; key: string; job: string | null }>>;
}

/**
 * Restores a vault from a snapshot, calling it again while it answers a job
 * to go on with: each call is a request of its own to the object, with its
 * own CPU limit (snapshot-restore.ts), so a 250,000-memory restore is some
 * thirty calls rather than one over the limit. Answers as the last call
 * does: the memories the vault holds and the snapshot, or a coded failure.
 */
export async function restoreInSteps(
  vault: RestoringVault,
  address: VaultAddress,
  key: string | null,
): Promise<Result<{ restored: number; key: string }>> {
  let answer = await vault.restore(address, key, null);
  while (answer.ok && answer.job !== null) {
    answer = await vault.restore(address, answer.key, answer.job);
  }
  if (!answer.ok) return answer;
  return { ok: true, restored: answer.restored, key: answer.key };
}
