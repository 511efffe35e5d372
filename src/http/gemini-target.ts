/**
 * Gemini's paths name a model and a method in one segment,
 * `/v1beta/models/{model}:{method}`, while a model id may hold colons of its
 * own (an OpenAI fine-tune: `ft:gpt-4o-mini:org::abc`). A segment is a
 * Gemini call only when it ends in one of Google's model methods; any other
 * is a model id, looked up as such.
 */
const GOOGLE_MODEL_METHODS = new Set([
  'generateContent',
  'streamGenerateContent',
  'countTokens',
  'embedContent',
  'batchEmbedContents',
  'asyncBatchEmbedContent',
  'batchGenerateContent',
  'generateAnswer',
  'predict',
  'predictLongRunning',
]);

/** Whether a `/models/…` segment is Gemini's `{model}:{method}` rather than a model id. */
export function isGeminiMethodTarget(target: string): boolean {
  const colon = target.lastIndexOf(':');
  return colon > 0 && GOOGLE_MODEL_METHODS.has(target.slice(colon + 1));
}
