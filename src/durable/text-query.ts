/**
 * Turns free text into a safe FTS5 query: every word becomes a quoted term and
 * the terms are OR-ed, so punctuation or FTS5 operators in user text can never
 * be parsed as query syntax, and BM25 ranks by how many rare terms match.
 */
const MAX_TERMS = 32;

export function ftsQuery(text: string): string | null {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const unique = [...new Set(words)].slice(0, MAX_TERMS);
  if (unique.length === 0) return null;
  return unique.map((word) => `"${word}"`).join(' OR ');
}
