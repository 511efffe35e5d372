import { editDistanceWithin, typoAllowance } from '../../text/edit-distance';
import { spellingKey } from '../../text/term-folding';

/**
 * The distinct terms of a vault's full-text index, for query terms the index
 * does not hold: other spellings of the same word (spellingKey: "soeur" for
 * "sœur") and near misses ("dentst" for "dentist"). Read whole from the index
 * on first need (one pass over its postings, so only for vaults up to
 * `MAX_VOCABULARY_PASSAGES`), then kept: writes add their terms; deletes
 * leave theirs, which then only find no postings.
 */
export class VaultVocabulary {
  private bySpelling: Map<string, string[]> | null = null;
  /** Letter terms by first letter and length in code points ("d6"), for the typo scan. */
  private byLength: Map<string, string[]> | null = null;

  constructor(private readonly readTerms: () => Iterable<string>) {}

  /** Whether the terms were read (so writes must add theirs). */
  get loaded(): boolean {
    return this.bySpelling !== null;
  }

  clear(): void {
    this.bySpelling = null;
    this.byLength = null;
  }

  add(terms: Iterable<string>): void {
    if (this.bySpelling === null || this.byLength === null) return;
    for (const term of terms) {
      const key = spellingKey(term);
      const same = this.bySpelling.get(key);
      if (same === undefined) this.bySpelling.set(key, [term]);
      else if (same.includes(term)) continue;
      else same.push(term);
      if (!LETTERS.test(term)) continue;
      const bucket = bucketOf(term, Array.from(term).length);
      const sameLength = this.byLength.get(bucket);
      if (sameLength === undefined) this.byLength.set(bucket, [term]);
      else sameLength.push(term);
    }
  }

  private load(): void {
    if (this.bySpelling !== null) return;
    this.bySpelling = new Map();
    this.byLength = new Map();
    this.add(this.readTerms());
  }

  /** The vault's other spellings of `term`'s word ("sœur" for "soeur"), not `term` itself. */
  spellings(term: string): string[] {
    this.load();
    return (this.bySpelling!.get(spellingKey(term)) ?? []).filter((other) => other !== term);
  }

  /**
   * Vault terms `term` may be a misspelling of: those at the smallest edit
   * distance within its allowance (typoAllowance), at most `limit`. Only for
   * words of letters (not numbers, which a typo makes another number), and
   * only among words with the same first letter, as spelling checkers do
   * (Lucene's DirectSpellChecker, minPrefix 1): the first letter is rarely
   * the one mistyped, and on LoCoMo's questions, whose words a conversation
   * often simply lacks, the rule took recall from slightly below to slightly
   * above reading them as written (BENCHMARKS.md).
   */
  nearTerms(term: string, limit: number): string[] {
    const allowance = typoAllowance(term);
    if (allowance === 0 || !LETTERS.test(term)) return [];
    this.load();
    const length = Array.from(term).length;
    let best = allowance + 1;
    let near: string[] = [];
    for (let other = length - allowance; other <= length + allowance; other++) {
      for (const candidate of this.byLength!.get(bucketOf(term, other)) ?? []) {
        const distance = editDistanceWithin(term, candidate, Math.min(allowance, best));
        if (distance === null || distance === 0) continue;
        if (distance < best) {
          best = distance;
          near = [candidate];
        } else if (near.length < limit) near.push(candidate);
      }
    }
    return near;
  }
}

function bucketOf(term: string, length: number): string {
  return `${String.fromCodePoint(term.codePointAt(0)!)}${length}`;
}

/** A term made only of letters (not numbers). */
const LETTERS = /^\p{L}{2,}$/u;

/** Past this many passages, reading the whole vocabulary costs more than a query should. */
export const MAX_VOCABULARY_PASSAGES = 20_000;
