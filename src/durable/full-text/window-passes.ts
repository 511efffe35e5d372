import { kthLargest } from '../hot-tier/selection';

/**
 * A window's candidate memories while they are many (typed arrays, sized to
 * the window's scored passages): seq, best passage and score of each.
 */
export class WindowHits {
  readonly seqs: Int32Array;
  readonly passages: Int32Array;
  readonly scores: Float64Array;
  count = 0;

  constructor(capacity: number) {
    this.seqs = new Int32Array(capacity);
    this.passages = new Int32Array(capacity);
    this.scores = new Float64Array(capacity);
  }

  add(seq: number, passage: number, score: number): void {
    const at = this.count++;
    this.seqs[at] = seq;
    this.passages[at] = passage;
    this.scores[at] = score;
  }

  /** Makes every score relative to the best (best = 1); returns the best. */
  relativeToBest(): number {
    let top = 0;
    for (let i = 0; i < this.count; i++) if (this.scores[i]! > top) top = this.scores[i]!;
    for (let i = 0; i < this.count; i++) this.scores[i] = this.scores[i]! / top;
    return top;
  }

  /**
   * The lowest score a hit may have and still reach the `limit` best once
   * boosted by at most `lift`: more than `lift` below the `limit`-th best
   * (with a margin for rounding), it stays below at least `limit` others.
   */
  floor(limit: number, lift: number): number {
    return this.count <= limit
      ? -Infinity
      : kthLargest(this.scores.slice(0, this.count), limit) - lift - 1e-9;
  }
}

/** A window's hits with their boosted scores, in parallel arrays. */
export interface Hits {
  seqs: number[];
  passages: number[];
  scores: number[];
}

/**
 * A window's text pass as one read ranked it: its candidate memories (their
 * scores relative to the best) and those of them boosted so far, down to
 * `floor`. The same window asked again with a deeper pool (a window's fill,
 * vault-queries.ts) starts from it: the candidates are the same (the
 * ranking's scores are), the deeper floor is lower, and only the hits
 * between the two floors are boosted anew, each as it would be alone (a
 * hit's boost depends on its memory, not on the others, while the name
 * boost needs no metadata look-up: `boostsAlone`).
 */
export interface WindowPass {
  /** What the pass is of: the ranking's scores, the query, the window's passages, the allowed memories. */
  key: PassKey;
  found: WindowHits;
  /** The best score before it was made 1. */
  top: number;
  /** Hits boosted so far: every candidate at or above `floor`. */
  floor: number;
  hits: Hits;
  /** Each hit's score before its boosts. */
  relative: number[];
  /** What names and dates added to each hit. */
  boosts: number[];
}

export interface PassKey {
  scored: object;
  query: object;
  ranking: object;
  corpus: object | undefined;
  version: number;
  start: number;
  end: number;
  lift: number;
  allowed: object | undefined;
}

function sameKey(a: PassKey, b: PassKey): boolean {
  return (
    a.scored === b.scored &&
    a.query === b.query &&
    a.ranking === b.ranking &&
    a.corpus === b.corpus &&
    a.version === b.version &&
    a.start === b.start &&
    a.end === b.end &&
    a.lift === b.lift &&
    a.allowed === b.allowed
  );
}

/** The passes of one read's windows (a search asks a handful). */
const KEPT_PASSES = 8;

export class WindowPasses {
  private readonly passes: WindowPass[] = [];

  find(key: PassKey): WindowPass | undefined {
    return this.passes.find((pass) => sameKey(pass.key, key));
  }

  keep(pass: WindowPass): void {
    if (this.passes.length >= KEPT_PASSES) this.passes.shift();
    this.passes.push(pass);
  }

  clear(): void {
    this.passes.length = 0;
  }
}

/** A pass of `found` with nothing boosted yet. */
export function newPass(key: PassKey, found: WindowHits, top: number): WindowPass {
  return {
    key,
    found,
    top,
    floor: Infinity,
    hits: { seqs: [], passages: [], scores: [] },
    relative: [],
    boosts: [],
  };
}

/**
 * The pass's hits at or above `floor`, boosting (`boost`: adds to the
 * scores and boosts of the hits from index `from` on) the candidates
 * between `floor` and what the pass boosted before; `fresh` drops what was
 * boosted before and boosts every hit again. Each hit's scores are its
 * own: which other hits are present changes none of them. Returned in no
 * particular order (the ranking's order is total: score, then passage);
 * the caller copies before changing them.
 */
export function hitsDownTo(
  pass: WindowPass,
  floor: number,
  fresh: boolean,
  boost: (hits: Hits, boosts: number[], from: number) => void,
): { hits: Hits; boosts: number[] } {
  if (fresh) {
    pass.floor = Infinity;
    pass.hits = { seqs: [], passages: [], scores: [] };
    pass.relative = [];
    pass.boosts = [];
  }
  const { found, hits, relative, boosts } = pass;
  if (floor < pass.floor) {
    const from = hits.seqs.length;
    for (let i = 0; i < found.count; i++) {
      const score = found.scores[i]!;
      if (score < floor || score >= pass.floor) continue;
      hits.seqs.push(found.seqs[i]!);
      hits.passages.push(found.passages[i]!);
      hits.scores.push(score);
      relative.push(score);
      boosts.push(0);
    }
    boost(hits, boosts, from);
    pass.floor = floor;
  }
  if (floor === pass.floor) return { hits, boosts };
  // A shallower ask than before: the hits at or above its floor.
  const taken: Hits = { seqs: [], passages: [], scores: [] };
  const takenBoosts: number[] = [];
  for (let i = 0; i < relative.length; i++) {
    if (relative[i]! < floor) continue;
    taken.seqs.push(hits.seqs[i]!);
    taken.passages.push(hits.passages[i]!);
    taken.scores.push(hits.scores[i]!);
    takenBoosts.push(boosts[i]!);
  }
  return { hits: taken, boosts: takenBoosts };
}
