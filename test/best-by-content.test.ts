import { describe, expect, it } from 'vitest';
import { BestByContent, contentKey } from '../src/core/best-by-content';
import { seededRandom } from './helpers/random';

/** What BestByContent stands in for: a Map keyed by content, replaced on a strictly better score. */
function withMap(offers: { content: string; score: number; at: number }[]) {
  const best = new Map<string, { score: number; at: number }>();
  for (const { content, score, at } of offers) {
    const key = contentKey(content);
    const kept = best.get(key);
    if (kept === undefined || score > kept.score) best.set(key, { score, at });
  }
  return [...best.values()];
}

describe('BestByContent', () => {
  it('keeps the best of each content in first-seen order, as a Map by content does, below and past its scan', () => {
    const next = seededRandom(7);
    // Few distinct contents (many repeats, ties, case and spacing variants)
    // up to more than its scanned keys.
    for (let round = 0; round < 400; round++) {
      const distinct = 1 + Math.floor(next() * (round % 2 === 0 ? 12 : 90));
      const offers = Array.from({ length: Math.floor(next() * 160) }, (_, at) => {
        const base = `fact number ${Math.floor(next() * distinct)}`;
        const variant = next();
        const content = variant < 0.2 ? base.toUpperCase() : variant < 0.4 ? `  ${base}\n` : base;
        return { content, score: Math.floor(next() * 5) / 4, at };
      });
      const best = new BestByContent<{ score: number; at: number }>();
      for (const { content, score, at } of offers)
        best.offer(content, { score, at }, (offered, kept) => offered.score > kept.score);
      expect(best.values()).toEqual(withMap(offers));
    }
  });
});
