import type { IndexEntry } from './vector-index-types';

/**
 * The vector index's row order, (createdAt, seq, chunk): time order, and
 * within one timestamp the order memories were stored in, a memory's chunks
 * together. The index keeps its keys in three parallel typed arrays, so the
 * searches here take the arrays and a row count rather than an object: plain
 * loops over typed arrays, which the engine keeps monomorphic and inlines.
 */

export function compareKeys(
  timeA: number,
  seqA: number,
  chunkA: number,
  timeB: number,
  seqB: number,
  chunkB: number,
): number {
  return timeA - timeB || seqA - seqB || chunkA - chunkB;
}

export function compareEntries(a: IndexEntry, b: IndexEntry): number {
  return compareKeys(a.createdAt, a.seq, a.chunk ?? 0, b.createdAt, b.seq, b.chunk ?? 0);
}

/** First row in [0, limit) whose key sorts after (time, seq, chunk). */
export function upperBoundKey(
  times: Float64Array,
  seqs: Int32Array,
  chunks: Int32Array,
  limit: number,
  time: number,
  seq: number,
  chunk: number,
): number {
  let lo = 0;
  let hi = limit;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const order = compareKeys(times[mid]!, seqs[mid]!, chunks[mid]!, time, seq, chunk);
    if (order <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First row in [0, limit) whose key sorts at or after (time, seq, chunk). */
export function lowerBoundKey(
  times: Float64Array,
  seqs: Int32Array,
  chunks: Int32Array,
  limit: number,
  time: number,
  seq: number,
  chunk: number,
): number {
  let lo = 0;
  let hi = limit;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const order = compareKeys(times[mid]!, seqs[mid]!, chunks[mid]!, time, seq, chunk);
    if (order < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First row in [0, limit) whose createdAt > time. */
export function upperBoundTime(times: Float64Array, limit: number, time: number): number {
  let lo = 0;
  let hi = limit;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((times[mid] as number) <= time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First row in [0, limit) whose createdAt >= time. */
export function lowerBoundTime(times: Float64Array, limit: number, time: number): number {
  let lo = 0;
  let hi = limit;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((times[mid] as number) < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
