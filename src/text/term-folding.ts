import { stemmer } from 'stemmer';

/**
 * Letters that Unicode's compatibility decomposition (NFKD, which `foldWord`
 * and SQLite's `unicode61` use to drop diacritics) leaves as they are, so that
 * "sœur" and "soeur", "Straße" and "Strasse", "Øresund" and "Oresund" are
 * different index terms. Each is written here as the plain letters people
 * type for it when their keyboard lacks it.
 */
const PLAIN_SPELLING: Record<string, string> = {
  œ: 'oe',
  æ: 'ae',
  ß: 'ss',
  ø: 'o',
  đ: 'd',
  ð: 'd',
  ł: 'l',
  þ: 'th',
  ħ: 'h',
  ı: 'i',
  ŧ: 't',
};
const UNPLAIN_LETTERS = `[${Object.keys(PLAIN_SPELLING).join('')}]`;
const UNPLAIN = new RegExp(UNPLAIN_LETTERS, 'gu');
const UNPLAIN_TEST = new RegExp(UNPLAIN_LETTERS, 'u');

/**
 * The key under which spellings of one word meet: the index term with those
 * letters spelled out, stemmed again (the index stems "strasse" to "strass"
 * but leaves "straße" whole). Index terms with equal keys are the same word.
 */
export function spellingKey(term: string): string {
  if (!UNPLAIN_TEST.test(term)) return stemmer(term);
  return stemmer(term.replace(UNPLAIN, (letter) => PLAIN_SPELLING[letter]!));
}

/** The ligatures people write out as two letters, and so may find both ways in one vault. */
const LIGATURES: [plain: string, letter: string][] = [
  ['oe', 'œ'],
  ['ae', 'æ'],
  ['ss', 'ß'],
];

/**
 * The spellings of an index term with œ, æ or ß written in or written out
 * ("sœur" for "soeur", "soeur" for "sœur"), for a vault that holds both:
 * each a direct look-up, so every query can afford them. The written-out
 * form is stemmed, as the index stems it ("straße" → "strass"). The other
 * letters (ø, ł, …) cannot be guessed back from their plain spelling, so
 * they are matched through the vault's vocabulary (spellingKey) instead.
 */
export function ligatureSpellings(term: string): string[] {
  const spellings = new Set<string>();
  for (const [plain, letter] of LIGATURES) {
    if (term.includes(letter)) spellings.add(stemmer(term.replaceAll(letter, plain)));
    if (term.includes(plain)) spellings.add(term.replaceAll(plain, letter));
  }
  spellings.delete(term);
  return [...spellings];
}
