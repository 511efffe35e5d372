import { describe, expect, it } from 'vitest';
import { addShares } from '../src/durable/full-text/share-sums';
import type { TermImpacts } from '../src/durable/full-text/term-impacts';
import { seededRandom } from './helpers/random';

/** The sums as text-pruning.ts added them before share-sums.ts: term by term, in query order. */
function termByTerm(
  sums: Float64Array,
  first: number,
  last: number,
  impacts: readonly TermImpacts[],
): void {
  for (const { lo, passages, shares } of impacts) {
    if (lo >= 0) {
      for (
        let passage = Math.max(first, lo);
        passage < Math.min(last, lo + shares.length);
        passage++
      )
        sums[passage]! += shares[passage - lo]!;
      continue;
    }
    passages.forEach((passage, k) => {
      if (passage >= first && passage < last) sums[passage]! += shares[k]!;
    });
  }
}

/** A term's shares over a random stretch of `size` passages, dense or listed. */
function randomTerm(random: () => number, size: number): TermImpacts {
  const lo = Math.floor(random() * size);
  const length = Math.floor(random() * (size - lo + 1));
  // Shares of contextual BM25 have no round sums: these add up with rounding.
  const share = () => (random() < 0.2 ? 0 : random() * 7.3);
  if (random() < 0.3) {
    const passages = Int32Array.from(
      Array.from({ length }, (_, i) => lo + i).filter(() => random() < 0.3),
    );
    return { lo: -1, passages, shares: Float64Array.from(passages, share), bytes: 0 };
  }
  return {
    lo,
    passages: new Int32Array(0),
    shares: Float64Array.from({ length }, share),
    bytes: 0,
  };
}

describe('adding a query’s term shares', () => {
  it('gives every passage the same double as adding term by term, in query order', () => {
    const random = seededRandom(13);
    for (let round = 0; round < 300; round++) {
      const size = 1 + Math.floor(random() * 300);
      const terms = Array.from({ length: 1 + Math.floor(random() * 12) }, () =>
        randomTerm(random, size),
      );
      const first = Math.floor(random() * size);
      const last = first + Math.floor(random() * (size - first + 1));
      const expected = new Float64Array(size);
      const got = new Float64Array(size);
      termByTerm(expected, first, last, terms);
      addShares(got, first, last, terms);
      expect(Array.from(got)).toEqual(Array.from(expected));
    }
  });

  it('adds in query order: reordering the terms changes some sums, so order is what the test checks', () => {
    const random = seededRandom(5);
    const terms = Array.from({ length: 6 }, () => ({
      lo: 0,
      passages: new Int32Array(0),
      shares: Float64Array.from({ length: 500 }, () => random() * 7.3),
      bytes: 0,
    }));
    const inOrder = new Float64Array(500);
    const reversed = new Float64Array(500);
    addShares(inOrder, 0, 500, terms);
    termByTerm(reversed, 0, 500, [...terms].reverse());
    expect(Array.from(inOrder)).not.toEqual(Array.from(reversed));
  });
});
