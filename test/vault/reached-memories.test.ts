import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { Sql } from '../../src/durable/sqlite/sql';
import { DEFAULT_TEXT_RANKING, type TextRanking } from '../../src/durable/full-text/text-ranking';
import { rankPassages } from '../../src/durable/full-text/text-ranker';
import { reachedMemories } from '../../src/durable/full-text/reached-memories';
import { TextTimeline } from '../../src/durable/full-text/text-timeline';
import type { TermPostings } from '../../src/durable/full-text/term-postings';
import { seededRandom } from '../helpers/random';
import { freshAddress, memory, ok, storeRequest, vaultStub } from '../helpers/vaults';

/**
 * `reachedMemories` finds, without scoring, the memories a dated question's
 * content words reach (text-search.ts, `matchingContent`): it must be
 * exactly the memories `rankPassages` scores above 0 for the same terms, on
 * random vaults with chunked memories, pauses that end a stretch of
 * conversation, speakers and replies, and under rankings whose context
 * reaches further, not at all, or only at weight 0.
 */

const MINUTE = 60_000;
const WORDS = 'garden river piano budget coffee train doctor invoice kitchen marathon'.split(' ');

function randomMemories(next: () => number, count: number) {
  let time = Date.UTC(2026, 0, 1);
  return Array.from({ length: count }, (_, position) => {
    time += next() < 0.1 ? 3 * 60 * MINUTE : Math.floor(next() * 2) * MINUTE;
    const long = next() < 0.05;
    const length = long ? 300 + Math.floor(next() * 300) : 3 + Math.floor(next() * 10);
    // Long memories mostly of filler, so a word lands in some of their chunks only.
    const text = Array.from(
      { length },
      () => WORDS[Math.floor(next() * (long ? WORDS.length * 6 : WORDS.length * 2))] ?? 'filler',
    ).join(' ');
    const role = position % 3 === 2 ? ('ASSISTANT' as const) : ('USER' as const);
    return memory(next() < 0.3 ? `Alice: ${text}` : text, { createdAt: time, role });
  });
}

const RANKINGS: TextRanking[] = [
  DEFAULT_TEXT_RANKING,
  { ...DEFAULT_TEXT_RANKING, contextDistance: 8, contextWeight: 0.8 },
  { ...DEFAULT_TEXT_RANKING, contextDistance: 0 },
  { ...DEFAULT_TEXT_RANKING, contextWeight: 0 },
  { ...DEFAULT_TEXT_RANKING, idf: 'fts5', k1: 0 },
];

describe('the memories query words reach, found without scoring', () => {
  it('are exactly those rankPassages scores above 0', async () => {
    for (const seed of [11, 12]) {
      const next = seededRandom(seed);
      const address = freshAddress();
      const vault = vaultStub(address);
      const memories = randomMemories(next, 280);
      for (let at = 0; at < memories.length; at += 100)
        ok(await vault.store(address, storeRequest(memories.slice(at, at + 100))));
      const termSets = Array.from({ length: 12 }, () =>
        Array.from(
          { length: 1 + Math.floor(next() * 3) },
          () => WORDS[Math.floor(next() * WORDS.length)]!,
        ),
      );
      const compared = await runInDurableObject(vault, (_, state) => {
        const sql = new Sql(state.storage.sql);
        const timeline = TextTimeline.load(sql);
        const seqs = new Set<number>();
        for (let passage = 0; passage < timeline.size; passage++) seqs.add(timeline.seqAt(passage));
        const postingsOf = (term: string, weight?: number): TermPostings => {
          const rows = sql.all<{ doc: number; offset: number }>(
            'SELECT doc, offset FROM memories_vocab WHERE term = ? ORDER BY doc, offset',
            term,
          );
          return {
            seqs: rows.map((row) => row.doc),
            offsets: rows.map((row) => row.offset),
            ...(weight === undefined ? {} : { weight }),
          };
        };
        return RANKINGS.flatMap((ranking) =>
          termSets.map((words, at) => {
            // Now and then a term that counts for nothing (weight 0) beside the others.
            const terms = words.map((word, i) =>
              postingsOf(word, i === 1 && at % 3 === 0 ? 0 : undefined),
            );
            const scored = rankPassages(timeline, terms, ranking);
            const expected = new Set<number>();
            scored.passages.forEach((passage, i) => {
              if (scored.scores[i]! > 0) expected.add(timeline.seqAt(passage));
            });
            const reached = reachedMemories(timeline, terms, ranking);
            const got = new Set([...seqs].filter((seq) => reached.has(seq)));
            return {
              got: [...got].sort((a, b) => a - b),
              expected: [...expected].sort((a, b) => a - b),
              memories: seqs.size,
              absent: reached.has(-1) || reached.has(1_000_000),
            };
          }),
        );
      });
      let some = 0;
      for (const { got, expected, memories: all, absent } of compared) {
        expect(got).toEqual(expected);
        expect(absent).toBe(false);
        if (expected.length > 0 && expected.length < all) some++;
      }
      // Most term sets reach some memories and miss others.
      expect(some).toBeGreaterThan(compared.length / 2);
    }
  });
});
