/**
 * Recall under other ways an app stores and searches the same conversations
 * (`npm run bench:recall -- <file> --protocols`; not part of `npm test` nor of
 * the default bench). Each variant stores every conversation through the
 * public GraphQL API into its own SESSION vault and searches each question in
 * VECTOR, TEXT and HYBRID; recall@k is counted as in locomo.recall.ts. The
 * conversations are split in two: the half changes were chosen on (conv-26,
 * -30, -41) and the half reported apart (conv-42, -43).
 *
 *   protocol      today's bench: "<speaker>: <text>", session dates, batches
 *                 of 100, ARCHIVE top 10, `now` 91 days after the last session
 *   text-alone    the text alone; speaker in metadata, first speaker USER,
 *                 the other ASSISTANT
 *   no-dates      no `createdAt` (all stored now, in order, in batches) and no
 *                 `now`; searched in HOT top 10, where they all are
 *   per-session   one memory per session: its turns as "<speaker>: <text>"
 *                 lines; a turn counts as found when its session's memory is
 *   per-turn      one storeMemories call per turn
 *   default       today's storage, searched with the query, the vault and the
 *                 mode only (default windows, server time)
 *   default-now   no-dates' storage, searched as `default`: a newcomer's app
 *   lower-case    today's storage and search, the question in lower case
 *   no-mark       the same, without its question mark
 *   lower-no-mark both
 */
import { inject, it } from 'vitest';
import type { RecallConversation, RecallTurn } from './dataset';
import { content, graphql, memoryKey, SEARCH, STORE, STORE_BATCH } from './bench-api';

const MODES = ['VECTOR', 'TEXT', 'HYBRID'] as const;
type Mode = (typeof MODES)[number];
const DAY = 86_400_000;
/** The half changes are chosen on; the rest is reported apart. */
const CHOOSE = new Set(['conv-26', 'conv-30', 'conv-41']);

interface Storage {
  /** Memory id → the turn ids it holds. */
  turnsOf: Map<string, string[]>;
}

interface StoreInput {
  vault: { kind: string; id: string };
  content: string;
  createdAt?: string;
  role?: 'USER' | 'ASSISTANT';
  metadata?: Record<string, unknown>;
}

async function storeAll(
  token: string,
  inputs: StoreInput[],
  holds: string[][],
  batch: number,
): Promise<Storage> {
  const turnsOf = new Map<string, string[]>();
  for (let start = 0; start < inputs.length; start += batch) {
    const slice = inputs.slice(start, start + batch);
    const stored = await graphql<{ storeMemories: { id: string }[] }>(token, STORE, {
      inputs: slice,
    });
    stored.data!.storeMemories.forEach((memory, i) => turnsOf.set(memory.id, holds[start + i]!));
  }
  return { turnsOf };
}

type StorageKind = 'protocol' | 'text-alone' | 'no-dates' | 'per-session' | 'per-turn';

async function store(
  kind: StorageKind,
  token: string,
  vault: { kind: string; id: string },
  turns: readonly RecallTurn[],
): Promise<Storage> {
  const dated = (turn: RecallTurn) => new Date(turn.createdAt).toISOString();
  switch (kind) {
    case 'protocol':
    case 'per-turn':
      return storeAll(
        token,
        turns.map((turn) => ({ vault, content: content(turn), createdAt: dated(turn) })),
        turns.map((turn) => [turn.turnId]),
        kind === 'protocol' ? STORE_BATCH : 1,
      );
    case 'text-alone': {
      const first = turns[0]?.speaker;
      return storeAll(
        token,
        turns.map((turn) => ({
          vault,
          content: turn.text,
          createdAt: dated(turn),
          role: turn.speaker === first ? 'USER' : 'ASSISTANT',
          metadata: { speaker: turn.speaker },
        })),
        turns.map((turn) => [turn.turnId]),
        STORE_BATCH,
      );
    }
    case 'no-dates':
      return storeAll(
        token,
        turns.map((turn) => ({ vault, content: content(turn) })),
        turns.map((turn) => [turn.turnId]),
        STORE_BATCH,
      );
    case 'per-session': {
      // A session: the turns of one date (the dataset gives each session its own).
      const sessions: RecallTurn[][] = [];
      for (const turn of turns) {
        const last = sessions.at(-1);
        if (last && last[0]!.createdAt === turn.createdAt) last.push(turn);
        else sessions.push([turn]);
      }
      return storeAll(
        token,
        sessions.map((session) => ({
          vault,
          content: session.map(content).join('\n'),
          createdAt: dated(session[0]!),
        })),
        sessions.map((session) => session.map((turn) => turn.turnId)),
        STORE_BATCH,
      );
    }
  }
}

interface Variant {
  name: string;
  storage: StorageKind;
  search: (mode: Mode, query: string, last: number) => Record<string, unknown>;
  query?: (question: string) => string;
}

