import { isSmallTalkText } from '../../text/turn-text';
import { wordSpans } from '../../text/folded-words';
/**
 * Which neighbouring memories are turns of one conversation, so that one may
 * lend the other its words as context (passage-context.ts). Context is what
 * finds "yes, last week" by the question about Lisbon the turn before it
 * asked, but a batch of notes an app stores together is not a conversation:
 * "my sister is called Jo" says nothing about the car noted beside it.
 *
 * So each memory gets a voice, one byte: its role, and whether it names who
 * said it (a `Caroline: …` label, or metadata speaker, name or author, as the
 * name boost reads them). Two neighbours are one conversation when both name
 * their speaker (a transcript, such as LoCoMo's turns, all of one role), or
 * when one is the user's and the other the assistant's (a chat's turn and
 * its reply). Two plain memories of one role are notes, and lend nothing.
 * The time they were stored says nothing here: a whole transcript is often
 * stored with one timestamp, and so is a batch of notes.
 */

const ROLE_BITS = { USER: 1, ASSISTANT: 2, SYSTEM: 3 } as const;
const ROLE_MASK = 3;
const NAMES_SPEAKER = 4;
/**
 * Small talk alone (turn-text.ts's rule, the one chat skips storing by):
 * "Maya: ok", "Jon: thanks for understanding haha". Such a memory says
 * nothing of its own, so it borrows no context and its speaker label is no
 * match (passage-context.ts, `labelWordsOf`); the two bits above it hold how
 * many words its label takes (0–3).
 */
const SMALL_TALK = 8;
const LABEL_SHIFT = 4;
/**
 * A memory that ends in a question ("Did you go on that hike?"): the turn
 * after it is likely its answer, and borrows more of its words
 * (passage-context.ts), while it borrows less of the answer's.
 */
const ASKS = 64;

/**
 * Characters of a memory's end that decide whether it ends in a question
 * (`ASKS`): a timeline load reads no more of each memory than these and
 * `LABEL_READ`.
 */
export const CLOSING_READ = 16;
const ENDS_IN_QUESTION = /[?？]\s*$/u;

/**
 * A speaker label opening the content: a capitalised name of up to three
 * words and 40 characters, then a colon and a space ("Caroline: …", "Dr.
 * Jane Smith: …"). Bounded so that the first 64 characters decide it, which
 * is all a timeline load reads of each memory (`LABEL_READ`).
 */
const SPEAKER_LABEL =
  /^\s{0,4}(?=[^:\n]{1,40}:)[\p{Lu}\p{Lt}\p{Lo}][\p{L}\p{M}\p{N}'’.-]*(?: [\p{L}\p{M}\p{N}'’.-]+){0,2}:(?:\s|$)/u;

/**
 * Characters of a memory's content that decide whether it opens with a
 * speaker label, and whether it is small talk alone: a memory longer than
 * this is never taken for small talk (a timeline load reads one more, to know).
 */
export const LABEL_READ = 64;

/** Whether the content opens with a speaker label ("Caroline: …"). */
export function opensWithSpeakerLabel(content: string): boolean {
  return SPEAKER_LABEL.test(content);
}

/**
 * A memory's voice: its role, whether it names its speaker in a label or in
 * metadata (`speakerInMetadata`: what `namesSpeaker` says of it), and whether
 * it ends in a question. `content` is the whole content or its first
 * `LABEL_READ` + 1 characters; `closing`, its last characters (at least
 * `CLOSING_READ`), when `content` is not whole.
 */
export function voiceOf(
  role: string,
  content: string,
  speakerInMetadata: boolean,
  closing = content,
): number {
  const roleBits = ROLE_BITS[role as keyof typeof ROLE_BITS] ?? 0;
  const label = SPEAKER_LABEL.exec(content)?.[0] ?? '';
  const names = speakerInMetadata || label !== '' ? NAMES_SPEAKER : 0;
  const asks = ENDS_IN_QUESTION.test(closing) ? ASKS : 0;
  if (content.length > LABEL_READ || !isSmallTalkText(content.slice(label.length)))
    return roleBits | names | asks;
  return roleBits | names | asks | SMALL_TALK | (wordSpans(label).length << LABEL_SHIFT);
}

/** Whether the memory of this voice ends in a question. */
export function asksVoice(voice: number): boolean {
  return (voice & ASKS) !== 0;
}

/** Whether the memory of this voice is small talk alone ("Maya: ok"). */
export function isSmallTalkVoice(voice: number): boolean {
  return (voice & SMALL_TALK) !== 0;
}

/** Whether the memory of this voice names its speaker (a label such as "Maya: …", or metadata). */
export function namesSpeakerVoice(voice: number): boolean {
  return (voice & NAMES_SPEAKER) !== 0;
}

/** How many words a small-talk memory's speaker label takes (0 for any other memory). */
export function labelWordsOf(voice: number): number {
  return (voice & SMALL_TALK) === 0 ? 0 : (voice >> LABEL_SHIFT) & 3;
}

/** Whether two neighbouring memories, by their voices, are turns of one conversation. */
export function sameConversation(voice: number, next: number): boolean {
  if ((voice & NAMES_SPEAKER) !== 0 && (next & NAMES_SPEAKER) !== 0) return true;
  const role = voice & ROLE_MASK;
  const nextRole = next & ROLE_MASK;
  return (
    (role === ROLE_BITS.USER && nextRole === ROLE_BITS.ASSISTANT) ||
    (role === ROLE_BITS.ASSISTANT && nextRole === ROLE_BITS.USER)
  );
}
