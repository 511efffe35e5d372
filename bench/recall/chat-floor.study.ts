/**
 * Study (outside review 103 #6, BENCHMARKS.md "Days of the month and chat's floor"):
 * would a stricter floor under chat's picks, or a rule against hits that
 * match only a person's name, make the injected block smaller without
 * losing evidence? Not part of `bench:recall`; run with
 *
 *   RECALL_FILE=<LoCoMo file> RECALL_INCLUDE=bench/recall/chat-floor.study.ts \
 *     npx vitest run --config bench/recall/vitest.config.ts
 *
 * Each conversation is stored as bench:recall stores it. At the bench's
 * `now` every turn is in ARCHIVE, so chat's default read (HOT, WORKING and
 * LONG_TERM, four hits each: twelve places) is stood in for by one ARCHIVE
 * window of twelve, read by HYBRID search as chat reads. Each variant keeps
 * of those hits what chat would inject (memory-picks.ts: a hit under the
 * floor's share of the best is dropped) and counts, over the questions with
 * evidence, the memories injected and the evidence among them.
 */
import { inject, it } from 'vitest';
import { content, graphql, memoryKey, STORE } from './bench-api';
import {
  NAME_ONLY_FLOOR_RATIO,
  pickAcrossWindows,
  SCORE_FLOOR_RATIO,
} from '../../src/resolvers/chat/memory-picks';
import type { RankedHit } from '../../src/resolvers/merge-hits';
import { queryNames, queryTerms, tokenize } from '../../src/text/tokens';

const BATCH = 100;
const DAY = 86_400_000;
const PLACES = 12;
const FLOORS = [0, SCORE_FLOOR_RATIO, NAME_ONLY_FLOOR_RATIO, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9];

const SEARCH_SCORED = `query ($input: SearchInput!) { search(input: $input) { hits { score memory { id content } } } }`;

interface Hit {
  score: number;
  memory: { id: string; content: string };
}

interface Tally {
  injected: number;
  evidence: number;
  found: number;
  questions: number;
}

/** Whether the hit's own words match the query only by names the query gives, when it asks more. */
function matchesNameOnly(hit: Hit, terms: ReadonlySet<string>, names: ReadonlySet<string>) {
  if ([...terms].every((term) => names.has(term))) return false;
  const own = new Set(tokenize(hit.memory.content).map(({ term }) => term));
  const matched = [...terms].filter((term) => own.has(term));
  return matched.length > 0 && matched.every((term) => names.has(term));
}

it('chat floor study', async () => {
  const conversations = inject('conversations');
  const token = await memoryKey();
  const run = Date.now().toString(36);
  const tallies = new Map<string, Tally>();
  const tally = (
    name: string,
    kept: Hit[],
    evidence: readonly string[],
    turnOf: Map<string, string>,
  ) => {
    const entry =
      tallies.get(name) ??
      tallies.set(name, { injected: 0, evidence: 0, found: 0, questions: 0 }).get(name)!;
    const turns = new Set(kept.map((hit) => turnOf.get(hit.memory.id)));
    const found = evidence.filter((id) => turns.has(id)).length;
    entry.injected += kept.length;
    entry.evidence += found / evidence.length;
    entry.found += found;
    entry.questions += 1;
  };

  for (const conversation of conversations) {
    const vault = { kind: 'SESSION', id: `${conversation.id}-floor-${run}`.slice(0, 128) };
    const turnOf = new Map<string, string>();
    for (let start = 0; start < conversation.turns.length; start += BATCH) {
      const batch = conversation.turns.slice(start, start + BATCH);
      const stored = await graphql<{ storeMemories: { id: string }[] }>(token, STORE, {
        inputs: batch.map((turn) => ({
          vault,
          content: content(turn),
          createdAt: new Date(turn.createdAt).toISOString(),
        })),
      });
      stored.data!.storeMemories.forEach((memory, i) => turnOf.set(memory.id, batch[i]!.turnId));
    }
    const last = Math.max(...conversation.turns.map((turn) => turn.createdAt));
    const now = new Date(last + 91 * DAY).toISOString();

    for (const question of conversation.questions) {
      if (question.evidence.length === 0) continue;
      const found = await graphql<{ search: { hits: Hit[] } }>(token, SEARCH_SCORED, {
        input: {
          query: question.question,
          vaults: [vault],
          windows: [{ window: 'ARCHIVE', limit: PLACES }],
          mode: 'HYBRID',
          now,
        },
      });
      const hits = found.data!.search.hits;
      const best = Math.max(0, ...hits.map((hit) => hit.score));
      const terms = new Set(queryTerms(question.question));
      const names = new Set(queryNames(question.question).map((name) => name.term));
      // Chat's own picks, as deployed, over the same read.
      const picked = pickAcrossWindows(
        hits.map((hit) => ({ ...hit, window: 'ARCHIVE' }) as unknown as RankedHit),
        [{ window: 'ARCHIVE', after: null, until: Date.parse(now), limit: PLACES }],
        { query: question.question, explicitWindows: false },
      );
      const byId = new Map(hits.map((hit) => [hit.memory.id, hit]));
      tally(
        'chat now (pickAcrossWindows)',
        picked.map((hit) => byId.get(hit.memory.id)!),
        question.evidence,
        turnOf,
      );
      for (const ratio of FLOORS) {
        const kept = hits.filter((hit) => best <= 0 || hit.score >= best * ratio);
        tally(`floor ${ratio}`, kept, question.evidence, turnOf);
        if (ratio === SCORE_FLOOR_RATIO)
          tally(
            `floor ${ratio} + no name-only`,
            kept.filter((hit) => !matchesNameOnly(hit, terms, names)),
            question.evidence,
            turnOf,
          );
      }
    }
  }

  console.log('\nchat picks over LoCoMo questions with evidence (HYBRID, one window of 12):');
  console.log(
    'variant                         | injected/question | evidence recall | evidence turns',
  );
  for (const [name, entry] of tallies)
    console.log(
      `${name.padEnd(31)} | ${(entry.injected / entry.questions).toFixed(2).padStart(17)} | ${(
        entry.evidence / entry.questions
      )
        .toFixed(3)
        .padStart(15)} | ${String(entry.found).padStart(14)}`,
    );
});
