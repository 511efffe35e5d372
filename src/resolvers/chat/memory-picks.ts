import { MAX_HITS_PER_WINDOW } from '../../core/limits';
import { BestByContent } from '../../core/best-by-content';
import type { WindowSearch } from '../../kronos/plan';
import { bestFirst, isSmallTalk, type RankedHit } from '../merge-hits';
import { queryTerms, tokenize } from '../../text/tokens';
import { opensWithSpeakerLabel } from '../../durable/full-text/turn-voices';
import { STALE_TURN_WEIGHT } from '../../durable/queries/stale-turns';
import { vaultLabel } from '../../vaults/address';

/**
 * A hit scoring under this share of the read's best hit is not memory for
 * the chat. Taken from the outside review's data (review 101): the answers
 * 49 of its 50 questions look for score at least 0.36 of the best hit of
 * their read (a changed fact found by a name alone: "where does carlos
 * live" → "Moved to Denver", 0.132 beside 0.365; the 50th, 0.27, is a
 * misread "wheres", 11th in its read anyway), while the recent filler that crowded out
 * a strong older answer scores 0.17–0.22 of it ("does carlos still work at
 * redwood bank": ramen turns 0.043–0.054 beside 0.257). 0.3 sits between.
 */
export const SCORE_FLOOR_RATIO = 0.3;

/**
 * The floor for a hit that holds no word of the question of its own but
 * the names of people who speak in the read ("Jon: Cool, where is it?" for
 * "Is Jon allergic to anything?"): such turns score about 0.31 of an
 * answer, and filled chat's places beside it (review 103 #6: the note and
 * ten of Jon's turns). 0.4 loses no evidence: LoCoMo's among a read of
 * twelve stays 779 of 779 turns under 0.4 for every hit (778 at 0.45, 771
 * at 0.7), and the lowest answer of the four friends' vaults, the changed
 * fact "Moved to Denver" (found by "Carlos" alone), sits at 0.45
 * (bench/recall/chat-floor.study.ts). For every hit it would also drop
 * answers that hold a word of their own beside one that borrows its
 * neighbours' words ("the Oslo hotel…" for "weather in Oslo?"), hence
 * names only.
 */
export const NAME_ONLY_FLOOR_RATIO = 0.4;

/**
 * How many memories a chat injects from a read in which no hit holds a word
 * of the question of its own but the names of the read's speakers ("Is Anna
 * allergic to anything?" with nothing stored of allergies: every hit is one
 * of Anna's turns, or recent filler). Such a read has no answer by its words,
 * so its hits tie near one another and a floor relative to the best cuts
 * nothing (review 104 #3: twelve of Anna's turns injected). The best few
 * stay: an answer in other words (found by meaning, or by its neighbours'
 * words) ranks first among them. Measured in bench/recall/chat-floor.study.ts
 * (BENCHMARKS.md, "Chat's unanswered questions").
 */
export const NAME_ONLY_READ_LIMIT = 2;

/**
 * The windows as a chat reads them: each one as deep as the windows'
 * limits added up (never past MAX_HITS_PER_WINDOW), so that every slot the
 * other windows free (their hits under the floor, or none at all) can go
 * to its next best hits: a chat's places are all reachable from any one
 * window. Read twice its limit before (8 of 12 by default), one window
 * that alone held the answers filled 9 places at most and left the others
 * free (outside review 253 F8). A window of limit 0 stays unread.
 */
export function deeperWindows(windows: readonly WindowSearch[]): WindowSearch[] {
  const slots = totalSlots(windows);
  return windows.map((search) =>
    search.limit === 0 ? search : { ...search, limit: Math.min(MAX_HITS_PER_WINDOW, slots) },
  );
}

