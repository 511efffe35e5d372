import { eng } from 'stopword';

/**
 * Turns free text into a safe FTS5 query: every word becomes a quoted term and
 * the terms are OR-ed, so punctuation or FTS5 operators in user text can never
 * be parsed as query syntax, and BM25 ranks by how many rare terms match.
 * Stopwords are dropped (unless the query has nothing else): in an OR query a
 * lone "our" or "the" would otherwise match, and outrank, unrelated memories.
 */
const MAX_TERMS = 32;
const STOPWORDS = new Set(eng);

export function ftsQuery(text: string): string | null {
  const words = [...new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])];
  const content = words.filter((word) => !STOPWORDS.has(word));
  const terms = (content.length > 0 ? content : words).slice(0, MAX_TERMS);
  if (terms.length === 0) return null;
  return terms.map((word) => `"${word}"`).join(' OR ');
}
