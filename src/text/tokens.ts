import { stemmer } from 'stemmer';
import { eng } from 'stopword';
import { cjkIndexTerms, cjkParts, cjkQueryTerms, hasCjk, withoutCjk } from './cjk';
import { foldedWords, foldWord, WORD } from './folded-words';
import { joinDigitGroups } from './number-terms';
import { isQuestionVerb, withoutTalkVerb } from './question-verbs';
import { queryTermOf } from './stem-collisions';

/**
 * Words as a vault's full-text index sees them: split and folded as
 * folded-words.ts defines a word (the index reads that module's words, for
 * memories with non-ASCII words, as `fts_text`), then stemmed by Porter's
 * algorithm, as FTS5's `porter` stems them (the `stemmer` package is Porter's
 * original algorithm, as FTS5's is); doing the same here lets the vault read
 * the index's own postings (term, memory, word offset) for a query and map
 * an offset back to characters of the memory. Runs of Chinese, Japanese and
 * Korean characters are indexed as characters and pairs of them (cjk.ts).
 */
export interface Token {
  /** The index term: case- and diacritic-folded, stemmed. */
  term: string;
  /** Character offsets in the original text, [start, end). */
  start: number;
  end: number;
}

/** Letters, digits and private-use characters: the words vector chunks count (`words`). */
const CHUNK_WORD = /[\p{L}\p{N}\p{Co}]+/gu;
/**
 * Function words the `stopword` package's English list lacks: question words
 * ("when", "why"), pronouns ("she", "its", "yourself"), auxiliaries ("does")
 * and a few prepositions and quantifiers, as in the usual IR lists. Single
 * letters too: splitting at apostrophes leaves the "s" of "Caroline's" and the
 * "t" of "don't", which would otherwise count as query terms.
 */
const FUNCTION_WORDS = [
  ...['when', 'why', 'whom', 'does', 'doing', 'cannot', 'she', 'its', 'itself'],
  ...['myself', 'yourself', 'ours', 'ourselves', 'yours', 'theirs', 'themselves'],
  ...['own', 'few', 'so', 'again', 'further', 'until', 'during', 'above', 'below'],
  ...'bcdefghjklmnopqrstuvwxyz',
];
/**
 * Contractions typed without their apostrophe ("whats up", "dont forget"),
 * as chat is written: function words as "what's" is. The stemmer would read
 * "whats" as "what" and "hows" as "how", words nearly every conversation
 * holds. Left out are those that are English words of their own and may be
 * what a query asks about: "ill" (sick), "id" (an ID), "hell", "shell",
 * "wed", "shed". "cant" and "wont" are kept: as nouns they are rare, as
 * typed contractions common.
 */
const APOSTROPHE_LESS = [
  ...['whats', 'wheres', 'hows', 'whos', 'whens', 'whys', 'thats', 'theres', 'heres'],
  ...['whatre', 'whatll', 'whered', 'howd', 'whod', 'thatll', 'itll', 'lets', 'yall'],
  ...['im', 'ive', 'youre', 'youve', 'youll', 'youd', 'hes', 'shes', 'hed', 'weve'],
  ...['theyre', 'theyve', 'theyll', 'theyd', 'dont', 'didnt', 'doesnt', 'cant', 'wont'],
  ...['isnt', 'wasnt', 'werent', 'arent', 'aint', 'hasnt', 'havent', 'hadnt', 'mustnt'],
  ...['couldnt', 'wouldnt', 'shouldnt', 'neednt', 'couldve', 'wouldve', 'shouldve'],
];
const STOPWORDS = new Set([...eng, ...FUNCTION_WORDS, ...APOSTROPHE_LESS]);
/**
 * A negated auxiliary with its apostrophe ("don't", "won't", "didn't"),
 * which the tokenizer splits into "don" and "t": the first part is no word
 * of the question ("Don", "won" are), so the whole is a function word.
 */
