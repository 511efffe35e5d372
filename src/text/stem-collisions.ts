import { stemmer } from 'stemmer';

/**
 * Words the Porter stemmer gives the same index term as an unrelated word:
 * "news" becomes "new", "university" "univers" like "universe", "business"
 * "busi" like "busy", "status" "statu" like "statue". The index keeps only the stem, so a query for "news"
 * read every "new job" at the full score of an exact match. Each family here
 * is read as its own query term, its first word marked with `FAMILY_MARK`
 * (which no index term holds: the stemmer outputs "experiment" for
 * "experimentation"), and is matched only by occurrences written as one of
 * its words; the stem itself then stands for
 * the other words only ("new" no longer finds "any news?"). Known collisions
 * of everyday words, not a full list: a family is added when one is found.
 */
const FAMILIES: readonly (readonly string[])[] = [
  ['news'],
  ['university', 'universities'],
  ['business', 'businesses'],
  ['experiment', 'experiments', 'experimented', 'experimenting'],
  ['organize', 'organized', 'organizes', 'organizing', 'organization', 'organizations'],
  ['generate', 'generated', 'generates', 'generating', 'generation', 'generations'],
  ['generous', 'generously'],
  ['community', 'communities'],
  ['animal', 'animals'],
  ['hospitality'],
  ['stocking', 'stockings'],
  ['paste', 'pasted', 'pastes'],
  // "status" and "statue" both index as "statu": an order's status is no bronze statue.
  ['status'],
  // "his" indexes as "hi": a search for "hi" found every memory of his.
  ['his'],
];

/** Ends a family's query term: not a letter or digit, so never part of an index term. */
const FAMILY_MARK = '~';
/** Each family word's query term (its family's first word, marked). */
const FAMILY_OF = new Map(
  FAMILIES.flatMap((family) => family.map((word) => [word, `${family[0]!}${FAMILY_MARK}`])),
);
/** The query terms that need each occurrence's written word checked, and their index terms. */
const CHECKED = new Map<string, string>(
  FAMILIES.flatMap((family) => {
    const stem = stemmer(family[0]!);
    return [
      [`${family[0]!}${FAMILY_MARK}`, stem],
      [stem, stem],
    ];
  }),
);

/** The families, for tests that check each word shares its family's index term. */
export const STEM_COLLISION_FAMILIES = FAMILIES;

/**
 * Query terms of recently asked words, kept for the isolate as `indexTerm`
 * keeps its own (tokens.ts): a pure function of the word, and the stemmer
 * was most of a query's reading of its words (each search reads its query
 * once per vault).
 */
const termsOfQueryWords = new Map<string, string>();
const KEPT_WORDS = 10_000;
const KEPT_WORD_LENGTH = 24;

/** The query term of a folded word: its collision family's, or its stem. */
export function queryTermOf(word: string): string {
  const known = termsOfQueryWords.get(word);
  if (known !== undefined) return known;
  const term = FAMILY_OF.get(word) ?? stemmer(word);
  if (word.length <= KEPT_WORD_LENGTH) {
    if (termsOfQueryWords.size >= KEPT_WORDS) termsOfQueryWords.clear();
    termsOfQueryWords.set(word, term);
  }
  return term;
}

/**
 * For a query term the index cannot tell apart from an unrelated word ("news"
 * and "new" both index as "new"), the index term whose occurrences hold it;
 * null for every other term, whose occurrences all count.
 */
export function sharedIndexTerm(term: string): string | null {
  return CHECKED.get(term) ?? null;
}

/** Whether an occurrence written `word` (folded) belongs to query term `term`. */
export function writtenAs(term: string, word: string): boolean {
  return queryTermOf(word) === term;
}

/**
 * The words of a folded text that may index as `indexTerm`: those beginning
 * with it. Porter's stem is the word's own beginning but for a final "y"
 * read as "i" ("busy" → "busi"), so that letter may be either.
 */
const wordsUnder = new Map<string, RegExp>();
function wordsIndexedUnder(indexTerm: string): RegExp {
  let pattern = wordsUnder.get(indexTerm);
  if (pattern === undefined) {
    const start = indexTerm.endsWith('i') ? `${indexTerm.slice(0, -1)}[iy]` : indexTerm;
    pattern = new RegExp(`(?<![\\p{L}\\p{N}])${start}[\\p{L}\\p{N}]*`, 'gu');
    wordsUnder.set(indexTerm, pattern);
  }
  return pattern;
}

/**
 * Whether a memory's text (folded) writes some word of `term` among the
 * words it indexes as `indexTerm`: "any news?" for "news~", "a new job" for
 * "new". Decided per memory, by one scan of its text for words beginning
 * with the index term, not per occurrence: tokenizing every holder to place
 * each occurrence cost about 30 µs a memory, tens of milliseconds for a
 * common word like "new" after every write.
 */
export function writesTermOf(term: string, indexTerm: string, foldedText: string): boolean {
  for (const [word] of foldedText.matchAll(wordsIndexedUnder(indexTerm)))
    if (writtenAs(term, word)) return true;
  return false;
}
