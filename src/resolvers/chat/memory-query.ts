import type { ChatMessage } from '../../providers/types';
import { MAX_QUERY_LENGTH } from '../../core/limits';
import { offsetOf } from '../../core/time-offsets';
import { readQueryDates } from '../../text/query-dates';
import { queryTerms } from '../../text/tokens';
import { isSmallTalkText } from '../../text/turn-text';

/**
 * A last user turn with fewer content words than this (and no date) is a
 * follow-up: memory is read with the earlier user turn's words too.
 * "When was that?" has none, "And who went with her?" one ("went"), and
 * each asks about the subject of the turn before it ("What did Melanie say
 * about her camping trip?"): read alone, the first searched nothing and the
 * second found every memory that says "went" (outside review 213 #7). Two
 * content words usually name a subject of their own ("Melanie's camping
 * trip?"), so such a turn is read alone, as before. A one-word question that
 * stands alone ("where do I live?") gets the earlier words too; its own word
 * stays in the search, so a memory holding it still ranks by it, and only
 * the one earlier user turn is added, never the whole history.
 */
export const FOLLOW_UP_CONTENT_WORDS = 2;

/** A user message as the memory read sees it: not a tool result. */
function isUserWords(message: ChatMessage): boolean {
  return message.role === 'USER' && !message.toolCallId;
}

/**
 * The words a chat reads memory with, from its messages (memoryQuery's
 * rule); null when there is no user turn.
 */
export function memoryQuery(messages: readonly ChatMessage[], now: Date | null): string | null {
  const users = messages.filter(isUserWords);
  const last = users.at(-1);
  if (last === undefined) return null;
  return followUpQuery(last.content, users.at(-2)?.content ?? null, now);
}

/**
 * The words a chat reads memory with: the last user turn's, and, when that
 * turn is a follow-up (fewer than FOLLOW_UP_CONTENT_WORDS content words and
 * no date), the last earlier user turn's after them, unless either is small
 * talk. `now` is the search's, for what a date word means in its calendar.
 */
export function followUpQuery(last: string, earlier: string | null, now: Date | null): string {
  if (earlier === null || earlier.trim() === '') return last;
  if (isSmallTalkText(last) || isSmallTalkText(earlier)) return last;
  // Judged on what a search reads of it: a message may be megabytes.
  const read = last.slice(0, MAX_QUERY_LENGTH);
  if (queryTerms(read).length >= FOLLOW_UP_CONTENT_WORDS) return last;
  const at = (now ?? new Date()).getTime();
  if (readQueryDates(read, at, now == null ? 0 : offsetOf(now)).dates.length > 0) return last;
  return `${last}\n${earlier}`;
}
