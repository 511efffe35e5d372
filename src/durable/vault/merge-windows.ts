import type { WindowSearch } from '../../kronos/plan';
import { BestByContent } from '../../core/best-by-content';
import type { MergedWindow, SearchHitRecord, WindowResult } from '../rpc/vault-types';

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
 * the better-placed in its vault first, then the later-stored, then the
 * smaller memory id (`mergedOrder`), so the order does not depend on the
 * order the vaults are listed in. Each vault answers its window's limit of
 * distinct contents (vault-queries.ts), so a content's duplicates never
 * leave the merged window short.
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
  const results = perVault.map(({ windows: found }) => found);
  for (const { window, limit } of windows)
    for (const { hit, vault } of mergeWindow(window, limit, results).ranked)
      merged.push({ hit, source: perVault[vault]!.source });
  return merged;
}

/**
 * What the vault leading a multi-vault search needs of the merge: the
 * memory tokens its hits bill, and how many hits of each vault's window
 * (`handOn[vault][place of the window in that vault's results]`) to hand on:
 * each window up to its last hit that is a merged content's best (none when
 * it holds none). Those cut windows merge to the very same list, in the same
 * order, whatever the ties: every hit keeps its place in its vault (a cut
 * window is a prefix of what the vault answered), every merged content keeps
 * the hit it was merged by (all its hits worse than that one may go, as they
 * never count), and a content that missed the list only loses hits, so it
 * can only rank lower. The leader need only hand on those. With distinct
 * contents and scores a vault's merged hits are a prefix of its window
 * anyway, so the cut hands on the merged hits and few others.
 */
export function mergedHits(
  windows: readonly Pick<WindowSearch, 'window' | 'limit'>[],
  perVault: readonly (readonly WindowResult[])[],
): { memoryTokens: number; handOn: number[][]; merged: MergedWindow[] } {
  let memoryTokens = 0;
  const handOn = perVault.map((results) => results.map(() => 0));
  const merged: MergedWindow[] = [];
  for (const { window, limit } of windows) {
    const { ranked, found } = mergeWindow(window, limit, perVault);
    const order: MergedWindow = { window, vaults: [], places: [] };
    for (const { hit, vault, place } of ranked) {
      memoryTokens += hit.memory.tokens;
      const lengths = handOn[vault]!;
      const at = found[vault]!;
      if (lengths[at]! <= place) lengths[at] = place + 1;
      order.vaults.push(vault);
      order.places.push(place);
    }
    merged.push(order);
  }
  return { memoryTokens, handOn, merged };
}

/**
 * A led search's merged list as its leader handed it on (`merged`, from
 * `mergedHits`), read from the handed-on windows without merging them
 * again: what `mergeWindowHits` answers for those windows, for no content
 * key and no sort. Null when the order does not fit the windows (a window
 * missing or out of order, a place past its window's hits), so the caller
 * merges them itself: a leader's answer is trusted only as far as it is
 * consistent.
 */
export function handedOnHits<Source>(
  windows: readonly Pick<WindowSearch, 'window'>[],
  perVault: readonly { source: Source; windows: readonly WindowResult[] }[],
  merged: readonly MergedWindow[],
): { hit: SearchHitRecord; source: Source }[] | null {
  if (merged.length !== windows.length) return null;
  const hits: { hit: SearchHitRecord; source: Source }[] = [];
  for (let at = 0; at < windows.length; at++) {
    const { window, vaults, places } = merged[at]!;
    if (window !== windows[at]!.window || vaults.length !== places.length) return null;
    for (let entry = 0; entry < vaults.length; entry++) {
      const vault = perVault[vaults[entry]!];
      const hit = vault?.windows.find((candidate) => candidate.window === window)?.hits[
        places[entry]!
      ];
      if (vault === undefined || hit === undefined) return null;
      hits.push({ hit, source: vault.source });
    }
  }
  return hits;
}

/** A hit offered to the merge, with its vault (its index in `perVault`) and its place in its vault's window. */
interface Placed {
  hit: SearchHitRecord;
  vault: number;
  place: number;
}

/**
 * The one merge core behind both: one window's merged list (best first, at
 * most `limit`), each content by its best hit (`mergedOrder`), and where the
 * window is in each vault's results (`found[vault]`, -1 when absent).
 */
function mergeWindow(
  window: WindowSearch['window'],
  limit: number,
  perVault: readonly (readonly WindowResult[])[],
): { ranked: Placed[]; found: number[] } {
  const best = new BestByContent<Placed>();
  const found: number[] = [];
  for (let vault = 0; vault < perVault.length; vault++) {
    const results = perVault[vault]!;
    const at = results.findIndex((candidate) => candidate.window === window);
    found.push(at);
    const hits = at === -1 ? [] : results[at]!.hits;
    for (let place = 0; place < hits.length; place++) {
      const hit = hits[place]!;
      best.offer(hit.memory.content, { hit, vault, place }, placedBefore);
    }
  }
  const ranked = [...best.values()].sort(mergedOrder);
  if (ranked.length > limit) ranked.length = limit;
  return { ranked, found };
}

/** Whether an offered hit is its content's better: it comes first in the merged order. */
const placedBefore = (offered: Placed, kept: Placed): boolean => mergedOrder(offered, kept) < 0;

/**
 * The merged order, of contents by their best hit and of a content's hits:
 * best score, then the better place in its vault, then the later-stored,
 * then the smaller memory id. Ties across vaults are so settled by each
 * content's best place, not by which vault offered it first: the merge of
 * windows cut by `mergedHits` is the same list. Only hits alike in all four
 * (one memory's copies) keep the vaults' order.
 */
const mergedOrder = (a: Placed, b: Placed): number =>
  b.hit.score - a.hit.score ||
  a.place - b.place ||
  b.hit.memory.createdAt - a.hit.memory.createdAt ||
  (a.hit.memory.id < b.hit.memory.id ? -1 : a.hit.memory.id > b.hit.memory.id ? 1 : 0);
