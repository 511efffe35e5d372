import type { WindowSearch } from '../../kronos/plan';
import type { MemoryWindow } from '../../kronos/windows';
import { BestByContent, contentKey } from '../../core/best-by-content';
import type { SearchHitRecord, WindowResult } from '../rpc/vault-types';

/**
 * Merges per-vault window results into one ranked list per window: hits from
 * every vault compete on score, a memory whose content appears in several
 * vaults (the same fact stored twice) is kept once with its best score, and
 * each window keeps its own limit, so recent context cannot crowd out old
 * facts or the reverse. Windows stay in band order. Sound because a score
 * means the same in every vault (HYBRID's fused score and TEXT's s / (s + F)
 * are on scales of their own, score-fusion.ts; VECTOR's cosine does not
 * depend on the vault). Equal scores keep each vault's own order (a vault
 * ranks its ties, e.g. HYBRID's word matches capped level in text's order):
 * the better-placed in its vault first, then the later-stored. Each vault
 * answers its window's limit of distinct contents (vault-queries.ts), so a
 * content's duplicates never leave the merged window short.
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
    const best = new BestByContent<{ hit: SearchHitRecord; source: Source; place: number }>();
    for (const { source, windows: results } of perVault) {
      const result = results.find((candidate) => candidate.window === window);
      const hits = result?.hits ?? [];
      for (let place = 0; place < hits.length; place++) {
        const hit = hits[place]!;
        best.offer(
          hit.memory.content,
          { hit, source, place },
          (offered, kept) => offered.hit.score > kept.hit.score,
        );
      }
    }
    const ranked = [...best.values()].sort(
      (a, b) =>
        b.hit.score - a.hit.score ||
        a.place - b.place ||
        b.hit.memory.createdAt - a.hit.memory.createdAt,
    );
    for (const { hit, source } of ranked.slice(0, limit)) merged.push({ hit, source });
  }
  return merged;
}

/**
 * What the vault leading a multi-vault search needs of the merge: the
 * memory tokens its hits bill, and per window the contents that made it.
 * Every vault's windows cut to the hits of those contents (`keepsHit`) merge
 * to the very same list, in the same order: each kept content keeps all its
 * hits, so its best hit is unchanged, and every hit above a kept one in its
 * vault's list scores at least as much and was kept too, so its place in
 * its vault is unchanged. So the leader need only hand on those.
 */
export function mergedContents(
  windows: readonly Pick<WindowSearch, 'window' | 'limit'>[],
  perVault: readonly (readonly WindowResult[])[],
): { memoryTokens: number; contents: Map<MemoryWindow, Set<string>> } {
  const tagged = perVault.map((found) => ({ source: null, windows: found }));
  let memoryTokens = 0;
  const contents = new Map<MemoryWindow, Set<string>>();
  for (const search of windows) {
    const kept = new Set<string>();
    for (const { hit } of mergeWindowHits([search], tagged)) {
      memoryTokens += hit.memory.tokens;
      kept.add(contentKey(hit.memory.content));
    }
    contents.set(search.window, kept);
  }
  return { memoryTokens, contents };
}

/** Whether a hit's content made its window of the merged list (`mergedContents`). */
export function keepsHit(
  contents: ReadonlyMap<MemoryWindow, ReadonlySet<string>>,
  window: MemoryWindow,
  content: string,
): boolean {
  return contents.get(window)?.has(contentKey(content)) === true;
}
