import type { SearchHitRecord, WindowResult } from '../durable/vault-types';
import { contentKey } from '../durable/vault-usage';
import type { MemoryWindow } from '../kronos/windows';
import type { VaultAddress } from '../vaults/address';

export interface RankedHit extends SearchHitRecord {
  address: VaultAddress;
}

/**
 * Merges per-vault window results into one ranked list per window: hits from
 * every vault compete on score, a memory whose content appears in several
 * vaults (the same fact stored twice) is kept once with its best score, and
 * each window keeps its own limit, so recent context cannot crowd out old
 * facts or the reverse. Windows stay in band order.
 */
export function mergeHits(
  windows: readonly { window: MemoryWindow; limit: number }[],
  perVault: readonly { address: VaultAddress; windows: readonly WindowResult[] }[],
): RankedHit[] {
  const merged: RankedHit[] = [];
  for (const { window, limit } of windows) {
    const best = new Map<string, RankedHit>();
    for (const { address, windows: results } of perVault) {
      const result = results.find((candidate) => candidate.window === window);
      for (const hit of result?.hits ?? []) {
        const key = contentKey(hit.memory.content);
        const current = best.get(key);
        if (current === undefined || hit.score > current.score) best.set(key, { ...hit, address });
      }
    }
    const ranked = [...best.values()].sort(
      (a, b) => b.score - a.score || b.memory.createdAt - a.memory.createdAt,
    );
    merged.push(...ranked.slice(0, limit));
  }
  return merged;
}
