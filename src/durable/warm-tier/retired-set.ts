/**
 * Seqs of the memories that were superseded or declared no longer true.
 * Searches consult it as a filter instead of retired rows leaving the hot
 * vector index and the text timeline: the row stays searchable with
 * `includeSuperseded`, history reads it, and neither index (nor its
 * checkpoint) changes on a retirement. Loaded on first use after wake-up,
 * kept in step by the write path.
 */
export class RetiredSet {
  private seqs: Set<number> | null = null;

  constructor(private readonly load: () => number[]) {}

  /** The filter for a search: null when nothing is retired (searches skip the check). */
  current(): ReadonlySet<number> | null {
    this.seqs ??= new Set(this.load());
    return this.seqs.size === 0 ? null : this.seqs;
  }

  /** Call after the retirement committed. */
  added(seqs: readonly number[]): void {
    if (this.seqs === null) return; // loaded with them on first use
    for (const seq of seqs) this.seqs.add(seq);
  }

  forget(): void {
    this.seqs = null;
  }
}
