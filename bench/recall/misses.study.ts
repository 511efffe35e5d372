/**
 * Study of the misses (not part of `bench:recall`): stores each conversation
 * as `bench:recall` does and prints, per question, HYBRID's top ten (the
 * bench's search) and TEXT's top 50 with scores, one JSON line each prefixed
 * `MISSROW `, for reading the misses and scoring rules outside the Worker.
 * `RECALL_FILE=… RECALL_INCLUDE=bench/recall/misses.study.ts npx vitest run
 * --config bench/recall/vitest.config.ts | grep '^MISSROW '`.
 */
import { inject, it } from 'vitest';
import { graphql, memoryKey, storeConversation } from './bench-api';

const SEARCH_SCORED = `query ($input: SearchInput!) { search(input: $input) { hits { score memory { id } } } }`;
const DAY = 86_400_000;

it('misses, question by question', async () => {
  const conversations = inject('conversations');
  const token = await memoryKey();
  const run = Date.now().toString(36);
  for (const conversation of conversations) {
    const vault = { kind: 'SESSION', id: `${conversation.id}-${run}`.slice(0, 128) };
    const { turnOf } = await storeConversation(token, vault, conversation.turns);
    const last = Math.max(...conversation.turns.map((turn) => turn.createdAt));
    const now = new Date(last + 91 * DAY).toISOString();
    type Found = { search: { hits: { score: number; memory: { id: string } }[] } };
    const ranked = async (question: string, mode: string, limit: number) =>
      (
        await graphql<Found>(token, SEARCH_SCORED, {
          input: {
            query: question,
            vaults: [vault],
            windows: [{ window: 'ARCHIVE', limit }],
            mode,
            now,
          },
        })
      ).data!.search.hits.map((hit) => [turnOf.get(hit.memory.id), hit.score] as const);
    for (const question of conversation.questions) {
      const hybrid = await ranked(question.question, 'HYBRID', 10);
      const text50 = await ranked(question.question, 'TEXT', 50);
      const vector10 = await ranked(question.question, 'VECTOR', 10);
      console.log(
        `MISSROW ${JSON.stringify({ conversation: conversation.id, ...question, hybrid, text50, vector10 })}`,
      );
    }
  }
});
