import { describe, expect, it } from 'vitest';
import { pickBest } from '../src/durable/hot-tier/candidate-selection';
import { seededRandom } from './helpers/random';

/** The rows pickBest must return, found the slow way: every accepted row sorted by (score, row), best first. */
function bestRows(
  scores: Float32Array,
  first: number,
  slots: number,
  accept: (row: number) => boolean,
): number[] {
  return Array.from(scores.keys(), (i) => ({ row: first + i, score: scores[i]! }))
    .filter(({ row }) => accept(row))
    .sort((a, b) => b.score - a.score || b.row - a.row)
    .slice(0, Math.max(0, slots))
    .map(({ row }) => row)
    .sort((a, b) => a - b);
}

/** Scores of a scan: spread out, or drawn from a few values so that ties meet the cut. */
function randomScores(random: () => number, size: number, distinct: number): Float32Array {
  return Float32Array.from({ length: size }, () =>
    distinct === 0 ? random() * 2 - 1 : Math.floor(random() * distinct) / distinct,
  );
}

describe('pickBest (the candidates of a vector scan)', () => {
  it('keeps exactly the best rows by score, the later row of equal scores, whatever the spread', () => {
    const random = seededRandom(7);
    let checked = 0;
    for (const size of [1, 5, 60, 334, 700, 2_000, 9_499]) {
      for (const distinct of [0, 1, 2, 3, 17, 1_000]) {
        for (const slots of [1, 10, 66, 306, size]) {
          const scores = randomScores(random, size, distinct);
          const first = Math.floor(random() * 1_000);
          const everyRow = () => true;
          const someRows = (row: number) => row % 3 !== 0;
          for (const accept of [everyRow, someRows]) {
            const picked = Array.from(pickBest(scores, first, slots, accept)).sort((a, b) => a - b);
            expect(picked).toEqual(bestRows(scores, first, slots, accept));
            checked++;
          }
        }
      }
    }
    expect(checked).toBe(7 * 6 * 5 * 2);
  });

  it('keeps the best rows when some scores are infinite or far apart', () => {
    const random = seededRandom(11);
    const scores = randomScores(random, 3_000, 0);
    scores[5] = Infinity;
    scores[17] = -Infinity;
    scores[900] = 3e38;
    scores[901] = -3e38;
    for (const slots of [1, 2, 66, 306]) {
      const picked = Array.from(pickBest(scores, 0, slots, () => true)).sort((a, b) => a - b);
      expect(picked).toEqual(bestRows(scores, 0, slots, () => true));
    }
  });
});
