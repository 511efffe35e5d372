import { KNOWN_WORDS } from './known-words.generated';

/** Where each line of KNOWN_WORDS begins, found on first need. */
let lineStarts: Int32Array | null = null;

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
 * Read where it lies, a string literal of sorted, front-coded lines: the
 * lines are bisected by their first word (written in full), then one line
 * is decoded. A set of the 87,000 words took 30–80 ms to build per isolate,
 * and an array literal of them would be parsed at every start of the Worker.
 */
export function isKnownWord(word: string): boolean {
  lineStarts ??= startsOfLines(KNOWN_WORDS);
  let low = 0;
  let high = lineStarts.length;
  // The last line whose first word is at most `word`.
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (firstWordOf(lineStarts[middle]!) <= word) low = middle + 1;
    else high = middle;
  }
  return low > 0 && lineHolds(lineStarts[low - 1]!, word);
}

function startsOfLines(text: string): Int32Array {
  const starts: number[] = [];
  for (
    let at = text.indexOf('\n');
    at !== -1 && at + 1 < text.length;
    at = text.indexOf('\n', at + 1)
  )
    if (text[at + 1] !== '\n') starts.push(at + 1);
  return Int32Array.from(starts);
}

function firstWordOf(start: number): string {
  return KNOWN_WORDS.slice(start, endOfWord(start));
}

function endOfWord(start: number): number {
  let end = start;
  while (end < KNOWN_WORDS.length && KNOWN_WORDS[end] !== ' ' && KNOWN_WORDS[end] !== '\n') end++;
  return end;
}

/** Whether the line at `start` holds `word`: each word after the first is its shared letters' count (one digit), then the rest. */
function lineHolds(start: number, word: string): boolean {
  let end = endOfWord(start);
  let current = KNOWN_WORDS.slice(start, end);
  for (;;) {
    if (current === word) return true;
    if (current > word || KNOWN_WORDS[end] !== ' ') return false;
    const next = end + 1;
    end = endOfWord(next);
    current =
      current.slice(0, KNOWN_WORDS.charCodeAt(next) - 48) + KNOWN_WORDS.slice(next + 1, end);
  }
}
