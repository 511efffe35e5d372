import { daleChall } from 'dale-chall';
import { stemmer } from 'stemmer';

let familiarStems: Set<string> | null = null;

/**
 * Whether a folded word is a common English word, taken as meant and never
 * read as a misspelling of another: one of the New Dale-Chall list's 2,942
 * words familiar to most fourth-graders (`dale-chall`), or any form the
 * stemmer reads as one of them ("thanks" as "thank"). Without it "thanks",
 * which a vault may never say, was forgiven into "think". A typo that happens
 * to be such a word ("form" for "from") is then not corrected: the price of
 * never turning a real word into another.
 */
export function isFamiliarWord(word: string): boolean {
  familiarStems ??= new Set(daleChall.map((familiar) => stemmer(familiar)));
  return familiarStems.has(stemmer(word));
}
