import { KNOWN_WORDS } from './known-words.generated';

/**
 * Whether a folded query word is a real English word or a common first name,
 * taken as meant and never read as a misspelling of another: "cancel" is
 * not "cancer", "advice" not "advise", "Marie" not "Maria". The words are
 * SCOWL's up to size 60, the size its authors recommend for a spell checker
 * (about 80,000 with their inflections, every dialect: "colour" and
 * "color"), and stdlib's 8,800 common first names in English-speaking
 * countries (scripts/build-known-words.mjs). A typo that happens to be such
 * a word ("form" for "from") is then not corrected: the price of never
 * turning a real word into another.
 *
 * Searched where it lies, a sorted string of one word per line, by
 * bisection: no set of 87,000 strings to build in an isolate that may never
 * need one (that took 30–80 ms), and a string literal costs the Worker's
 * start next to nothing.
 */
export function isKnownWord(word: string): boolean {
  if (word === '' || word.includes('\n')) return false;
  let low = 0;
  let high = KNOWN_WORDS.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const start = KNOWN_WORDS.lastIndexOf('\n', middle) + 1;
    const end = KNOWN_WORDS.indexOf('\n', start);
    if (end === -1) return false;
    const entry = KNOWN_WORDS.slice(start, end);
    if (entry === word) return true;
    if (entry < word) low = end + 1;
    else high = start - 1;
  }
  return false;
}
