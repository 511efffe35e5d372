import { outnumbers } from '../full-text/typo-holders';
import type { VaultSpelling, WindowResult } from '../rpc/vault-types';

/**
 * A search over several vaults reads a word one of them holds as written in
 * the others too: a vault forgives a query word it lacks (or holds rarely)
 * as a near word it holds, but "Maria", held in CORE, is not "Marta" in a
 * session vault that only knows Marta. Each vault ranks at the same time as
 * the others (vault-fan-out.ts), so none can know beforehand what the
 * others hold: a vault that forgave a word answers its windows both ways
 * (`VaultSpelling`), and the merge keeps, per vault, the windows that the
 * holders of every vault allow: a forgiven word is kept only while its
 * near word outnumbers the memories of all vaults that hold the word
 * itself (the rule one vault applies, typo-holders.ts).
 */
export function windowsAcrossVaults(
  vaults: readonly { windows: WindowResult[]; spelling?: VaultSpelling }[],
): WindowResult[][] {
  const heldInAll = new Map<string, number>();
  for (const { spelling } of vaults)
    for (const [term, holders] of Object.entries(spelling?.held ?? {}))
      heldInAll.set(term, (heldInAll.get(term) ?? 0) + holders);
  return vaults.map(({ windows, spelling }) => {
    if (spelling?.asWritten === undefined) return windows;
    const heldElsewhere = Object.entries(spelling.forgiven).some(([term, nearHolders]) => {
      const all = heldInAll.get(term) ?? 0;
      return all > (spelling.held[term] ?? 0) && !outnumbers(nearHolders, all);
    });
    return heldElsewhere ? spelling.asWritten : windows;
  });
}
