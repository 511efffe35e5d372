import { createHash } from 'node:crypto';
import { stemmer } from 'stemmer';
import { queryTerms } from './tokens';

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
 * Words of greeting, thanks and acknowledgement. The query stopword list
 * (tokens.ts) holds function words only, so "hi", "thanks" or "ok" would
 * count as content there; a chat turn of nothing else is small talk, not
 * something to remember. Compared as index terms (stemmed, folded).
 */
const SMALL_TALK = new Set(
  [
    ...['hi', 'hello', 'hey', 'hiya', 'howdy', 'yo', 'greetings', 'bye', 'goodbye', 'cya'],
    ...['thanks', 'thank', 'thx', 'ty', 'cheers', 'appreciated', 'welcome', 'np'],
    ...['ok', 'okay', 'kk', 'alright', 'fine', 'sure', 'cool', 'great', 'nice', 'awesome'],
    ...['perfect', 'good', 'morning', 'afternoon', 'evening', 'night', 'lol', 'haha'],
    ...['hmm', 'ah', 'oh', 'wow', 'yay', 'gotcha', 'noted', 'understood', 'much', 'lot'],
  ].map((word) => stemmer(word)),
);

/**
 * Whether a user's words say anything to remember: some word that is neither
 * a function word (the rule searches read queries by, tokens.ts
 * `queryTerms`) nor small talk. "hi", "thanks!", "ok" and "👍" have none.
 */
export function hasContentWords(text: string): boolean {
  return queryTerms(text).some((term) => !SMALL_TALK.has(term));
}
