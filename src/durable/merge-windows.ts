import type { WindowSearch } from '../kronos/plan';
import { contentKey } from './vault-usage';
import type { SearchHitRecord, WindowResult } from './vault-types';

/**
 * Merges per-vault window results into one ranked list per window: hits from
 * every vault compete on score, a memory whose content appears in several
 * vaults (the same fact stored twice) is kept once with its best score, and
 * each window keeps its own limit, so recent context cannot crowd out old
 * facts or the reverse. Windows stay in band order.
 *
 * Pure, and here rather than in the resolvers because both sides of a
 * multi-vault search run it: the Worker to answer, and the vault that leads
 * the search (vault-fan-out.ts) to bill exactly the hits the Worker returns.
 * `source` tags each hit with the vault it came from.
 */
export function mergeWindowHits<Source>(
  windows: readonly Pick<WindowSearch, 'window' | 'limit'>[],
  perVault: readonly { source: Source; windows: readonly WindowResult[] }[],
): { hit: SearchHitRecord; source: Source }[] {
  const merged: { hit: SearchHitRecord; source: Source }[] = [];
  for (const { window, limit } of windows) {
    const best = new Map<string, { hit: SearchHitRecord; source: Source }>();
    for (const { source, windows: results } of perVault) {
      const result = results.find((candidate) => candidate.window === window);
      for (const hit of result?.hits ?? []) {
        const key = contentKey(hit.memory.content);
        const current = best.get(key);
        if (current === undefined || hit.score > current.hit.score) best.set(key, { hit, source });
      }
    }
    const ranked = [...best.values()].sort(
      (a, b) => b.hit.score - a.hit.score || b.hit.memory.createdAt - a.hit.memory.createdAt,
    );
    merged.push(...ranked.slice(0, limit));
  }
  return merged;
}

/** The memory tokens a multi-vault search bills: those of its merged hits, each once. */
export function mergedSearchTokens(
  windows: readonly Pick<WindowSearch, 'window' | 'limit'>[],
  perVault: readonly { windows: readonly WindowResult[] }[],
): number {
  let total = 0;
  const tagged = perVault.map(({ windows: found }) => ({ source: null, windows: found }));
  for (const { hit } of mergeWindowHits(windows, tagged)) total += hit.memory.tokens;
  return total;
}
