import { describe, expect, it } from 'vitest';
import { TextTimeline, type TimelineEntry } from '../src/durable/full-text/text-timeline';
import { CHUNK_WORDS } from '../src/text/chunks';
import { seededRandom } from './helpers/random';

const DAY = 86_400_000;

/** Everything a reader of the timeline can see. */
function view(timeline: TextTimeline, seqs: number) {
  return {
    size: timeline.size,
    memories: timeline.memoryCount,
    averageWords: timeline.averageWords,
    passages: Array.from({ length: timeline.size }, (_, passage) => ({
      seq: timeline.seqAt(passage),
      time: timeline.timeAt(passage),
      words: timeline.wordsAt(passage),
      range: timeline.rangeAt(passage),
      chunked: timeline.chunked(passage),
      continuesPrevious: passage > 0 && timeline.continuesPrevious(passage),
    })),
    firstPassages: Array.from({ length: seqs + 2 }, (_, seq) => timeline.firstPassageOf(seq)),
    pages: [...timeline.pages(97)],
  };
}

describe('TextTimeline backfills', () => {
  it('holds what a timeline built in one go holds, through backdated batches and removals', () => {
    const next = seededRandom(913);
    const now = Date.UTC(2026, 10, 1);
    const timeline = new TextTimeline();
    const live = new Map<number, TimelineEntry>();
    let seq = 0;
    for (let round = 0; round < 30; round++) {
      // bench:api's load (each batch spread over 60 days), some long memories in chunks.
      const batch = Array.from({ length: 1 + Math.floor(next() * 60) }, () => {
        seq++;
        const long = next() < 0.08;
        return {
          seq,
          createdAt: now - ((seq * 7) % 60) * DAY - (round % 3) * 1_000,
          words: long
            ? CHUNK_WORDS + 1 + Math.floor(next() * 3 * CHUNK_WORDS)
            : Math.floor(next() * 40),
          // Roles and speaker labels at random: every kind of neighbour meets every other.
          voice: Math.floor(next() * 8),
        };
      });
      timeline.insert(batch);
      for (const entry of batch) live.set(entry.seq, entry);
      if (round % 4 === 3) {
        for (const entry of [...live.values()].filter((_, i) => i % 11 === round % 11)) {
          expect(timeline.remove(entry.seq)).toBe(true);
          live.delete(entry.seq);
        }
      }
      const fresh = new TextTimeline();
      fresh.insert([...live.values()]);
      expect(view(timeline, seq)).toEqual(view(fresh, seq));
    }
  });
});
