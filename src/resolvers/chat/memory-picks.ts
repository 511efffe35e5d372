import { MAX_HITS_PER_WINDOW } from '../../core/limits';
import type { WindowSearch } from '../../kronos/plan';
import { bestFirst, type RankedHit } from '../merge-hits';
import { queryTerms, tokenize } from '../../text/tokens';

/**
 * A hit scoring under this share of the read's best hit is not memory for
 * the chat. First set at 0.3 from review 101's data: its answers looked for
 * score at least 0.36 of their read's best, recent filler 0.17–0.22.
 * Raised to 0.4 after review 103 #6 ("is Jon allergic to anything?"
 * injected the allergy note and ten turns matching only "Jon", each about
 * 0.31 of it): measured again on the ranking of today, LoCoMo's evidence
 * among a read of twelve loses nothing at 0.4 (779 of 779 turns; 778 at
 * 0.45, 771 at 0.7: bench/recall/chat-floor.study.ts) and the four
 * friends' answers sit at 0.45 of the best or more ("where does carlos
 * live" → "Moved to Denver"), so 0.5 would lose a changed fact.
 */
export const SCORE_FLOOR_RATIO = 0.4;

/**
 * The windows as a chat reads them: each one a little deeper than its own
 * limit (twice it, or the other windows' limits added up when less, never
 * past MAX_HITS_PER_WINDOW), so that the slots other windows free (their
 * hits under the floor, or none at all) can go to its next best hits. A
 * window of limit 0 stays unread.
 */
export function deeperWindows(windows: readonly WindowSearch[]): WindowSearch[] {
  const slots = totalSlots(windows);
  return windows.map((search) =>
    search.limit === 0
      ? search
      : {
          ...search,
          limit: Math.min(
            MAX_HITS_PER_WINDOW,
            search.limit + Math.min(search.limit, slots - search.limit),
          ),
        },
  );
}

/** What a chat's picks know of its read beyond the hits. */
export interface PickContext {
  /** The user's words the read searched with. */
  query: string;
  /** Whether the caller named the windows (ChatInput.windows, X-Memory-Windows): their limits are then kept exactly. */
  explicitWindows: boolean;
}

/**
 * The memories a chat keeps of a read, best first. `hits` come best first
 * across windows (mergeHits), each window's in its own order and read
 * deeper than its limit (deeperWindows); only each window's own order
 * matters here. `windows` carry each window's own limit.
 *
 * KRONOS still holds: each window keeps up to its limit of its own best
 * hits, so recent context cannot crowd out old facts or the reverse. But a
 * hit far below the best of the whole read (under SCORE_FLOOR_RATIO of it)
 * is dropped whatever its window, and the slots so freed, with those of
 * windows that found too little, go to the next best hits of the other
 * windows, by score, but only to a hit with evidence of its own: its own
 * text holds a word of the query (hasOwnWord). A turn's text score also
 * borrows its neighbours' words, so without that test every recent turn of
 * a conversation scores and fills the freed places with chatter (review
 * 102 #1). Windows the caller named are never read past their limits: the
 * caller asked for those numbers. The read keeps at most the windows'
 * limits added up. Equal scores keep the read's order: the more recent
 * window first, then the vault's own order.
 */
export function pickAcrossWindows(
  hits: readonly RankedHit[],
  windows: readonly WindowSearch[],
  context: PickContext,
): RankedHit[] {
  if (hits.length === 0) return [];
  const best = Math.max(...hits.map((hit) => hit.score));
  // A floor is a share of a positive best: with none (nothing scored above
  // 0), no hit is dropped for its score.
  const floor = best > 0 ? best * SCORE_FLOOR_RATIO : -Infinity;
  const limits = new Map(windows.map(({ window, limit }) => [window, limit]));
  const taken = new Map<RankedHit['window'], number>();
  const own: RankedHit[] = [];
  const spare: RankedHit[] = [];
  const terms = new Set(queryTerms(context.query));
  for (const hit of hits) {
    if (hit.score < floor) continue;
    const count = taken.get(hit.window) ?? 0;
    if (count < (limits.get(hit.window) ?? 0)) {
      taken.set(hit.window, count + 1);
      own.push(hit);
    } else if (!context.explicitWindows && hasOwnWord(hit, terms)) spare.push(hit);
  }
  const freed = totalSlots(windows) - own.length;
  const kept = new Set([...own, ...bestFirst(spare).slice(0, Math.max(0, freed))]);
  return bestFirst(hits.filter((hit) => kept.has(hit)));
}

/** Whether the hit's own text (not its neighbours') holds one of the query's terms. */
function hasOwnWord(hit: RankedHit, terms: ReadonlySet<string>): boolean {
  return tokenize(hit.memory.content).some(({ term }) => terms.has(term));
}

function totalSlots(windows: readonly WindowSearch[]): number {
  return windows.reduce((sum, { limit }) => sum + limit, 0);
}