const archive = (mode: Mode, query: string, last: number) => ({
  query,
  mode,
  windows: [{ window: 'ARCHIVE', limit: 10 }],
  now: new Date(last + 91 * DAY).toISOString(),
});
const byDefault = (mode: Mode, query: string) => ({ query, mode });
const lower = (question: string) => question.toLowerCase();
const noMark = (question: string) => question.replace(/\s*\?+\s*$/u, '');

const VARIANTS: Variant[] = [
  { name: 'protocol', storage: 'protocol', search: archive },
  { name: 'text-alone', storage: 'text-alone', search: archive },
  {
    name: 'no-dates',
    storage: 'no-dates',
    search: (mode, query) => ({ query, mode, windows: [{ window: 'HOT', limit: 10 }] }),
  },
  { name: 'per-session', storage: 'per-session', search: archive },
  { name: 'per-turn', storage: 'per-turn', search: archive },
  { name: 'default', storage: 'protocol', search: byDefault },
  { name: 'default-now', storage: 'no-dates', search: byDefault },
  { name: 'lower-case', storage: 'protocol', search: archive, query: lower },
  { name: 'no-mark', storage: 'protocol', search: archive, query: noMark },
  { name: 'lower-no-mark', storage: 'protocol', search: archive, query: (q) => noMark(lower(q)) },
];

interface Score {
  at5: number;
  at10: number;
  n: number;
}

it('recall under other ways of storing and searching', async () => {
  const conversations: RecallConversation[] = inject('conversations');
  const only = inject('protocols');
  const variants = only
    ? VARIANTS.filter((variant) => only.split(',').includes(variant.name))
    : VARIANTS;
  const token = await memoryKey();
  const run = Date.now().toString(36);
  const scores = new Map<string, Score>();
  const add = (key: string, at5: number, at10: number) => {
    const score = scores.get(key) ?? scores.set(key, { at5: 0, at10: 0, n: 0 }).get(key)!;
    score.at5 += at5;
    score.at10 += at10;
    score.n += 1;
  };
  const misses: string[] = [];

  for (const conversation of conversations) {
    const half = CHOOSE.has(conversation.id) ? 'choose' : 'report';
    const last = Math.max(...conversation.turns.map((turn) => turn.createdAt));
    const stored = new Map<StorageKind, { vault: { kind: string; id: string } } & Storage>();
    for (const variant of variants) {
      let storage = stored.get(variant.storage);
      if (!storage) {
        const vault = { kind: 'SESSION', id: `${variant.storage}-${conversation.id}-${run}` };
        storage = { vault, ...(await store(variant.storage, token, vault, conversation.turns)) };
        stored.set(variant.storage, storage);
      }
      for (const question of conversation.questions) {
        const query = variant.query ? variant.query(question.question) : question.question;
        for (const mode of MODES) {
          const found = await graphql<{ search: { hits: { memory: { id: string } }[] } }>(
            token,
            SEARCH,
            { input: { ...variant.search(mode, query, last), vaults: [storage.vault] } },
          );
          const ranked = found.data!.search.hits.map(
            (hit) => storage.turnsOf.get(hit.memory.id) ?? [],
          );
          const recall = (k: number) => {
            const held = new Set(ranked.slice(0, k).flat());
            return question.evidence.filter((id) => held.has(id)).length / question.evidence.length;
          };
          for (const key of [
            `${variant.name} ${mode}`,
            `${variant.name} ${mode} ${half}`,
            `${variant.name} ${mode} ${conversation.id}`,
          ]) {
            add(key, recall(5), recall(10));
          }
          if (mode === 'HYBRID' && inject('protocolMisses') === variant.name && recall(10) < 1) {
            misses.push(`${conversation.id} c${question.category} ${question.question}`);
          }
        }
      }
    }
  }

  const f = (value: number) => value.toFixed(3);
  const cell = (key: string) => {
    const score = scores.get(key);
    return score ? `${f(score.at5 / score.n)}/${f(score.at10 / score.n)}` : '—';
  };
  const lines = [
    '',
    `Recall by protocol — ${conversations.length} conversations; @5/@10: all | choose (conv-26, -30, -41) | report (conv-42, -43)`,
    ...variants.flatMap((variant) =>
      MODES.map(
        (mode) =>
          `  ${`${variant.name} ${mode}`.padEnd(22)} ${cell(`${variant.name} ${mode}`)} | ${cell(`${variant.name} ${mode} choose`)} | ${cell(`${variant.name} ${mode} report`)}`,
      ),
    ),
    '  by conversation (HYBRID):',
    ...variants.map(
      (variant) =>
        `  ${variant.name.padEnd(14)} ${conversations.map((c) => `${c.id} ${cell(`${variant.name} HYBRID ${c.id}`)}`).join('  ')}`,
    ),
    ...(misses.length ? ['  HYBRID misses (@10 < 1):', ...misses.map((m) => `  ${m}`)] : []),
    '',
  ];
  console.log(lines.join('\n'));
});
