import { createHash } from 'node:crypto';
import { stemmer } from 'stemmer';
import { foldWord, wordSpans } from './folded-words';
import { indexTerm, isFunctionWord, QUESTION_WORDS } from './tokens';

/** The metadata kind of a chat turn stored with extraction (`{"kind": "turn"}`). */
export const TURN_KIND = 'turn';

/**
 * Whether a memory's metadata (its JSON text) marks it a turn stored with
 * extraction; a substring test first, so most metadata is never parsed.
 */
export function isTurnMetadata(metadata: string | null): boolean {
  if (metadata === null || !metadata.includes(`"${TURN_KIND}"`)) return false;
  try {
    const parsed: unknown = JSON.parse(metadata);
    return (
      typeof parsed === 'object' &&
      parsed !== null &&
      (parsed as { kind?: unknown }).kind === TURN_KIND
    );
  } catch {
    return false;
  }
}

/**
 * A text as the repeated-turn check compares it: in Unicode's composed form
 * (NFC), trimmed, every run of whitespace one space. A resent chat turn is
 * byte for byte the same, but a client may rejoin its parts or reflow it, and
 * one keyboard or platform writes "é" as one code point where another writes
 * "e" and a combining accent; case and punctuation still count.
 */
export function normalisedText(text: string): string {
  return text.normalize('NFC').trim().replace(/\s+/gu, ' ');
}

/**
 * A 48-bit digest of the normalised text, as an integer SQLite indexes
 * (`memories.content_key`): the vault finds candidates by it and then
 * compares the texts themselves, so a collision never drops a turn. Digests
 * written before texts were put in NFC are the same for text already in NFC
 * (nearly all); a row stored in another form keeps a digest no turn finds,
 * so for the rest of its 24 hours a repeat of it is stored once more.
 */
export function textKey(text: string): number {
  return createHash('sha256').update(normalisedText(text)).digest().readUIntBE(0, 6);
}

/**
 * Greetings and thanks: small talk, and beside them a question is phatic
 * ("hi, how are you?", "hey, how was your night?", "thanks, how's it
 * going?"), small talk as before (`isSmallTalkText`).
 */
const GREETING_WORDS = [
  ...['hi', 'hello', 'hey', 'hiya', 'howdy', 'yo', 'greetings', 'bye', 'goodbye', 'cya'],
  ...['thanks', 'thank', 'thx', 'ty', 'cheers'],
];

/**
 * Words of greeting, thanks, acknowledgement, yes and no, in English and in
 * the cheap cases of Spanish, French, German, Italian and Portuguese, with the
 * fillers they come with ("muchas", "beaucoup", "mille"; "no" and "thing"
 * are SMALL_TALK_FILLERS, below). The query stopword list (tokens.ts) holds function words only, so
 * "hi", "thanks" or "ok" would count as content there. Compared as index terms
 * (folded, stemmed), so "sí" and "si", "schön" and "schon" are one.
 */
const SMALL_TALK = new Set(
  [
    ...GREETING_WORDS,
    ...['appreciated', 'welcome', 'np', 'please'],
    ...['pls', 'ok', 'okay', 'kk', 'alright', 'fine', 'sure', 'cool', 'great'],
    ...['nice', 'awesome', 'perfect', 'good', 'morning', 'afternoon', 'evening', 'night'],
    ...['lol', 'haha', 'hmm', 'ah', 'oh', 'wow', 'yay', 'gotcha', 'noted', 'understood'],
    ...['much', 'lot', 'yes', 'yeah', 'yep', 'yup', 'nope', 'nah'],
    // Spanish
    ...['hola', 'gracias', 'muchas', 'adiós', 'buenos', 'buenas', 'días', 'tardes', 'noches'],
    ...['sí', 'vale', 'claro', 'nada', 'perfecto', 'genial', 'bueno', 'chao'],
    // French
    ...['bonjour', 'bonsoir', 'salut', 'merci', 'beaucoup', 'oui', 'ouais', 'non', 'accord'],
    ...['revoir', 'bien', 'très', 'super', 'parfait'],
    // German
    ...['hallo', 'danke', 'vielen', 'dank', 'schön', 'bitte', 'ja', 'nein', 'tschüss'],
    ...['guten', 'morgen', 'abend', 'gut', 'alles', 'klar', 'genau'],
    // Italian
    ...['ciao', 'grazie', 'mille', 'prego', 'buongiorno', 'buonasera', 'arrivederci'],
    ...['salve', 'perfetto', 'bene', 'certo', 'va'],
    // Portuguese
    ...['olá', 'obrigado', 'obrigada', 'muito', 'sim', 'não', 'tchau', 'valeu', 'beleza'],
    ...['bom', 'dia', 'boa', 'tarde', 'noite'],
  ].map((word) => indexTerm(word)),
);

