import { mergeWindowHits } from '../durable/vault/merge-windows';
import type { SearchHitRecord, WindowResult } from '../durable/rpc/vault-types';
import type { MemoryWindow } from '../kronos/windows';
import type { VaultAddress } from '../vaults/address';

export interface RankedHit extends SearchHitRecord {
  address: VaultAddress;
}

/**
 * Merges per-vault window results into one ranked list per window, each hit
 * with the address of its vault (durable/vault/merge-windows.ts: the same merge the
 * vault leading a multi-vault search bills).
 */
export function mergeHits(
  windows: readonly { window: MemoryWindow; limit: number }[],
  perVault: readonly { address: VaultAddress; windows: readonly WindowResult[] }[],
): RankedHit[] {
  return mergeWindowHits(
    windows,
    perVault.map(({ address, windows: found }) => ({ source: address, windows: found })),
  ).map(({ hit, source }) => ({ ...hit, address: source }));
}