/** What a chat's picks know of its read beyond the hits. */
export interface PickContext {
  /** The user's words the read searched with. */
  query: string;
  /** Whether the caller named the windows (ChatInput.windows, X-Memory-Windows): their limits are then kept exactly. */
  explicitWindows: boolean;
  /** NAME_ONLY_READ_LIMIT unless a study measures another. */
  nameOnlyReadLimit?: number;
  /**
   * Whether the query names a day or a period ("tomorrow", "on the 28th",
   * "last week"): its memories are found by their dates, in their time or
   * as their text writes the day ("November 28"), not by a word of the
   * question, so such a read is never cut as a names-only one. A function
   * is asked only for a read that would be cut so (few are): reading the
   * query's dates is not on the way to the first token otherwise.
   */
  namesDate?: boolean | (() => boolean);
  /**
   * A window read beside the others for some vaults only (CORE's ARCHIVE
   * when the chat names no windows: search-memories.ts `alsoArchive`): its
   * places left unused go to no other window, so a chat whose CORE holds
   * nothing old picks exactly what it picked without it.
   */
  keepsOwnPlaces?: WindowSearch['window'] | null;
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
 * is dropped whatever its window, as is one under NAME_ONLY_FLOOR_RATIO
 * whose own text holds no word of the query but the names of the read's
 * speakers; the slots so freed, with those of
 * windows that found too little, go to the next best hits of the other
 * windows, by score, but only to a hit with evidence of its own: its own
 * text holds a word of the query (hasOwnWord). A turn's text score also
 * borrows its neighbours' words, so without that test every recent turn of
 * a conversation scores and fills the freed places with chatter (review
 * 102 #1). Windows the caller named are never read past their limits: the
 * caller asked for those numbers. The read keeps at most the windows'
 * limits added up, and at most NAME_ONLY_READ_LIMIT when none of its hits
 * holds a word of the query but speakers' names; small talk alone is never
 * kept. Equal scores keep the read's order: the more recent window first,
 * then the vault's own order.
 *
 * A content found in several windows (the same fact said on different
 * days) takes one place, by its best hit (onePerContent): the model reads
 * it once and it is billed once; the windows that lose it found that much
 * less, so their places go to the next best as any freed place does.
 */
export function pickAcrossWindows(
  found: readonly RankedHit[],
  windows: readonly WindowSearch[],
  context: PickContext,
): RankedHit[] {
  if (found.length === 0) return [];
  const hits = onePerContent(found);
  const best = Math.max(...hits.map((hit) => hit.score));
  // A floor is a share of a positive best: with none (nothing scored above
  // 0), no hit is dropped for its score.
  const floor = best > 0 ? best * SCORE_FLOOR_RATIO : -Infinity;
  const nameOnlyFloor = best > 0 ? best * NAME_ONLY_FLOOR_RATIO : -Infinity;
  const limits = new Map(windows.map(({ window, limit }) => [window, limit]));
  const taken = new Map<RankedHit['window'], number>();
  const own: RankedHit[] = [];
  const spare: RankedHit[] = [];
  const terms = new Set(queryTerms(context.query));
  const words = new Set(terms);
  for (const speaker of speakersOf(hits)) words.delete(speaker);
  const read = readHits(hits);
  // A read none of whose hits holds a word of the question but names keeps
  // only its best few (NAME_ONLY_READ_LIMIT), when the question asks more.
  const nameOnlyRead =
    words.size > 0 &&
    !hits.some((_, at) => !read.smallTalk(at) && read.holds(at, words)) &&
    !namesDate(context);
  for (const [at, hit] of hits.entries()) {
    // Small talk alone ("Got it.") answers nothing: never injected, even
    // where it borrows its neighbours' words (review 104 #6).
    if (read.smallTalk(at)) continue;
    if (hit.score < floor) continue;
    if (hit.score < nameOnlyFloor && !read.holds(at, words)) continue;
    const count = taken.get(hit.window) ?? 0;
    if (count < (limits.get(hit.window) ?? 0)) {
      taken.set(hit.window, count + 1);
      own.push(hit);
    } else if (!context.explicitWindows && read.holds(at, terms)) spare.push(hit);
  }
  const apart = context.keepsOwnPlaces ?? null;
  const freed =
    totalSlots(windows.filter(({ window }) => window !== apart)) -
    own.filter((hit) => hit.window !== apart).length;
  const kept = new Set([...own, ...bestFirst(spare).slice(0, Math.max(0, freed))]);
  const picked = bestFirst(hits.filter((hit) => kept.has(hit)));
  return withCurrentFacts(
    nameOnlyRead ? picked.slice(0, context.nameOnlyReadLimit ?? NAME_ONLY_READ_LIMIT) : picked,
    hits,
    windows,
    floor * STALE_TURN_WEIGHT,
  );
}

/**
 * The hits with each content once (core/best-by-content.ts `contentKey`,
 * the identity a window already dedupes by): the best-scored hit, on equal
 * scores the more recently stored, in the read's order. Each window holds a
 * content once already; this is across windows (outside review 253 F2: one
 * fact said in HOT, WORKING and LONG_TERM took three lines of the block).
 */
function onePerContent(hits: readonly RankedHit[]): readonly RankedHit[] {
  const best = new BestByContent<number>();
  for (const [at, hit] of hits.entries())
    best.offer(hit.memory.content, at, (offered, kept) => {
      const a = hits[offered]!;
      const b = hits[kept]!;
      return a.score > b.score || (a.score === b.score && a.memory.createdAt > b.memory.createdAt);
    });
  const kept = best.values();
  if (kept.length === hits.length) return hits;
  const keep = new Set(kept);
  return hits.filter((_, at) => keep.has(at));
}

/**
 * The picks with the memories that replaced what an outdated hit of the read
 * says (SearchHitRecord.outdated: a turn a superseded fact was drawn from, or
 * one that restated it) beside it, whatever their own score: "I live in
 * Lisbon" shown alone reads as true (outside review 213 #3), and the
 * assistant's own "You live in Paris…" outranked "The user lives in Berlin"
 * until the floor cut Berlin (#2). An outdated hit brings them when it
 * would have been picked but for its demotion: scored at least `floor` (the
 * read's floor times the demotion) and not small talk. A memory brought
 * ranks with the hit that brought it (its own score when higher); one the
 * read did not find at all is placed in the window its time falls in. A
 * content is still injected once: a memory brought that says what another
 * pick says (another vault's copy of the same fact) keeps one place, by the
 * better score.
 */
function withCurrentFacts(
  picked: readonly RankedHit[],
  hits: readonly RankedHit[],
  windows: readonly WindowSearch[],
  floor: number,
): RankedHit[] {
  if (!hits.some((hit) => hit.outdated?.current.length)) return [...picked];
  const key = (hit: { memory: { id: string }; address: RankedHit['address'] }) =>
    `${vaultLabel(hit.address)} ${hit.memory.id}`;
  const chosen = new Map(picked.map((hit) => [key(hit), hit]));
  const found = new Map(hits.map((hit) => [key(hit), hit]));
  for (const hit of hits) {
    if (!hit.outdated?.current.length || hit.score < floor || isSmallTalk(hit)) continue;
    for (const memory of hit.outdated.current) {
      const at = key({ memory, address: hit.address });
      const kept = chosen.get(at) ?? found.get(at);
      if (kept !== undefined && chosen.has(at) && kept.score >= hit.score) continue;
      chosen.set(
        at,
        kept !== undefined
          ? { ...kept, score: Math.max(kept.score, hit.score) }
          : {
              memory,
              score: hit.score,
              window: windowOf(memory.createdAt, windows) ?? hit.window,
              match: { start: 0, end: memory.content.length },
              address: hit.address,
            },
      );
    }
  }
  // A memory brought may say what a pick from another vault or window
  // already says (the same fact kept in two vaults, each brought by its own
  // outdated turn): one place for it, as across windows (onePerContent).
  return [...onePerContent(bestFirst([...chosen.values()]))];
}

/** The window a time falls in, of those read; undefined when none holds it. */
function windowOf(time: number, windows: readonly WindowSearch[]): RankedHit['window'] | undefined {
  return windows.find(({ after, until }) => (after === null || time > after) && time <= until)
    ?.window;
}

function namesDate(context: PickContext): boolean {
  return typeof context.namesDate === 'function' ? context.namesDate() : context.namesDate === true;
}

/**
 * What the picks ask of each hit, worked out once per hit and only when
 * asked: whether it is small talk alone, and whether its own text (not its
 * neighbours') holds one of a set of the query's terms. A hit is asked
 * against two sets (the query's words without the speakers' names, and all
 * of them), so its text is tokenized once, not once per question.
 */
function readHits(hits: readonly RankedHit[]): {
  smallTalk(at: number): boolean;
  holds(at: number, terms: ReadonlySet<string>): boolean;
} {
  const smallTalk: (boolean | undefined)[] = new Array(hits.length);
  const ownTerms: (string[] | undefined)[] = new Array(hits.length);
  return {
    smallTalk: (at) => (smallTalk[at] ??= isSmallTalk(hits[at]!)),
    holds: (at, terms) =>
      (ownTerms[at] ??= tokenize(hits[at]!.memory.content).map(({ term }) => term)).some((term) =>
        terms.has(term),
      ),
  };
}

/**
 * The index terms of the speaker labels the hits open with ("Jon: …"):
 * the people who speak in the read. A query word among them is a person's
 * name, not a thing asked about; "Oslo" of "weather in Oslo?" is not one.
 */
function speakersOf(hits: readonly RankedHit[]): Set<string> {
  const speakers = new Set<string>();
  for (const { memory } of hits)
    if (opensWithSpeakerLabel(memory.content))
      for (const { term } of tokenize(memory.content.slice(0, memory.content.indexOf(':'))))
        speakers.add(term);
  return speakers;
}

function totalSlots(windows: readonly WindowSearch[]): number {
  return windows.reduce((sum, { limit }) => sum + limit, 0);
}
