import type { TermPostings } from './term-postings';

/**
 * Recently read postings of the full-text index, by term. Reading a term's
 * postings through `fts5vocab` costs about a microsecond per occurrence, and
 * the same terms come back query after query (the names of the people in a
 * conversation above all), so the vault keeps the latest ones, up to
 * `maxPostings` occurrences in all (8 bytes each), least recently used out
 * first. A write or delete forgets the terms of the memories it touched, so
 * what is kept is always what the index holds. Each entry also counts
 * ENTRY_WEIGHT occurrences for its own keeping, so the terms no memory holds
 * (a query's misspellings and unknown words, looked up with empty postings)
 * cannot pile up without bound in a long-lived vault.
 */
const ENTRY_WEIGHT = 16;

/** What an entry counts against the cache's bound: its occurrences and its own keeping. */
const weightOf = (postings: TermPostings) => postings.seqs.length + ENTRY_WEIGHT;

export class PostingsCache {
  private readonly entries = new Map<string, TermPostings>();
  private held = 0;

  constructor(private readonly maxPostings = 250_000) {}

  get(term: string, read: (term: string) => TermPostings): TermPostings {
    const cached = this.entries.get(term);
    if (cached !== undefined) {
      this.entries.delete(term);
      this.entries.set(term, cached);
      return cached;
    }
    const postings = read(term);
    if (postings.seqs.length > this.maxPostings) return postings;
    this.entries.set(term, postings);
    this.held += weightOf(postings);
    for (const [oldest, evicted] of this.entries) {
      if (this.held <= this.maxPostings) break;
      this.entries.delete(oldest);
      this.held -= weightOf(evicted);
    }
    return postings;
  }

  forget(terms: Iterable<string>): void {
    for (const term of terms) {
      const cached = this.entries.get(term);
      if (cached === undefined) continue;
      this.entries.delete(term);
      this.held -= weightOf(cached);
    }
  }

  clear(): void {
    this.entries.clear();
    this.held = 0;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Occurrences held over all terms, with each entry's own weight (what the bound counts). */
  get postings(): number {
    return this.held;
  }
}
