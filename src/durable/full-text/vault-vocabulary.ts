import { editDistanceWithin, typoAllowance } from '../../text/edit-distance';
import { stemmer } from 'stemmer';
import { hasCjk } from '../../text/cjk';
import { spellingKey } from '../../text/term-folding';
import { foldedWords } from '../../text/folded-words';
import { isFunctionWord } from '../../text/tokens';
import { MIN_ROOT_LETTERS, sharesRoot } from '../../text/word-roots';

/**
 * The distinct terms and words of a vault's memories, for query terms the
 * index does not hold: other spellings of the same word (spellingKey:
 * "soeur" for "sœur"), found among the index's own terms, and near misses
 * ("dentst" for "dentist"), found among the words as the memories write them
 * (folded: case and diacritics), not among the index's stems: the stemmer
 * cuts a misspelling differently from the word ("weding" → "wede" but
 * "wedding" → "wed", "hikking" → "hik" but "hiking" → "hike"), so a typo's
 * stem is often farther from the word's than the typo from the word, and
 * four letters or fewer, too short to forgive. Read whole on first need (one
 * pass over the index's postings and one over the memories' text, so only
 * for vaults up to `MAX_VOCABULARY_PASSAGES`), then kept: writes add theirs;
 * deletes leave theirs, which then only find no postings.
 */
export class VaultVocabulary {
  private bySpelling: Map<string, string[]> | null = null;
  /** Words of letters by first letter and length in code points ("d6"), for the typo scan. */
  private byLength: Map<string, string[]> | null = null;
  /** The same of the index's terms of letters, for the scan's fallback on stems. */
  private termsByLength: Map<string, string[]> | null = null;
  /** The words met so far. */
  private written: Set<string> | null = null;
  /** The index terms met so far: most of a new memory's are, and need no spelling key. */
  private terms: Set<string> | null = null;

  constructor(
    private readonly readTerms: () => Iterable<string>,
    private readonly readTexts: () => Iterable<string>,
  ) {}

  /** Whether the vocabulary was read (so writes must add theirs). */
  get loaded(): boolean {
    return this.bySpelling !== null;
  }

  clear(): void {
    this.bySpelling = null;
    this.byLength = null;
    this.termsByLength = null;
    this.written = null;
    this.terms = null;
  }

  /**
   * Adds the terms and words of a memory written: `terms` are its index
   * terms as `tokenize` finds them (the caller has them already, for the
   * postings cache). Nothing while the vocabulary is not loaded.
   */
  add(text: string, terms: Iterable<string>): void {
    if (this.bySpelling === null) return;
    this.addTerms(terms);
    this.addWords(writtenWords(text));
  }

  private addTerms(terms: Iterable<string>): void {
    for (const term of terms) {
      if (this.terms!.has(term)) continue;
      this.terms!.add(term);
      const key = spellingKey(term);
      const same = this.bySpelling!.get(key);
      if (same === undefined) this.bySpelling!.set(key, [term]);
      else same.push(term);
      addByLength(this.termsByLength!, term);
    }
  }

  private addWords(words: Iterable<string>): void {
    for (const word of words) {
      if (this.written!.has(word)) continue;
      this.written!.add(word);
      addByLength(this.byLength!, word);
    }
  }

  private load(): void {
    if (this.bySpelling !== null) return;
    this.bySpelling = new Map();
    this.byLength = new Map();
    this.termsByLength = new Map();
    this.written = new Set();
    this.terms = new Set();
    this.addTerms(this.readTerms());
    for (const text of this.readTexts()) this.addWords(writtenWords(text));
  }

  /** The vault's other spellings of `term`'s word ("sœur" for "soeur"), not `term` itself. */
  spellings(term: string): string[] {
    this.load();
    return (this.bySpelling!.get(spellingKey(term)) ?? []).filter((other) => other !== term);
  }

  /**
   * The index terms of the vault words that `words` (a query's folded words
   * of `term`) may be misspellings of: those at the smallest edit distance
   * within each word's allowance (typoAllowance), at most `limit` words;
   * failing any, the index terms nearest to `term` itself, as before words
   * were compared: a stem can still place a word whose letters are too far
   * from every written word ("status" → "statu", one letter from "state").
   * Only for words of letters (not numbers, which a typo makes another
   * number), and only among words with the same first letter, as spelling
   * checkers do (Lucene's DirectSpellChecker, minPrefix 1): the first letter
   * is rarely the one mistyped, and on LoCoMo's questions, whose words a
   * conversation often simply lacks, the rule took recall from slightly
   * below to slightly above reading them as written (BENCHMARKS.md).
   */
  nearTerms(term: string, words: readonly string[], limit: number): string[] {
    this.load();
    const near = nearest(words, this.byLength!, limit);
    if (near.length === 0) return nearest([term], this.termsByLength!, limit);
    return this.indexTermsOf(near);
  }

