/**
 * Which memories a set of query terms reaches as the text ranking reads
 * context (text-ranker.ts): those holding a term, and those within a
 * holding passage's neighbourhood at a positive context weight. Exactly the
 * memories `rankPassages` would score above 0 for these terms, found
 * without scoring them: a dated question with content words ("the dentist
 * on Friday") only asks which memories its content words reach
 * (text-search.ts, `matchingContent`), and BM25 over every such passage,
 * sorted and gathered into a set of seqs, cost about as much again as the
 * question's own ranking.
 */
import { PassageContext } from './passage-context';
import type { TermPostings } from './term-postings';
import type { TextRanking } from './text-ranking';
import type { TextTimeline } from './text-timeline';

/** The memories `terms` reach in `timeline` (`has`: by memory seq). */
export interface ReachedMemories {
  has(seq: number): boolean;
}

export function reachedMemories(
  timeline: TextTimeline,
  terms: readonly TermPostings[],
  ranking: TextRanking,
): ReachedMemories {
  const passages = timeline.size;
  const reached = new Uint8Array(passages);
  const context = new PassageContext(timeline, ranking);
  const reach = (passage: number) => {
    const last = context.lastAround(passage);
    for (let near = context.firstAround(passage); near <= last; near++)
      if (context.weightOf(near, passage) > 0 && (near === passage || !timeline.smallTalkAt(near)))
        reached[near] = 1;
  };
  const holding: number[] = [];
  // A term's share of a score is its idf (always positive, termIdf) times
  // its weight and BM25's saturation: only a positive one lifts a score above 0.
  const scores = context.saturation > 0;
  for (const term of terms) {
    if (!scores || !((term.weight ?? 1) > 0)) continue;
    for (let i = 0; i < term.seqs.length; i++) {
      const seq = term.seqs[i]!;
      const first = timeline.firstPassageOf(seq);
      if (first < 0 || !timeline.counts(seq, term.offsets[i]!)) continue;
      if (first + 1 >= passages || timeline.seqAt(first + 1) !== seq) {
        reach(first); // a memory indexed whole
        continue;
      }
      holding.length = 0;
      timeline.passagesHolding(seq, term.offsets[i]!, holding);
      for (const passage of holding) reach(passage);
    }
  }
  return {
    // A memory's passages are consecutive: reached when any of them is.
    has(seq) {
      for (
        let passage = timeline.firstPassageOf(seq);
        passage >= 0 && passage < passages && timeline.seqAt(passage) === seq;
        passage++
      )
        if (reached[passage] === 1) return true;
      return false;
    },
  };
}
