/**
 * Verbs that shape a question about a conversation ("what did Kenji say?",
 * "can you remind me…", "what did we talk about?", "what happened?"): they
 * ask about what was said or done, and match nothing the answer holds, only
 * memories that happen to use the verb ("the vet says…", "Reminder: renew
 * the car insurance", "What happened to the apartment?"). Left out of a
 * query's words; a memory's own words are indexed and counted as ever
 * (turns that say "I will tell them" are still found by "tell them").
 * Folded, unstemmed forms: "reminder" and "reminders" stay words, a note
 * of that name is something a user asks for.
 */
const QUESTION_VERBS = new Set([
  ...['say', 'says', 'saying', 'tell', 'tells', 'told', 'telling'],
  ...['remind', 'reminds', 'reminded', 'reminding', 'mention', 'mentions', 'mentioned'],
  ...['mentioning', 'happen', 'happens', 'happened', 'happening', 'discuss', 'discusses'],
  ...['discussed', 'discussing', 'talked', 'talking', 'speak', 'speaks', 'spoke', 'spoken'],
]);

/** Whether a folded query word is such a verb (`QUESTION_VERBS`). */
export function isQuestionVerb(foldedWord: string): boolean {
  return QUESTION_VERBS.has(foldedWord);
}

/**
 * "talk" and "talks" are also nouns ("my talk at the conference"): a verb
 * of the question only before "about", "to" or "with".
 */
const TALK_ABOUT = /\btalks?(?=\s+(?:about|to|with)\b)/giu;

/** `text` with "talk about" / "talk to" / "talk with"'s verb blanked (same length). */
export function withoutTalkVerb(text: string): string {
  return text.replace(TALK_ABOUT, (said) => ' '.repeat(said.length));
}
