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
 * A label opens a note rather than names who spoke (review 266 F3): "Note
 * 1:", "Todo:", "Reminder:", "Q:"/"A:", "Shopping list:". A label is a
 * speaker's when it looks like a name, by three rules that need nothing but
 * the label, so a memory's voice never depends on the rest of the vault:
 * - its first word is not one of `HEADINGS`, words that head notes (case
 *   aside; English only, and not the months that are also first names:
 *   April, May, June, August);
 * - it holds no digit, unless it is a role and its number ("Speaker 2",
 *   `NUMBERED_ROLES`: diarised transcripts label turns so), since names carry
 *   no numbers while numbered notes ("Note 2", "Step 3", "Day 4") do;
 * - each of its words in a script with case opens with a capital letter,
 *   particles of names aside ("Ludwig van Beethoven"): "Shopping list" and
 *   "Dinner with Sam" are not names.
 * Counting how often the vault has seen a label as a speaker was not taken:
 * a vault of "Note N: …" memories sees "Note" thousands of times, and a
 * memory's voice would change as later memories arrive.
 */
const HEADINGS = new Set(
  (
    'note notes nb ps todo to-do todos reminder reminders update updates q a question answer ' +
    'idea ideas tip tips fact facts summary task tasks goal goals plan plans memo important ' +
    'warning caution edit status subject re fyi fwd meeting agenda action decision entry ' +
    'item items step day week list log diary journal event deadline appointment topic ' +
    'context example result results conclusion observation insight lesson highlight quote ' +
    'source link url tags tag title date time location address phone email project info ' +
    'details description preference preferences birthday today tonight tomorrow yesterday ' +
    'monday tuesday wednesday thursday friday saturday sunday january february march july ' +
    'september october november december'
  ).split(' '),
);
const NUMBERED_ROLES = new Set(
  (
    'speaker person participant user guest caller interviewer interviewee respondent agent ' +
    'customer host moderator student teacher patient doctor player member voice'
  ).split(' '),
);
const NAME_PARTICLES = new Set(
  'van von de da del della der den di du la le ter ten bin ibn al el y dos das do'.split(' '),
);
const NUMBER = /^#?\p{N}+$/u;
const HAS_DIGIT = /\p{N}/u;
const LOWER_START = /^\p{Ll}/u;

/** Whether a label matched by `SPEAKER_LABEL` (colon and spaces included) looks like a name. */
function namesSomeone(label: string): boolean {
  const words = label.trim().slice(0, -1).split(' ');
  const first = words[0]!.toLowerCase();
  if (HEADINGS.has(first.replace(/\.$/u, ''))) return false;
  if (HAS_DIGIT.test(label))
    return words.length === 2 && NUMBERED_ROLES.has(first) && NUMBER.test(words[1]!);
  return words.every((word, at) => !LOWER_START.test(word) || (at > 0 && NAME_PARTICLES.has(word)));
}

/** The speaker label opening the content ("Caroline: "), or '' when it opens with none. */
function speakerLabelOf(content: string): string {
  const label = SPEAKER_LABEL.exec(content)?.[0] ?? '';
  return label !== '' && namesSomeone(label) ? label : '';
}

/**
 * The rules above, as a number: text pages (text-checkpoint.ts) keep each
 * memory's voice, and pages written under other rules are read again from
 * the memories. Raise it whenever a memory's voice may come out differently.
 */
export const VOICE_RULES = 1;

/**
 * Characters of a memory's content that decide whether it opens with a
 * speaker label, and whether it is small talk alone: a memory longer than
 * this is never taken for small talk (a timeline load reads one more, to know).
 */
export const LABEL_READ = 64;

/** Whether the content opens with a speaker label ("Caroline: …"). */
export function opensWithSpeakerLabel(content: string): boolean {
  return speakerLabelOf(content) !== '';
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
  const label = speakerLabelOf(content);
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
