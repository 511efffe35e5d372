import { describe, expect, it } from 'vitest';
import { analyseQuery } from '../../src/durable/full-text/query-analysis';
import { DEFAULT_TEXT_RANKING } from '../../src/durable/full-text/text-ranking';
import {
  WORD_STATISTICS_MAX_AGE_MS,
  WORD_STATISTICS_RECOUNT_MS,
  WordStatisticsCache,
} from '../../src/resolvers/word-statistics-cache';

const NOW = Date.parse('2026-11-27T09:00:00Z');
const query = (text: string) => analyseQuery(text, DEFAULT_TEXT_RANKING.stopwords, NOW);

/** A cache on a clock the test moves. */
function cacheAt(start: number) {
  const clock = { now: start };
  return { cache: new WordStatisticsCache(() => clock.now), clock };
}

describe("the isolate's word statistics of each vault", () => {
  it('answers counts up to the documented age and not after it', () => {
    const { cache, clock } = cacheAt(1_000);
    const asked = query('rope trail');
    const [rope, trail] = asked.terms;
    cache.record('v1', asked, {
      passages: 10,
      words: 80,
      holding: { [rope!]: 2, [`${rope}\n+`]: 2, [trail!]: 3, [`${trail}\n+`]: 3 },
    });
    const counted = {
      passages: 10,
      words: 80,
      holding: { [rope!]: 2, [`${rope}\n+`]: 2, [trail!]: 3, [`${trail}\n+`]: 3 },
    };
    clock.now += WORD_STATISTICS_RECOUNT_MS - 1;
    expect(cache.lookUp('v1', asked)).toEqual({ statistics: counted, recount: false });
    clock.now += 1;
    expect(cache.lookUp('v1', asked)).toEqual({ statistics: counted, recount: true });
    clock.now = 1_000 + WORD_STATISTICS_MAX_AGE_MS - 1;
    expect(cache.lookUp('v1', asked)).toEqual({ statistics: counted, recount: true });
    clock.now += 1;
    expect(cache.lookUp('v1', asked)).toBeNull();
  });

  it('answers nothing for a vault or a word it has not counted', () => {
    const { cache } = cacheAt(1_000);
    cache.record('v1', query('rope'), { passages: 4, words: 20, holding: { rope: 1 } });
    expect(cache.lookUp('v2', query('rope'))).toBeNull();
    expect(cache.lookUp('v1', query('rope storm'))).toBeNull();
    expect(cache.lookUp('v1', query('rope'))).not.toBeNull();
  });

  it('a word counted before the vault shrank is never held by more passages than it has now', () => {
    const { cache, clock } = cacheAt(1_000);
    cache.record('v1', query('rope'), { passages: 10, words: 50, holding: { rope: 8 } });
    clock.now += 1_000;
    cache.record('v1', query('storm'), { passages: 3, words: 15, holding: { storm: 1 } });
    const both = cache.lookUp('v1', query('rope storm'))!.statistics;
    expect(both.passages).toBe(3);
    expect(both.holding.rope).toBe(3);
    expect(both.holding.storm).toBe(1);
  });

  it('keeps the words of a recount fresh and the older ones to their own age', () => {
    const { cache, clock } = cacheAt(1_000);
    cache.record('v1', query('rope'), { passages: 4, words: 20, holding: { rope: 1 } });
    clock.now += WORD_STATISTICS_MAX_AGE_MS - 1;
    cache.record('v1', query('storm'), { passages: 5, words: 25, holding: { storm: 2 } });
    clock.now += 1;
    expect(cache.lookUp('v1', query('storm'))).not.toBeNull();
    expect(cache.lookUp('v1', query('rope storm'))).toBeNull();
  });
});
