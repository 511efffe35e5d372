import { utf8Length } from '../../core/encoding';

/** Ends a chat message cut to fit one memory. */
export const TRUNCATED_MARKER = ' […truncated]';

/** A reasoning model's thoughts before its answer (DeepSeek R1, QwQ on Ollama or llama.cpp). */
const LEADING_THINK = /^\s*<think>[\s\S]*?<\/think>\s*/;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A chat message as a turn stores it, so that one odd part never costs the
 * whole turn (review201 F9): a lone UTF-16 surrogate becomes U+FFFD (a
 * memory must be text; storeMemory refuses it, INVALID_TEXT), an answer's
 * leading `<think>…</think>` block is left out (thoughts, not the answer:
 * Anthropic's thinking blocks and Gemini's thought parts are left out the
 * same way), and a message over the memory content limit is cut on a code
 * point boundary to fit, ending with TRUNCATED_MARKER.
 */
export function storableTurnText(
  content: string,
  role: 'USER' | 'ASSISTANT' | 'SYSTEM',
  maxContentBytes: number,
): string {
  let text = content.toWellFormed();
  if (role === 'ASSISTANT') text = text.replace(LEADING_THINK, '');
  if (utf8Length(text) <= maxContentBytes) return text;
  const bytes = encoder.encode(text);
  let end = Math.max(0, maxContentBytes - utf8Length(TRUNCATED_MARKER));
  // Back off past continuation bytes (10xxxxxx) to the start of a code point.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return decoder.decode(bytes.subarray(0, end)) + TRUNCATED_MARKER;
}
