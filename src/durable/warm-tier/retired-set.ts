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
 */
export class RetiredSet {
  private seqs: Set<number> | null = null;
  private staleSeqs: Set<number> | null = null;

  constructor(
    private readonly load: () => number[],
    private readonly loadStale: () => number[],
  ) {}

  /** The filter for a search: null when nothing is retired (searches skip the check). */
  current(): ReadonlySet<number> | null {
    this.seqs ??= new Set(this.load());
    return this.seqs.size === 0 ? null : this.seqs;
  }

  /**
   * Turns whose facts were retired, to demote: null when there are none. A
   * vault where nothing was ever retired reads nothing for it.
   */
  staleTurns(): ReadonlySet<number> | null {
    if (this.current() === null) return null;
    this.staleSeqs ??= new Set(this.loadStale());
    return this.staleSeqs.size === 0 ? null : this.staleSeqs;
  }

  /** Call after the retirement committed. */
  added(seqs: readonly number[]): void {
    if (seqs.length > 0) this.staleSeqs = null; // a retired fact may name turns: read again
    if (this.seqs === null) return; // loaded with them on first use
    for (const seq of seqs) this.seqs.add(seq);
  }

  /** Call after memories were made current again (their successor was deleted). */
  reopened(seqs: readonly number[]): void {
    if (seqs.length === 0) return;
    this.staleSeqs = null; // their facts' turns are no longer stale
    if (this.seqs === null) return;
    for (const seq of seqs) this.seqs.delete(seq);
  }

  /**
   * Call after rows were replaced or deleted: an edited turn has a new seq,
   * and a fact deleted or edited may no longer name its turns.
   */
  rowsChanged(): void {
    this.staleSeqs = null;
  }

  forget(): void {
    this.seqs = null;
    this.staleSeqs = null;
  }
}
