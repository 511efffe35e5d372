import type { WindowSearch } from '../../kronos/plan';
import { BestByContent } from '../../core/best-by-content';
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
        best.offer(hit.memory.content, { hit, source, place }, betterScore);
      }
    }
    const ranked = [...best.values()].sort(mergedOrder);
    for (const { hit, source } of ranked.slice(0, limit)) merged.push({ hit, source });
  }
  return merged;
}

const betterScore = (offered: Placed, kept: Placed): boolean => offered.hit.score > kept.hit.score;

/** A hit with its place in its vault's window. */
interface Placed {
  hit: SearchHitRecord;
  place: number;
}

/** The merged order: best score, then the better place in its vault, then the later-stored. */
const mergedOrder = (a: Placed, b: Placed): number =>
  b.hit.score - a.hit.score || a.place - b.place || b.hit.memory.createdAt - a.hit.memory.createdAt;

/**
 * What the vault leading a multi-vault search needs of the merge: the
 * memory tokens its hits bill, and every hit (of every vault, by identity)
 * whose content made its window of the merged list. Every vault's windows
 * cut to those hits merge to the very same list, in the same order: each
 * kept content keeps all its hits, so its best hit is unchanged, and every
 * hit above a kept one in its vault's list scores at least as much and was
 * kept too, so its place in its vault is unchanged. So the leader need only
 * hand on those. Each hit's content is keyed once (`contentKey`), in the
 * merge itself: the cut asks the set, not the content again.
 */
export function mergedHits(
  windows: readonly Pick<WindowSearch, 'window' | 'limit'>[],
  perVault: readonly (readonly WindowResult[])[],
): { memoryTokens: number; kept: Set<SearchHitRecord> } {
  let memoryTokens = 0;
  const kept = new Set<SearchHitRecord>();
  for (const { window, limit } of windows) {
    const best = new BestByContent<Placed>();
    const offered: SearchHitRecord[] = [];
    // Per offered hit, its content's place in `best`.
    const contentOf: number[] = [];
    for (const results of perVault) {
      const hits = results.find((candidate) => candidate.window === window)?.hits ?? [];
      for (let place = 0; place < hits.length; place++) {
        const hit = hits[place]!;
        offered.push(hit);
        contentOf.push(best.offer(hit.memory.content, { hit, place }, betterScore));
      }
    }
    const entries = best.values();
    // Sorted as mergeWindowHits sorts the entries (a stable sort from the same order).
    const order = entries
      .map((_, at) => at)
      .sort((a, b) => mergedOrder(entries[a]!, entries[b]!))
      .slice(0, limit);
    const made = new Uint8Array(entries.length);
    for (const at of order) {
      made[at] = 1;
      memoryTokens += entries[at]!.hit.memory.tokens;
    }
    for (let at = 0; at < offered.length; at++)
      if (made[contentOf[at]!] === 1) kept.add(offered[at]!);
  }
  return { memoryTokens, kept };
}
