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

/**
 * Where a binary search stops: at the first row whose key sorts `after` the
 * one given, or `from` it on (at or after).
 */
export type Bound = 'after' | 'from';

/** First row in [0, limit) whose key sorts after (time, seq, chunk), or at or after it. */
export function keyBound(
  times: Float64Array,
  seqs: Int32Array,
  chunks: Int32Array,
  limit: number,
  time: number,
  seq: number,
  chunk: number,
  bound: Bound,
): number {
  const passEqual = bound === 'after';
  let lo = 0;
  let hi = limit;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const order = compareKeys(times[mid]!, seqs[mid]!, chunks[mid]!, time, seq, chunk);
    if (order < 0 || (passEqual && order === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First row in [0, limit) whose createdAt is after `time`, or at or after it. */
export function timeBound(times: Float64Array, limit: number, time: number, bound: Bound): number {
  const passEqual = bound === 'after';
  let lo = 0;
  let hi = limit;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const at = times[mid] as number;
    if (at < time || (passEqual && at === time)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
