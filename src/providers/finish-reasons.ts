/**
 * What the providers' finish words mean, whatever the wire they came on
 * (Anthropic's `stop_reason`, OpenAI's `finish_reason` or a Responses
 * answer's status, Gemini's `finishReason`): read where a turn is judged
 * (a refused answer is never stored) and where an answer is told in another
 * provider's words (cross-format-out.ts).
 */

/**
 * The model refused or a safety filter cut the answer: Anthropic's
 * `refusal` (its docs: remove the refused turn before continuing, or the
 * refusals continue), OpenAI's `content_filter` (also a Responses answer
 * left incomplete for that reason), Gemini's SAFETY and its kin.
 */
const REFUSED_ENDS: ReadonlySet<string> = new Set([
  'refusal',
  'content_filter',
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
]);

/** The answer stopped at its token limit. */
const LENGTH_ENDS: ReadonlySet<string> = new Set(['length', 'max_tokens', 'MAX_TOKENS']);

export function isRefusedEnd(finishReason: string | null | undefined): boolean {
  return REFUSED_ENDS.has(finishReason ?? '');
}

export function isLengthEnd(finishReason: string | null | undefined): boolean {
  return LENGTH_ENDS.has(finishReason ?? '');
}
