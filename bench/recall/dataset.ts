/**
 * Reads a conversational-memory benchmark in LoCoMo's JSON format into the
 * plain shape the recall benchmark replays: per conversation, its turns in
 * order (speaker, text, the session's date) and its questions with the ids of
 * their evidence turns. Runs in Node (the bench's vitest config), so the file
 * itself never enters the repository or the Worker bundle.
 *
 * Format (snap-research/LoCoMo `data/locomo10.json`): a list of samples, each
 * with `sample_id`, `conversation.session_N` (turns with `speaker`, `dia_id`,
 * `text`), `conversation.session_N_date_time` ("1:56 pm on 8 May, 2023") and
 * `qa` (`question`, `evidence` dia_ids, `category`). Categories 1–4 are
 * retrieval questions; category 5 (adversarial: asks what the conversation
 * does not hold) has no evidence and is kept apart (`adversarial`), which only
 * chat-floor.study.ts reads.
 */

import { MONTH_NAMES } from '../../src/text/day-spellings.ts';
export interface RecallTurn {
  /** The dataset's turn id (`dia_id`); only the bench sees it, never the vault. */
  turnId: string;
  speaker: string;
  text: string;
  /** The session's date, ms since the epoch (UTC). */
  createdAt: number;
}

export interface RecallQuestion {
  question: string;
  category: number;
  evidence: string[];
}

export interface RecallConversation {
  id: string;
  turns: RecallTurn[];
  questions: RecallQuestion[];
  /** The category-5 questions: nothing in the conversation answers them. */
  adversarial: string[];
}

/** "1:56 pm on 8 May, 2023" → ms (UTC). */
export function parseSessionDate(text: string): number {
  const match = /(\d{1,2}):(\d{2})\s*(am|pm)\s+on\s+(\d{1,2})\s+([A-Za-z]+),?\s+(\d{4})/i.exec(
    text,
  );
  const month = match ? MONTH_NAMES.indexOf(match[5]!.toLowerCase()) : -1;
  if (!match || month < 0) throw new Error(`unreadable session date "${text}"`);
  const hour = (Number(match[1]) % 12) + (match[3]!.toLowerCase() === 'pm' ? 12 : 0);
  return Date.UTC(Number(match[6]), month, Number(match[4]), hour, Number(match[2]));
}

interface RawTurn {
  speaker: string;
  dia_id: string;
  text: string;
}

interface RawSample {
  sample_id?: string;
  conversation: Record<string, unknown>;
  qa: { question: string; evidence?: string[]; category: number }[];
}

export function readConversations(json: string): RecallConversation[] {
  const samples = JSON.parse(json) as RawSample[];
  if (!Array.isArray(samples)) throw new Error('expected a JSON list of conversations');
  return samples.map((sample, position) => {
    const sessions = Object.keys(sample.conversation)
      .map((key) => /^session_(\d+)$/.exec(key))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => Number(match[1]))
      .sort((a, b) => a - b);
    const turns: RecallTurn[] = [];
    for (const session of sessions) {
      const raw = sample.conversation[`session_${session}`] as RawTurn[] | undefined;
      const date = sample.conversation[`session_${session}_date_time`];
      if (!Array.isArray(raw) || raw.length === 0) continue;
      if (typeof date !== 'string') throw new Error(`session ${session} has no date`);
      const createdAt = parseSessionDate(date);
      for (const turn of raw) {
        turns.push({ turnId: turn.dia_id, speaker: turn.speaker, text: turn.text, createdAt });
      }
    }
    const questions = sample.qa
      .filter((qa) => qa.category >= 1 && qa.category <= 4 && (qa.evidence ?? []).length > 0)
      .map((qa) => ({
        question: String(qa.question),
        category: qa.category,
        // A few evidence entries in the published file hold two ids ("D8:6; D9:17").
        evidence: [
          ...new Set(
            (qa.evidence ?? []).flatMap((entry) =>
              entry
                .split(/[;,]/)
                .map((id) => id.trim())
                .filter(Boolean),
            ),
          ),
        ],
      }));
    const adversarial = sample.qa
      .filter((qa) => qa.category === 5)
      .map((qa) => String(qa.question));
    return { id: sample.sample_id ?? `conversation-${position}`, turns, questions, adversarial };
  });
}
