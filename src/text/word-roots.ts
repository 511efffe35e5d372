import { stemmer } from 'stemmer';
import { editDistanceWithin } from './edit-distance';

/**
 * Whether two words (folded) are of one root that the stemmer leaves apart:
 * "allergies" (allergi) and "allergic" (allerg), "chemotherapy"
 * (chemotherapi) and "chemo". Porter strips inflections, not derivations
 * (-ic, -ist) or clippings (chemo, photo), so such words meet only as a
 * beginning: the shorter stem must be the whole beginning of the longer and
 * at least `MIN_ROOT_LETTERS` long. A stem's final "i" that the stemmer
 * wrote for a "y" is read as the "y" again, since that letter is the word's
 * ending, not its root: "party" (parti) is no beginning of "particular".
 * Words one edit apart are left to the typo rule, which has judged them
 * already (known-words.ts): that is how names differ from each other
 * ("Maria" and "Mariah", "Daniel" and "Daniela"), and a derivation or a
 * clipping adds more.
 */
export function sharesRoot(word: string, other: string): boolean {
  const [a, b] = [rootOf(stemmer(word)), rootOf(stemmer(other))];
  if (a === b) return false;
  const [shorter, longer] = a.length <= b.length ? [a, b] : [b, a];
  return (
    shorter.length >= MIN_ROOT_LETTERS &&
    longer.startsWith(shorter) &&
    editDistanceWithin(word, other, 1) === null
  );
}

/**
 * Shorter beginnings are shared by too many unrelated words ("car" and
 * "card", "pain" and "paint", "plan" and "planet"); five letters still let
 * the usual clippings in (chemo, photo, tutor…).
 */
export const MIN_ROOT_LETTERS = 5;

/** A stem with the "y" that Porter turned into a final "i" written back. */
function rootOf(stem: string): string {
  return stem.endsWith('i') ? `${stem.slice(0, -1)}y` : stem;
}
