import { isFunctionWord } from './tokens';
import { NOUN_FORMS, VERB_FORMS } from './word-forms.generated';

/** Each folded word of the families and the forms a query reads it with, built on first need. */
let formsOf: Map<string, readonly string[]> | null = null;

/**
 * The other forms a query word is read with, where the stemmer cannot bring
 * them to its stem (Porter strips "wins" and "winning" to "win", but leaves
 * "won" and "children" as they are):
 *
 * - an irregular verb's base form is read with its past forms ("win": "won";
 *   "go": "went", "gone"), because a question asks with the base ("what did
 *   Nate win?", "why did she choose it?": English asks with "did" and the
 *   base) what a memory tells in the past ("I won a tournament", "I chose
 *   them"). Not the other way round: a past form asks in the past already
 *   ("has she seen it?"), and the base form is the commonest ("see you!",
 *   "show me"), so "seen" read as "see" finds chatter, not what was seen.
 *   The past forms are read with each other ("has he written": "wrote").
 * - an irregular plural and its singular, both ways ("children": "child"),
 *   as the stemmer joins "dogs" and "dog".
 *
 * Empty for every other word. The families (scripts/build-word-forms.mjs)
 * leave out a form that would join two words ("saw": "see" or the tool;
 * "lay": "lie" or "lay"), and families of function words are skipped: where
 * a form is one ("make", "did", "get"), a query does not search for it, so
 * "made" and "done" are not read as it either.
 */
export function queryWordForms(word: string): readonly string[] {
  formsOf ??= wordForms();
  return formsOf.get(word) ?? [];
}

function wordForms(): Map<string, readonly string[]> {
  const forms = new Map<string, readonly string[]>();
  for (const family of familiesOf(VERB_FORMS)) {
    const [base, ...past] = family;
    forms.set(base!, past);
    for (const form of past)
      forms.set(
        form,
        past.filter((other) => other !== form),
      );
  }
  for (const family of familiesOf(NOUN_FORMS))
    for (const form of family)
      forms.set(
        form,
        family.filter((other) => other !== form),
      );
  return forms;
}

/** The families of a generated list, one a line, less those holding a function word. */
function familiesOf(text: string): string[][] {
  return text
    .split('\n')
    .map((line) => line.split(' ').filter(Boolean))
    .filter((family) => family.length > 1 && !family.some(isFunctionWord));
}
