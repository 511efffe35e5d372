import { describe, expect, it } from 'vitest';
import { fusedRanking, type PoolHit } from '../src/durable/queries/fused-ranking';
import { fuseScores, keepsTextOrder, type FusionScale } from '../src/durable/queries/score-fusion';
import { seededRandom } from './helpers/random';

/**
 * The HYBRID ranking as the vault built it before fused-ranking.ts: the
 * fused scores of `fuseScores`, ordered by score, text's order, similarity,
 * then the later memory. fusedRanking must give the same memories, in the
 * same order, with bit-equal scores.
 */
function referenceRanking(
  vector: PoolHit[],
  text: PoolHit[],
  weight: number,
  limit: number,
  window?: FusionScale,
): { seq: number; score: number; fromText: boolean }[] {
  const fused = fuseScores(
    vector.map((hit) => ({ key: hit.seq, score: hit.score })),
    text.map((hit) => ({ key: hit.seq, score: hit.score })),
    weight,
    window,
  );
  const similarity = new Map(vector.map((hit) => [hit.seq, hit.score]));
  const textRank = keepsTextOrder(weight, window)
    ? new Map(text.map((hit, rank) => [hit.seq, rank]))
    : new Map<number, number>();
  const byTextOrder = (seq: number) => textRank.get(seq) ?? textRank.size;
  const closeness = (seq: number) => similarity.get(seq) ?? -Infinity;
  const inText = new Set(text.map((hit) => hit.seq));
  return [...fused]
    .sort(
      ([a, scoreA], [b, scoreB]) =>
        scoreB - scoreA || byTextOrder(a) - byTextOrder(b) || closeness(b) - closeness(a) || b - a,
    )
    .slice(0, limit)
    .map(([seq, score]) => ({ seq, score, fromText: inText.has(seq) }));
}

/** A pool of `size` distinct memories out of `universe`, best first. */
function pool(next: () => number, size: number, universe: number, score: () => number): PoolHit[] {
  const seqs = new Set<number>();
  while (seqs.size < Math.min(size, universe)) seqs.add(Math.floor(next() * universe));
  return [...seqs].map((seq) => ({ seq, score: score() })).sort((a, b) => b.score - a.score);
}

describe('fused ranking', () => {
  it('ranks as fuseScores and the old ordering did: same memories, order and scores', () => {
    const next = seededRandom(7);
    let compared = 0;
    for (let round = 0; round < 400; round++) {
      const universe = 20 + Math.floor(next() * 120);
      // Coarse scores make ties, which the order must break the same way.
      const coarse = round % 3 === 0;
      const textScore = () => (coarse ? Math.floor(next() * 4) : next() * 12);
      const vectorScore = () => (coarse ? Math.floor(next() * 3) / 4 : 0.2 + next() * 0.6);
      const text = pool(next, Math.floor(next() * 60), universe, textScore);
      const vector = pool(
        next,
        round % 7 === 0 ? 0 : Math.floor(next() * 60),
        universe,
        vectorScore,
      );
      const weight = [0.3, 0.45, 0.5, 0.8, 1][round % 5]!;
      const window: FusionScale | undefined =
        round % 4 === 3
          ? undefined
          : {
              rows: 1 + Math.floor(next() * 20_000),
              mean: 0.3 + next() * 0.2,
              deviation: round % 11 === 0 ? 0 : 0.02 + next() * 0.1,
              // Now and then a vault without any query word (no full match).
              fullMatch: round % 13 === 0 ? 0 : 1 + next() * 10,
            };
      const limit = 1 + Math.floor(next() * 30);
      const expected = referenceRanking(vector, text, weight, limit, window);
      const textSeqs = new Set(text.map((hit) => hit.seq));
      const actual = fusedRanking(vector, text, weight, limit, window).map(({ hit, score }) => ({
        seq: hit.seq,
        score,
        // A memory in both pools comes back as its text hit.
        fromText: text.includes(hit) && textSeqs.has(hit.seq),
      }));
      expect(actual).toEqual(expected);
      compared += expected.length;
    }
    expect(compared).toBeGreaterThan(2_000);
  });

  it('keeps a word match below the one text ranked above it', () => {
    const text = [
      { seq: 1, score: 10 },
      { seq: 2, score: 9 },
    ];
    const vector = [
      { seq: 2, score: 0.9 },
      { seq: 3, score: 0.5 },
    ];
    const window = { rows: 1_000, mean: 0.3, deviation: 0.1, fullMatch: 8 };
    const ranked = fusedRanking(vector, text, 0.3, 10, window);
    expect(ranked.map(({ hit }) => hit.seq)).toEqual([1, 2, 3]);
    expect(ranked[1]!.score).toBe(ranked[0]!.score);
    expect(ranked[1]!.hit).toBe(text[1]);
  });
});
