import { describe, expect, it } from 'vitest';
import { PostingsCache } from '../../src/durable/full-text/postings-cache';
import type { TermPostings } from '../../src/durable/full-text/term-postings';

const empty = { seqs: [] } as unknown as TermPostings;

describe('the postings cache of a long-lived vault', () => {
  it('keeps a bounded number of terms no memory holds (misspellings, unknown words)', () => {
    const cache = new PostingsCache(1_000);
    for (let n = 0; n < 10_000; n++) cache.get(`missing${n}`, () => empty);
    expect(cache.size).toBeLessThanOrEqual(1_000 / 16);
    // The latest are the ones kept, and still answer without a read.
    let read = 0;
    cache.get('missing9999', () => (read++, empty));
    expect(read).toBe(0);
  });
});