/**
 * Words that go with small talk ("sure thing", "no thanks", "oh no") but also
 * make real questions with function words alone ("what was that thing
 * again?", "no, the other thing"): small talk beside a word of SMALL_TALK,
 * or alone ("no", "no no"), never with function words only (outside review
 * 102, leftovers: such questions read no memory and were not stored).
 */
const SMALL_TALK_FILLERS = new Set(['no', 'thing'].map((word) => indexTerm(word)));

/**
 * English question words (tokens.ts), with the contractions typed without
 * an apostrophe: a message asking with one ("how much was it?", "what did I
 * do this morning?") wants an answer memory may hold, even when its other
 * words are function words and small-talk words ("much", "morning").
 */
const ASKING_WORDS = new Set(QUESTION_WORDS.flatMap((word) => [word, `${word}s`]));

/**
 * Words of the stock phatic questions ("how's it going?", "how's life?",
 * "how's everything?"): small talk only beside a greeting, compared as
 * written so "go" and "lives" stay content ("hi, where did I go?").
 */
const PHATIC_WORDS = new Set(['going', 'everything', 'life']);

/**
 * "got it": an acknowledgement, small talk when it opens the message or
 * follows small talk ("Got it.", "ok, got it, thanks"); "I got it" and "got
 * the tickets" say something (review 104 #6: the stored reply "Got it." was
 * injected for "When is the Falcon launch?").
 */
function acknowledges(folded: readonly string[], at: number): boolean {
  return (
    folded[at] === 'got' &&
    folded[at + 1] === 'it' &&
    folded.slice(0, at).every((word) => SMALL_TALK.has(stemmer(word)))
  );
}

/** GREETING_WORDS as index terms; "good" greets only before a time of day ("good morning"). */
const GREETINGS = new Set(GREETING_WORDS.map((word) => indexTerm(word)));
const TIMES_OF_DAY = new Set(['morning', 'afternoon', 'evening', 'night']);

/** Words that make "what a …!" and "how nice!" exclamations, not questions, without a "?". */
const EXCLAIMED = new Set([
  ...['a', 'an', 'nice', 'cool', 'great', 'awesome', 'lovely', 'sweet', 'fun', 'good'],
  ...['wonderful', 'amazing', 'exciting', 'sad', 'funny', 'cute', 'perfect', 'weird'],
]);

/**
 * Whether a user's words are small talk, nothing to remember: at least one
 * small-talk word ("hi", "thanks", "oui", "danke") and otherwise only function
 * words (tokens.ts, the rule searches read queries by), punctuation and
 * emoji, as in "thank you so much!" or "no thanks"; or no word at all ("👍",
 * "..."). A turn of function words alone ("Never again", "I'm he/him") says
 * something and is stored, and so does a question (ASKING_WORDS) without a
 * greeting (GREETINGS): "how much was it?" is one, "hi, how are you?" and
 * "what a night!" are not, and neither is "thanks, how's it going?"
 * (PHATIC_WORDS). "got it" is small talk where it acknowledges
 * (`acknowledges`). Runs of CJK characters count as content.
 */
export function isSmallTalkText(text: string): boolean {
  const found = wordSpans(text);
  const folded = found.map(({ start, end }) => foldWord(text.slice(start, end)));
  const questionMark = text.includes('?');
  let smallTalk = false;
  let fillers = false;
  let functionWords = false;
  let greeted = false;
  let asks = false;
  let phatic = false;
  for (const [at, word] of folded.entries()) {
    if (ASKING_WORDS.has(word)) {
      functionWords = true;
      if (questionMark || !EXCLAIMED.has(folded[at + 1] ?? '')) asks = true;
      continue;
    }
    const term = stemmer(word);
    if (GREETINGS.has(term) || (TIMES_OF_DAY.has(word) && folded[at - 1] === 'good'))
      greeted = true;
    if (SMALL_TALK.has(term) || acknowledges(folded, at)) smallTalk = true;
    else if (SMALL_TALK_FILLERS.has(term)) fillers = true;
    else if (isFunctionWord(word)) functionWords = true;
    else if (PHATIC_WORDS.has(word)) phatic = true;
    else return false;
  }
  if ((asks || phatic) && !greeted) return false;
  return smallTalk || (fillers && !functionWords) || found.length === 0;
}
