import type { RetiredFact } from '../full-text/retired-facts';

/** A retired memory's seq and the time it stopped being valid (its `valid_until`). */
export interface RetiredSeq {
  seq: number;
  validUntil: number;
}

/** A stale turn's seq and the earliest time one of its facts was retired. */
export interface StaleTurnSeq {
  seq: number;
  since: number;
}

/**
 * Seqs of the memories that were superseded or declared no longer true.
 * Searches consult it as a filter instead of retired rows leaving the hot
 * vector index and the text timeline: the row stays searchable with
 * `includeSuperseded`, history reads it, and neither index (nor its
 * checkpoint) changes on a retirement. Loaded on first use after wake-up,
 * kept in step by the write path.
 *
 * It also knows the turns those retirements made stale: the raw turns a
 * retired fact was drawn from. They stay current (a turn may say more than
 * its superseded fact) and searches demote them (stale-turns.ts).
 *
 * Each entry keeps its time, so a search as of an earlier `now` treats what
 * was retired after it as current. A search without `now` (most of them)
 * gets the same set as ever, built once; one with `now` gets a set built
 * for it, one pass over the retired entries.
 */
export class RetiredSet {
  private until: Map<number, number> | null = null;
  private seqs: Set<number> | null = null;
  private staleSince: Map<number, number> | null = null;
  private staleSeqs: Set<number> | null = null;
  private facts: RetiredFact[] | null = null;

  constructor(
    private readonly load: () => RetiredSeq[],
    private readonly loadStale: () => StaleTurnSeq[],
    private readonly loadFacts: () => RetiredFact[],
    /** Whether another vault retired a fact drawn from a turn here (facts kept apart). */
    private readonly loadElsewhere: () => boolean = () => false,
  ) {}

  private elsewhere: boolean | null = null;

  /** Whether turns may be stale: a fact retired here, or one of theirs retired elsewhere. */
  private anyStale(): boolean {
    if (this.current() !== null) return true;
    this.elsewhere ??= this.loadElsewhere();
    return this.elsewhere;
  }

  /**
   * The filter for a search: null when nothing is retired (searches skip the
   * check). With `asOf`, only what was retired by then.
   */
  current(asOf?: number): ReadonlySet<number> | null {
    if (this.until === null) {
      this.until = new Map(this.load().map(({ seq, validUntil }) => [seq, validUntil]));
      this.seqs = new Set(this.until.keys());
    }
    if (this.seqs!.size === 0) return null;
    return asOf === undefined ? this.seqs : retiredBy(this.until, asOf);
  }

  /**
   * Turns whose facts were retired, to demote: null when there are none. A
   * vault where nothing was ever retired reads nothing for it. With `asOf`,
   * only turns one of whose facts was retired by then.
   */
  staleTurns(asOf?: number): ReadonlySet<number> | null {
    if (!this.anyStale()) return null;
    if (this.staleSince === null) {
      this.staleSince = new Map(this.loadStale().map(({ seq, since }) => [seq, since]));
      this.staleSeqs = new Set(this.staleSince.keys());
    }
    if (this.staleSeqs!.size === 0) return null;
    return asOf === undefined ? this.staleSeqs : retiredBy(this.staleSince, asOf);
  }

  /**
   * The retired facts (outdated-memories.ts tells which memories they made
   * outdated): null when there are none. With `asOf`, only those retired by
   * then.
   */
  retiredFacts(asOf?: number): readonly RetiredFact[] | null {
    if (!this.anyStale()) return null;
    this.facts ??= this.loadFacts();
    const facts =
      asOf === undefined ? this.facts : this.facts.filter((fact) => fact.validUntil <= asOf);
    return facts.length === 0 ? null : facts;
  }

  /** Call after the retirement committed. */
  added(retired: readonly RetiredSeq[]): void {
    if (retired.length > 0) this.forgetStale(); // a retired fact may name turns: read again
    if (this.until === null) return; // loaded with them on first use
    for (const { seq, validUntil } of retired) {
      this.until.set(seq, validUntil);
      this.seqs!.add(seq);
    }
  }

  /** Call after memories were made current again (their successor was deleted). */
  reopened(seqs: readonly number[]): void {
    if (seqs.length === 0) return;
    this.forgetStale(); // their facts' turns are no longer stale
    if (this.until === null) return;
    for (const seq of seqs) {
      this.until.delete(seq);
      this.seqs!.delete(seq);
    }
  }

  /** Call after another vault marked turns here outdated (facts kept apart). */
  markedElsewhere(): void {
    this.elsewhere = null;
    this.forgetStale();
  }

  /**
   * Call after rows were replaced or deleted: an edited turn has a new seq,
   * and a fact deleted or edited may no longer name its turns.
   */
  rowsChanged(): void {
    this.forgetStale();
  }

  forget(): void {
    this.until = null;
    this.seqs = null;
    this.elsewhere = null;
    this.forgetStale();
  }

  private forgetStale(): void {
    this.staleSince = null;
    this.staleSeqs = null;
    this.facts = null;
  }
}

/** The seqs retired at or before `asOf`; null when none was. */
function retiredBy(times: ReadonlyMap<number, number>, asOf: number): ReadonlySet<number> | null {
  const seqs = new Set<number>();
  for (const [seq, at] of times) if (at <= asOf) seqs.add(seq);
  return seqs.size === 0 ? null : seqs;
}
