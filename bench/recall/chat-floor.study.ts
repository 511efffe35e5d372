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
 *
 * Review 104 #3 adds the unanswered question: the same read with the
 * question's evidence turns taken out (read deeper by their number, the
 * evidence dropped, the first twelve left: the read without them, but for
 * the corpus statistics they add), and LoCoMo's adversarial questions
 * (category 5, no evidence in the conversation). Per variant of chat's rule
 * for a read in which no hit holds a word of the question but the speakers'
 * names (NAME_ONLY_READ_LIMIT), it counts the memories injected there.
 */
import { inject, it } from 'vitest';
import { graphql, memoryKey, storeConversation } from './bench-api';
import {
  NAME_ONLY_FLOOR_RATIO,
  NAME_ONLY_READ_LIMIT,
  pickAcrossWindows,
  SCORE_FLOOR_RATIO,
} from '../../src/resolvers/chat/memory-picks';
import type { RankedHit } from '../../src/resolvers/merge-hits';
import { queryNames, queryTerms, tokenize } from '../../src/text/tokens';
import { opensWithSpeakerLabel } from '../../src/durable/full-text/turn-voices';

const DAY = 86_400_000;
const PLACES = 12;
const FLOORS = [0, SCORE_FLOOR_RATIO, NAME_ONLY_FLOOR_RATIO, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9];
/** Chat's limit for a read of names only: none (before review 104), or a few. */
const NAME_ONLY_LIMITS = [Infinity, 0, 1, NAME_ONLY_READ_LIMIT, 3, 4];
/** Rejected variant: at most this many hits without a word of the question but names, in any read. */
const NAME_ONLY_CAPS = [2, 4, 6];

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

/** Memories a variant injects where the read holds no answer. */
interface Unanswered {
  removed: number;
  removedQuestions: number;
  adversarial: number;
  adversarialQuestions: number;
}

/** The query's terms that are not speakers' names (chat's `words`, memory-picks.ts). */
function contentWords(query: string, hits: readonly Hit[]): Set<string> {
  const words = new Set(queryTerms(query));
  for (const { memory } of hits)
    if (opensWithSpeakerLabel(memory.content))
      for (const { term } of tokenize(memory.content.slice(0, memory.content.indexOf(':'))))
        words.delete(term);
  return words;
}

/** Whether the hit's own text holds one of `words`. */
function holdsWord(hit: Hit, words: ReadonlySet<string>): boolean {
  return tokenize(hit.memory.content).some(({ term }) => words.has(term));
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
  const unanswered = new Map<string, Unanswered>();
  let namesOnlyReads = 0;
  const unansweredOf = (name: string) =>
    unanswered.get(name) ??
    unanswered
      .set(name, { removed: 0, removedQuestions: 0, adversarial: 0, adversarialQuestions: 0 })
      .get(name)!;
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
    const { turnOf } = await storeConversation(token, vault, conversation.turns);
    const last = Math.max(...conversation.turns.map((turn) => turn.createdAt));
    const now = new Date(last + 91 * DAY).toISOString();

    const read = async (query: string, limit: number) => {
      const found = await graphql<{ search: { hits: Hit[] } }>(token, SEARCH_SCORED, {
        input: {
          query,
          vaults: [vault],
          windows: [{ window: 'ARCHIVE', limit }],
          mode: 'HYBRID',
          now,
        },
      });
      return found.data!.search.hits;
    };
    // Chat's own picks, as deployed but for the limit of a read of names only.
    const chatPicks = (hits: Hit[], query: string, nameOnlyReadLimit: number) => {
      const byId = new Map(hits.map((hit) => [hit.memory.id, hit]));
      return pickAcrossWindows(
        hits.map((hit) => ({ ...hit, window: 'ARCHIVE' }) as unknown as RankedHit),
        [{ window: 'ARCHIVE', after: null, until: Date.parse(now), limit: PLACES }],
        { query, explicitWindows: false, nameOnlyReadLimit },
      ).map((hit) => byId.get(hit.memory.id)!);
    };
    const nameOnlyLabel = (limit: number) =>
      limit === Infinity
        ? 'chat, names-only read: all (before)'
        : `chat, names-only read: ${limit}`;

    for (const question of conversation.adversarial) {
      const hits = await read(question, PLACES);
      for (const limit of NAME_ONLY_LIMITS) {
        const entry = unansweredOf(nameOnlyLabel(limit));
        entry.adversarial += chatPicks(hits, question, limit).length;
        entry.adversarialQuestions += 1;
      }
    }
    for (const question of conversation.questions) {
      if (question.evidence.length === 0) continue;
      const deeper = await read(question.question, PLACES + question.evidence.length);
      const hits = deeper.slice(0, PLACES);
      const best = Math.max(0, ...hits.map((hit) => hit.score));
      const terms = new Set(queryTerms(question.question));
      const names = new Set(queryNames(question.question).map((name) => name.term));
      const evidence = new Set(question.evidence);
      const withoutEvidence = deeper
        .filter((hit) => !evidence.has(turnOf.get(hit.memory.id)!))
        .slice(0, PLACES);
      const words = contentWords(question.question, deeper);
      if (words.size > 0 && !hits.some((hit) => holdsWord(hit, words))) namesOnlyReads += 1;
      const chatNow = chatPicks(hits, question.question, NAME_ONLY_READ_LIMIT);
      for (const cap of NAME_ONLY_CAPS) {
        let left = cap;
        const kept = chatNow.filter((hit) => holdsWord(hit, words) || left-- > 0);
        tally(`chat + at most ${cap} hits of names only`, kept, question.evidence, turnOf);
      }
      for (const limit of NAME_ONLY_LIMITS) {
        const label = nameOnlyLabel(limit);
        tally(label, chatPicks(hits, question.question, limit), question.evidence, turnOf);
        const entry = unansweredOf(label);
        entry.removed += chatPicks(withoutEvidence, question.question, limit).length;
        entry.removedQuestions += 1;
      }
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
    'variant                             | injected/question | evidence recall | evidence turns',
  );
  for (const [name, entry] of tallies)
    console.log(
      `${name.padEnd(35)} | ${(entry.injected / entry.questions).toFixed(2).padStart(17)} | ${(
        entry.evidence / entry.questions
      )
        .toFixed(3)
        .padStart(15)} | ${String(entry.found).padStart(14)}`,
    );
  console.log(`reads holding no word of the question but names: ${namesOnlyReads}`);
  console.log('\nchat picks where the read holds no answer (memories injected per question):');
  console.log('variant                                 | evidence removed | adversarial (cat. 5)');
  for (const [name, entry] of unanswered)
    console.log(
      `${name.padEnd(39)} | ${(entry.removed / entry.removedQuestions).toFixed(2).padStart(16)} | ${(
        entry.adversarial / entry.adversarialQuestions
      )
        .toFixed(2)
        .padStart(20)}`,
    );
});