  /**
   * The index terms of the vault words of one root with one of `words` (a
   * query's folded words of a term the vault holds in no memory and reads
   * as no typo; word-roots.ts: "allergic" for "allergies", "chemo" for
   * "chemotherapy"): at most `limit`, those sharing the longest beginning
   * with it first. Function words are left out ("under" is no root of
   * "understand"), and so are words of another first letter, as for typos.
   * One pass over the vault's words of that letter.
   */
  sameRootTerms(words: readonly string[], limit: number): string[] {
    this.load();
    const found = new Map<string, number>();
    for (const word of words) {
      if (!LETTERS.test(word)) continue;
      const first = String.fromCodePoint(word.codePointAt(0)!);
      const opening = Array.from(word)
        .slice(0, MIN_ROOT_LETTERS - 1)
        .join('');
      for (const [bucket, written] of this.byLength!) {
        // A root of fewer letters is none (word-roots.ts), nor a word of another first letter.
        if (!bucket.startsWith(first) || !(Number(bucket.slice(first.length)) >= MIN_ROOT_LETTERS))
          continue;
        for (const other of written) {
          // Words of one root begin alike but for the root's last letter ("happi", "happy").
          if (!other.startsWith(opening) || isFunctionWord(other) || !sharesRoot(word, other))
            continue;
          found.set(other, Math.max(found.get(other) ?? 0, sharedBeginning(word, other)));
        }
      }
    }
    const closest = [...found].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    return this.indexTermsOf(closest.map(([word]) => word)).slice(0, limit);
  }

  /**
   * The index terms of written words, each once, in their order: a word is
   * looked up by its stem's spelling key, since the index does not stem
   * every word as `stemmer` does ("Straße").
   */
  private indexTermsOf(written: readonly string[]): string[] {
    const terms = written.flatMap((word) => this.bySpelling!.get(spellingKey(stemmer(word))) ?? []);
    return [...new Set(terms)];
  }
}

/** How many letters two words begin with alike. */
function sharedBeginning(a: string, b: string): number {
  let at = 0;
  while (at < a.length && at < b.length && a[at] === b[at]) at++;
  return at;
}

function addByLength(byLength: Map<string, string[]>, word: string): void {
  if (!LETTERS.test(word)) return;
  const bucket = bucketOf(word, Array.from(word).length);
  const sameLength = byLength.get(bucket);
  if (sameLength === undefined) byLength.set(bucket, [word]);
  else sameLength.push(word);
}

/** Up to `limit` of `byLength`'s entries at the smallest distance within allowance from any of `words`. */
function nearest(
  words: readonly string[],
  byLength: Map<string, string[]>,
  limit: number,
): string[] {
  let best = Infinity;
  let near: string[] = [];
  for (const word of words) {
    const allowance = typoAllowance(word);
    if (allowance === 0 || !LETTERS.test(word)) continue;
    const length = Array.from(word).length;
    for (let other = length - allowance; other <= length + allowance; other++) {
      for (const candidate of byLength.get(bucketOf(word, other)) ?? []) {
        const distance = editDistanceWithin(word, candidate, Math.min(allowance, best));
        if (distance === null || distance === 0) continue;
        if (distance < best) {
          best = distance;
          near = [candidate];
        } else if (near.length < limit) near.push(candidate);
      }
    }
  }
  return near;
}

/** The distinct folded words of a text, as the index reads them (CJK runs left out). */
function writtenWords(text: string): Set<string> {
  const words = new Set(foldedWords(text));
  if (hasCjk(text)) for (const word of words) if (hasCjk(word)) words.delete(word);
  return words;
}

function bucketOf(term: string, length: number): string {
  return `${String.fromCodePoint(term.codePointAt(0)!)}${length}`;
}

/** A term made only of letters (not numbers). */
const LETTERS = /^\p{L}{2,}$/u;

/** Past this many passages, reading the whole vocabulary costs more than a query should. */
export const MAX_VOCABULARY_PASSAGES = 20_000;
