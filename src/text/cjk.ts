/**
 * Chinese, Japanese and Korean text has no spaces between words, so SQLite's
 * `unicode61` tokenizer takes a whole run ("東京に住んでいます") as one word
 * and a search for "東京" finds nothing. Such runs are indexed the way search
 * engines without a dictionary index them (Lucene's CJK bigrams): every
 * character and every pair of neighbouring characters is a term. A query
 * looks a run of two or more characters up by its pairs (so "東京" must occur
 * as written) and a lone character by itself.
 *
 * FTS5 cannot be given a tokenizer of our own inside a Durable Object, so the
 * vault gives it the text already split: `ftsText` (tokens.ts) is what its
 * index reads for a memory with such runs (each run replaced by its terms,
 * space separated), and `tokenize` yields the same terms in the same order
 * with offsets into the memory as written.
 */

/**
 * Letters and digits of Han, kana (with the prolonged-sound mark ー, which
 * both kana scripts use) and Hangul; only letters and digits, as the index's
 * words are made of nothing else (a symbol such as ㈱ separates words).
 */
const CJK_CHAR =
  /(?=[\p{L}\p{N}\p{Co}])[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}\p{scx=Hangul}]/u;
const CJK_RUN =
  /(?:(?=[\p{L}\p{N}\p{Co}])[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}\p{scx=Hangul}])+/gu;

/**
 * The code units any CJK letter starts with (a superset: Hangul Jamo, CJK
 * radicals to Unified Ideographs, Hangul Jamo Extended-A, Hangul syllables to
 * the full-width forms, and surrogates, for the supplementary planes): a
 * plain class, faster to scan than the script test, so text without such a
 * unit (nearly all Latin-script text) never runs that.
 */
const MAY_BE_CJK = /[\u1100-\u11ff\u2e80-\u9fff\ua960-\ua97f\uac00-\uffef\ud800-\udbff]/;

export function hasCjk(text: string): boolean {
  return MAY_BE_CJK.test(text) && CJK_CHAR.test(text);
}

/** A CJK run's index terms with their offsets (in UTF-16 units from `offset`): each character, then its pair with the next. */
export function cjkIndexTerms(
  run: string,
  offset: number,
): { term: string; start: number; end: number }[] {
  const characters = Array.from(run);
  const terms: { term: string; start: number; end: number }[] = [];
  let start = offset;
  characters.forEach((character, index) => {
    terms.push({ term: character, start, end: start + character.length });
    const next = characters[index + 1];
    if (next !== undefined) {
      terms.push({
        term: character + next,
        start,
        end: start + character.length + next.length,
      });
    }
    start += character.length;
  });
  return terms;
}

/** A query's CJK runs as terms: a lone character as itself, a longer run as its pairs. */
export function cjkQueryTerms(text: string): string[] {
  const terms: string[] = [];
  for (const [run] of text.matchAll(CJK_RUN)) {
    const characters = Array.from(run);
    if (characters.length === 1) terms.push(run);
    for (let index = 0; index + 1 < characters.length; index++) {
      terms.push(characters[index]! + characters[index + 1]!);
    }
  }
  return terms;
}

/** The text with its CJK runs blanked out: what the word tokenizer reads of a mixed query. */
export function withoutCjk(text: string): string {
  return text.replace(CJK_RUN, ' ');
}

/**
 * Splits a word (a run of letters and digits) into its CJK runs and the
 * rest, in order, with each part's offset within the word.
 */
export function cjkParts(word: string): { text: string; cjk: boolean; offset: number }[] {
  const parts: { text: string; cjk: boolean; offset: number }[] = [];
  let last = 0;
  for (const match of word.matchAll(CJK_RUN)) {
    if (match.index > last)
      parts.push({ text: word.slice(last, match.index), cjk: false, offset: last });
    parts.push({ text: match[0], cjk: true, offset: match.index });
    last = match.index + match[0].length;
  }
  if (last < word.length) parts.push({ text: word.slice(last), cjk: false, offset: last });
  return parts;
}
