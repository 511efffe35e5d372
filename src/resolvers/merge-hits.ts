import { mergeWindowHits } from '../durable/vault/merge-windows';
import type { SearchHitRecord, WindowResult } from '../durable/rpc/vault-types';
import type { MemoryWindow } from '../kronos/windows';
import type { VaultAddress } from '../vaults/address';

export interface RankedHit extends SearchHitRecord {
  address: VaultAddress;
}

/**
 * Merges per-vault window results into one list, best first across windows
 * and vaults, each hit with the address of its vault and its window. Each
 * window still chose its own top hits first (durable/vault/merge-windows.ts:
 * the same merge the vault leading a multi-vault search bills), so recent
 * context cannot crowd out old facts; only the order a client reads them in
 * is by score, so that the top of the list is the best answers, not the
 * recent window's weak ones (outside review 103 #2). Ties as `bestFirst`.
 */
export function mergeHits(
  windows: readonly { window: MemoryWindow; limit: number }[],
  perVault: readonly { address: VaultAddress; windows: readonly WindowResult[] }[],
): RankedHit[] {
  return bestFirst(
    mergeWindowHits(
      windows,
      perVault.map(({ address, windows: found }) => ({ source: address, windows: found })),
    ).map(({ hit, source }) => ({ ...hit, address: source })),
  );
}

/**
 * Hits best first. A stable sort of hits that come window after window in
 * band order (HOT first), so equal scores keep that order: the more recent
 * window first (its memories are all newer, the bands being disjoint), then
 * the window's own order (each vault's ranking of its ties, then newer
 * first: merge-windows.ts). Grouping the list by `window`, keeping its
 * order, gives back each window's hits exactly as the window ranked them.
 */
export function bestFirst<Hit extends { score: number }>(hits: readonly Hit[]): Hit[] {
  return [...hits].sort((a, b) => b.score - a.score);
}
