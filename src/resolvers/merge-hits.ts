import { isSmallTalkVoice, voiceOf } from '../durable/full-text/turn-voices';
import { handedOnHits, mergeWindowHits } from '../durable/vault/merge-windows';
import type { MergedWindow, SearchHitRecord, WindowResult } from '../durable/rpc/vault-types';
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
 * Small talk alone comes last (smallTalkLast).
 */
export function mergeHits(
  windows: readonly { window: MemoryWindow; limit: number }[],
  perVault: readonly { address: VaultAddress; windows: readonly WindowResult[] }[],
  /**
   * The merged order a vault that led the search handed on with these
   * windows (`VaultReadOpResult.merged`): read as it is instead of merging
   * again, unless it does not fit them.
   */
  merged?: readonly MergedWindow[],
): RankedHit[] {
  const sources = perVault.map(({ address, windows: found }) => ({
    source: address,
    windows: found,
  }));
  const hits =
    (merged && handedOnHits(windows, sources, merged)) ?? mergeWindowHits(windows, sources);
  return smallTalkLast(bestFirst(hits.map(({ hit, source }) => ({ ...hit, address: source }))));
}

/**
 * Best-first hits with every memory of small talk alone ("OK noted.", "Maya:
 * ok": its stored flag, turn-voices.ts) after every other, scored no higher
 * than the last of those, so the list stays best first. Such a memory says
 * nothing of its own, yet scores by a greeting word of the question ("OK
 * noted." for "Is Noah ok?") or its neighbours' words, and so ranked above
 * the answer (review 104 #6). It still shows, below: a search lists what
 * its windows hold.
 */
export function smallTalkLast<Hit extends RankedHit>(hits: readonly Hit[]): Hit[] {
  const said = hits.filter((hit) => !isSmallTalk(hit));
  if (said.length === hits.length) return [...hits];
  const lowest = Math.min(...said.map((hit) => hit.score));
  return [
    ...said,
    ...hits
      .filter((hit) => isSmallTalk(hit))
      .map((hit) => (hit.score > lowest ? { ...hit, score: lowest } : hit)),
  ];
}

/** Whether the hit's memory is small talk alone, by the rule its stored flag follows. */
export function isSmallTalk(hit: RankedHit): boolean {
  return isSmallTalkVoice(voiceOf('USER', hit.memory.content, false));
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