const NEGATION = /\p{L}+n['’]t(?![\p{L}\p{N}])/gu;
const withoutNegations = (text: string) =>
  text.replace(NEGATION, (said) => ' '.repeat(said.length));
/** The package's list alone: how queries were read before (kept for the recall ablation). */
const BASIC_STOPWORDS = new Set(eng);
/** More terms than this in one query add cost, not recall. */
export const MAX_QUERY_TERMS = 32;

/** Whether a folded word ("the", "again", "she") is a function word, as queries are read (`queryTerms`). */
export function isFunctionWord(foldedWord: string): boolean {
  return STOPWORDS.has(foldedWord);
}

/**
 * Index terms of words met lately, by the word as written. Text repeats its
 * words (a batch of chat turns holds a few hundred distinct ones among
 * thousands), and folding (NFKD) and stemming a word costs over a
 * microsecond, several times a look-up here: a vault searched by text
 * tokenizes every memory it writes (its vocabulary and postings cache),
 * and every search its query. Cleared when full, so it never holds more
 * than TERM_CACHE_WORDS short words (well under a MiB per isolate).
 */
const termsOfWords = new Map<string, string>();
const TERM_CACHE_WORDS = 10_000;
/** Longer words (ids, hashes, long numbers) rarely repeat and are not kept. */
const TERM_CACHE_WORD_LENGTH = 24;

export function indexTerm(word: string): string {
  const known = termsOfWords.get(word);
  if (known !== undefined) return known;
  const term = stemmer(foldWord(word));
  if (word.length <= TERM_CACHE_WORD_LENGTH) {
    if (termsOfWords.size >= TERM_CACHE_WORDS) termsOfWords.clear();
    termsOfWords.set(word, term);
  }
  return term;
}

/**
 * The text's runs of letters and digits: what vector chunks count. Combining
 * marks split them, as the index split words before marks joined them
 * (folded-words.ts): chunk vectors stored since keep their word ranges.
 */
export function words(text: string): { start: number; end: number }[] {
  return Array.from(text.matchAll(CHUNK_WORD), (match) => ({
    start: match.index,
    end: match.index + match[0].length,
  }));
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const cjk = hasCjk(text);
  for (const match of text.matchAll(WORD)) {
    if (!cjk || !hasCjk(match[0])) {
      const term = indexTerm(match[0]);
      // A word of dropped marks alone folds to nothing: no word of the index.
      if (term !== '')
        tokens.push({ term, start: match.index, end: match.index + match[0].length });
      continue;
    }
    // A word with CJK runs: the index reads it as ftsText wrote it.
    for (const part of cjkParts(match[0])) {
      const start = match.index + part.offset;
      if (part.cjk) tokens.push(...cjkIndexTerms(part.text, start));
      else {
        const term = indexTerm(part.text);
        if (term !== '') tokens.push({ term, start, end: start + part.text.length });
      }
    }
  }
  return tokens;
}

const NON_ASCII = /\P{ASCII}/u;
/**
 * Text the index's tokenizer may read as written when its words are ASCII:
 * ASCII, Latin-1's symbols and general punctuation (spaces, dashes, quotes).
 * Other characters that are no part of a word here may be to `unicode61`,
 * whose tables are of an older Unicode (bidi isolates, newer symbols and
 * emoji): such text is given to it as its words alone.
 */
const READ_AS_WRITTEN = /^[\p{ASCII}\u00a0-\u00bf\u00d7\u00f7\u2000-\u205f]*$/u;

/**
 * What the full-text index reads for a memory (`memories.fts_text`): null
 * when the index's tokenizer splits and folds the content as
 * folded-words.ts does (ASCII words among READ_AS_WRITTEN characters); else
 * the memory's words folded (folded-words.ts) and its CJK runs as their
 * characters and pairs (cjk.ts), space separated, so the index holds the
 * terms `tokenize` gives, in the same order.
 */
export function ftsText(content: string): string | null {
  if (!NON_ASCII.test(content)) return null;
  const cjk = hasCjk(content);
  const indexed: string[] = [];
  let foreign = cjk || !READ_AS_WRITTEN.test(content);
  for (const [word] of content.matchAll(WORD)) {
    if (!foreign && NON_ASCII.test(word)) foreign = true;
    const parts = cjk && hasCjk(word) ? cjkParts(word) : [{ text: word, cjk: false }];
    for (const part of parts) {
      if (part.cjk) for (const { term } of cjkIndexTerms(part.text, 0)) indexed.push(term);
      else {
        const folded = foldWord(part.text);
        if (folded !== '') indexed.push(folded);
      }
    }
  }
  return foreign ? indexed.join(' ') : null;
}

/**
 * The distinct index terms of a query, stopwords left out, even when the
 * query has nothing else (unless `onlyStopwords` keeps them): in a ranking
 * over many memories, "what", "the" or "our" would only add noise. Numbers written in
 * groups ("1,450") are read as the plain number.
 */
export function queryTerms(
  text: string,
  stopwords: 'full' | 'basic' = 'full',
  onlyStopwords: 'keep' | 'drop' = 'drop',
): string[] {
  return [...queryTermWords(text, stopwords, onlyStopwords).keys()];
}

/**
 * `queryTerms`, each with the query's folded words it was read from ("hikking"
 * for "hikk"; none for a CJK pair): a term the vault lacks is compared with
 * the vault's words as written (vault-vocabulary.ts). A word in one of the
 * stemmer's known collisions is read as its own term ("news" is not "new",
 * stem-collisions.ts).
 */
export function queryTermWords(
  text: string,
  stopwords: 'full' | 'basic' = 'full',
  onlyStopwords: 'keep' | 'drop' = 'drop',
): Map<string, string[]> {
  const stop = stopwords === 'full' ? STOPWORDS : BASIC_STOPWORDS;
  // CJK runs are looked up by their characters' pairs, as written (cjk.ts).
  const cjk = hasCjk(text) ? cjkQueryTerms(text) : [];
  // A grouped number ("1,450") is one term, the plain number (number-terms.ts).
  // Negations ("don't") and the verb of "talk about" are no words of the
  // question, nor are verbs that only shape it ("say", "remind",
  // question-verbs.ts): the full list's reading.
  const full = stopwords === 'full';
  const latin = cjk.length > 0 ? withoutCjk(text) : text;
  const plain = joinDigitGroups(full ? withoutTalkVerb(withoutNegations(latin)) : latin);
  // Split, then fold, as the index's words are (folded-words.ts).
  const said = foldedWords(plain);
  const words = [...new Set(said)];
  const content = words.filter((word) => !stop.has(word) && !(full && isQuestionVerb(word)));
  const chosen =
    content.length > 0 || cjk.length > 0
      ? content
      : onlyStopwords === 'drop'
        ? nounsAfterArticles(said)
        : words;
  const terms = new Map<string, string[]>();
  for (const word of chosen) {
    const term = queryTermOf(word);
    const spelt = terms.get(term);
    if (spelt === undefined) terms.set(term, [word]);
    else spelt.push(word);
  }
  for (const term of cjk) if (!terms.has(term)) terms.set(term, []);
  return new Map([...terms].slice(0, MAX_QUERY_TERMS));
}

/** English question words (small talk's rule reads them too: turn-text.ts). */
export const QUESTION_WORDS = [
  ...['what', 'where', 'when', 'who', 'whom', 'whose', 'which', 'why', 'how'],
] as const;

/** Articles: a function word right after one is used as a noun ("the well", "a can", "the way"). */
const ARTICLES = new Set(['the', 'a', 'an']);

/**
 * Function words an article never makes a noun: question words, pronouns,
 * forms of be/do/have, conjunctions and prepositions. "the what?" or "is
 * the it" is a fragment, not a thing to look for (outside review 103 #6:
 * they searched "what" and "it").
 */
const NEVER_NOUNS = new Set([
  ...QUESTION_WORDS,
  'whats',
  ...['i', 'me', 'my', 'you', 'your', 'he', 'him', 'his', 'she', 'her', 'it', 'its'],
  ...['we', 'us', 'our', 'they', 'them', 'their', 'this', 'that', 'these', 'those'],
  ...['is', 'am', 'are', 'was', 'were', 'be', 'been', 'being', 'do', 'does', 'did'],
  ...['have', 'has', 'had', 'and', 'or', 'but', 'of', 'to', 'in', 'on', 'at', 'by'],
  ...['for', 'with', 'from', 'if', 'than', 'then', 'so', 'not'],
]);

/**
 * In a query of function words alone, those an article makes nouns ("the
 * well", "a can", "the way"), each once: searched rather than nothing,
 * since the query names nothing else (outside review 102 #4). Function
 * words anywhere else stay out even then: "the", "is it?" or "what did
 * they say?" found any memory, scored as a real match (query-analysis.ts).
 */
function nounsAfterArticles(said: readonly string[]): string[] {
  const nouns = new Set<string>();
  for (let at = 1; at < said.length; at += 1)
    if (
      ARTICLES.has(said[at - 1]!) &&
      !ARTICLES.has(said[at]!) &&
      !NEVER_NOUNS.has(said[at]!) &&
      !isQuestionVerb(said[at]!)
    )
      nouns.add(said[at]!);
  return [...nouns];
}

export interface QueryName {
  /** The index term of the name. */
  term: string;
  /** The folded word ("caroline"), for comparing with metadata values. */
  word: string;
  /**
   * Whether its capital says nothing about names: it opens a sentence, or it
   * is written in lower case (`lowerCase`).
   */
  sentenceStart: boolean;
  /** Written in lower case ("when did caroline…"): a name only if the vault knows it as one. */
  lowerCase?: true;
}

/**
 * Words of a query written as proper names: capitalised, not stopwords, not
 * "I". A capital at the start of a sentence may just be grammar ("When did…"),
 * so those are marked and the vault decides from its own data whether the word
 * is a name it knows. So are the words written in lower case: many people
 * type names so ("what did caroline paint?"), and the vault knows its
 * speakers (their labels open their turns, or their metadata names them).
 */
export function queryNames(text: string): QueryName[] {
  const names = new Map<string, QueryName>();
  let sentenceStart = true;
  for (const match of text.matchAll(/[\p{L}\p{N}\p{Co}\p{M}]+|[.!?]/gu)) {
    const word = match[0];
    if (/^[.!?]$/.test(word)) {
      sentenceStart = true;
      continue;
    }
    const folded = foldWord(word);
    if (folded === '') continue;
    const capital = /^\p{Lu}/u.test(word);
    if ((capital || /^\p{Ll}/u.test(word)) && !STOPWORDS.has(folded) && word !== 'I') {
      const term = stemmer(folded);
      const known = names.get(term);
      const unsure = sentenceStart || !capital;
      if (known === undefined || (known.sentenceStart && !unsure)) {
        names.set(
          term,
          capital
            ? { term, word: folded, sentenceStart }
            : { term, word: folded, sentenceStart: true, lowerCase: true },
        );
      }
    }
    sentenceStart = false;
  }
  return [...names.values()];
}
