/**
 * What a word is and how it is folded: the one definition that the vault's
 * full-text index, the memory tokenizer (tokens.ts `tokenize`) and the query
 * side (`queryTermWords`, the vault's vocabulary) all share, so that a word
 * stored verbatim is found by the same word typed in a query.
 *
 * A word is a run of letters, digits, private-use characters and combining
 * marks. Marks belong to the word: Indic vowel signs and viramas, Thai vowels
 * and tones are letters of it ("दिल्ली", not "द", "ल", "ल"). Folding lowers the
 * case and drops only the marks a script's writers drop in daily writing:
 * the generic combining diacritics (Latin, Greek and Cyrillic accents: "Zoë"
 * is "zoe", "phở" is "pho", "Γιάννης" is "γιαννησ") and the vowel points and
 * cantillation of Arabic and Hebrew ("كَتَبَ" is "كتب", "שָׁלוֹם" is "שלום").
 * Compatibility forms read as their plain letters (NFKD: "ＡＢＣ" is "abc",
 * "ﬁ" is "fi", "₂" is "2").
 *
 * SQLite's `unicode61` does not fold so (it keeps Greek and Cyrillic accents
 * and compatibility forms, and drops other scripts' marks as separators), and
 * a Durable Object's FTS5 takes no tokenizer of ours. So the index is given
 * these folded words as `memories.fts_text` for every memory with a non-ASCII
 * word (`ftsText`, tokens.ts), and its tokenizer (full-text-index.ts
 * `WORD_TOKENIZER`) only splits them where this module does and folds nothing
 * more; ASCII words fold the same either way. test/script-marks.test.ts holds
 * the tokenizer to this definition for every code point.
 */

/** A word, as the index's tokenizer finds one (categories L*, N*, Co, M*). */
export const WORD = /[\p{L}\p{N}\p{Co}\p{M}]+/gu;
/** A character that is no part of any word (what NFKD may produce inside one, as "⁄" of "½"). */
const NOT_IN_WORD = /[^\p{L}\p{N}\p{Co}\p{M}]/gu;
/**
 * The marks folding drops: combining marks of no script of their own (the
 * generic diacritics, U+0300 and on, and variation selectors) and those of
 * Arabic and Hebrew (harakat, shadda, hamza written above or below, niqqud).
 */
const DROPPED_MARKS = /(?=\p{M})[\p{sc=Inherited}\p{scx=Arabic}\p{scx=Hebrew}]/gu;
/** Case folding maps final sigma to sigma, as `unicode61` does; lower-casing keeps it. */
const FINAL_SIGMA = /ς/g;

/** The folded form of a word ("Zoë" → "zoe", "दिल्ली" as written); empty when it was only dropped marks. */
export function foldWord(word: string): string {
  const folded = word
    .normalize('NFKD')
    .replace(DROPPED_MARKS, '')
    .toLowerCase()
    .replace(FINAL_SIGMA, 'σ');
  return /^[\p{L}\p{N}\p{Co}\p{M}]*$/u.test(folded) ? folded : folded.replace(NOT_IN_WORD, '');
}

/** The text's words with their offsets in it, [start, end). */
export function wordSpans(text: string): { start: number; end: number }[] {
  return Array.from(text.matchAll(WORD), (match) => ({
    start: match.index,
    end: match.index + match[0].length,
  }));
}

/** The text's words folded, in order, those that fold to nothing left out. */
export function foldedWords(text: string): string[] {
  const folded: string[] = [];
  for (const [word] of text.matchAll(WORD)) {
    const form = foldWord(word);
    if (form !== '') folded.push(form);
  }
  return folded;
}
