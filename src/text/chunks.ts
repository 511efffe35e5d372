import { tokenize, words } from './tokens';

/**
 * Long memories are indexed as overlapping chunks, so the one paragraph that
 * answers a query is not drowned out by the rest of a 32 KB document. A chunk
 * is CHUNK_WORDS index words (about 300 tokens, the size the replaced system
 * used) and overlaps the next by CHUNK_OVERLAP words, so a sentence cut at a
 * boundary is whole in one of the two. Words, not model tokens, because the
 * vault counts words the way its full-text index does (gpt-tokenizer is too
 * heavy to load inside the object), and both sides must cut at the same places.
 * Chinese, Japanese and Korean runs are the exception: the index reads them as
 * characters and pairs (cjk.ts), the vector side as the words they were before
 * (`words`), so vectors stored before the index read them so keep their chunks.
 */
export const CHUNK_WORDS = 300;
export const CHUNK_OVERLAP = 30;
const STRIDE = CHUNK_WORDS - CHUNK_OVERLAP;

/** A chunk as a range of words: the first word's index and how many words. */
export interface WordRange {
  first: number;
  count: number;
}

/** The chunks of a text of `words` words; one chunk (all of it) when it is short. */
export function chunkWordRanges(words: number): WordRange[] {
  if (words <= CHUNK_WORDS) return [{ first: 0, count: words }];
  const ranges: WordRange[] = [];
  for (let first = 0; ; first += STRIDE) {
    const count = Math.min(CHUNK_WORDS, words - first);
    ranges.push({ first, count });
    if (first + count >= words) return ranges;
  }
}

/** The chunk numbers (0-based) whose word range holds word `offset`. */
export function chunksHolding(words: number, offset: number): number[] {
  if (words <= CHUNK_WORDS) return [0];
  const last = chunkWordRanges(words).length - 1;
  const latest = Math.min(last, Math.floor(offset / STRIDE));
  // Overlapping chunks: the word may also sit in the tail of the chunk before.
  return latest > 0 && offset < (latest - 1) * STRIDE + CHUNK_WORDS
    ? [latest - 1, latest]
    : [latest];
}

/** A chunk of content in characters, [start, end). */
export interface CharSpan {
  start: number;
  end: number;
}

/**
 * The character spans of a text's chunks: from the first word's first
 * character to the last word's last. A short text is one span over all of it.
 */
export function chunkSpans(content: string): CharSpan[] {
  // Words are separated, so a text has at most one word per two characters:
  // one this short is a single chunk without finding (and stemming) its
  // words, which every store does for every memory, twice.
  if (content.length <= 2 * CHUNK_WORDS) return [{ start: 0, end: content.length }];
  const tokens = words(content);
  if (tokens.length <= CHUNK_WORDS) return [{ start: 0, end: content.length }];
  return chunkWordRanges(tokens.length).map(({ first, count }) => ({
    start: tokens[first]!.start,
    end: tokens[first + count - 1]!.end,
  }));
}

/** The character span of words [first, first + count) of `content`. */
export function wordSpan(content: string, range: WordRange): CharSpan {
  const tokens = tokenize(content);
  if (tokens.length === 0 || range.count <= 0) return { start: 0, end: content.length };
  const first = Math.min(range.first, tokens.length - 1);
  const last = Math.min(range.first + range.count, tokens.length) - 1;
  return { start: tokens[first]!.start, end: tokens[last]!.end };
}
