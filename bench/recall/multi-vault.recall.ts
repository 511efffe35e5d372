/**
 * Recall across vaults: the answer's vault searched together with a CORE
 * vault of distractors, as chat always reads CORE beside the session.
 *
 * Protocol (as locomo.recall.ts for the session): each conversation's turns
 * in one SESSION vault, stored as "<speaker>: <text>" with their session's
 * date; each question searched with windows [{ window: ARCHIVE, limit: 10 }]
 * and `now` 91 days after the last session, in each mode:
 * - session only: `vaults: [SESSION]` (the single-vault figures);
 * - CORE + session: `vaults: [CORE, SESSION]`, where the same key's CORE
 *   holds distractors, one account per conversation and distractor set:
 *   "notes", 24 fixed unrelated notes (NOTES below, an office worker's
 *   reminders, as in the outside review's repro), or "other conversations",
 *   every turn of the file's other conversations (their times moved, in
 *   order, into this conversation's span, so they share its windows).
 * recall@k = the share of a question's evidence turns among the top k hits,
 * averaged; "CORE in top 5" counts the top-5 slots taken by CORE's memories.
 */
import { inject, it } from 'vitest';
import type { RecallConversation, RecallTurn } from './dataset';
import { content, graphql, memoryKey, SEARCH, STORE } from './bench-api';

const MODES = ['HYBRID', 'TEXT', 'VECTOR'] as const;
type Mode = (typeof MODES)[number];
const BATCH = 100;
const DAY = 86_400_000;

/** Unrelated notes for a CORE vault (none of them answers a LoCoMo question). */
const NOTES = [
  'Standup is at nine thirty',
  'Gym membership expires soon',
  'Wifi password is on the fridge',
  'Dentist appointment next Tuesday',
  'The printer on floor two is broken',
  'Renew the car insurance in March',
  'Team lunch moved to Friday',
  'Water the plants on the balcony',
  'Quarterly report is due at month end',
  'Buy batteries for the smoke alarm',
  'Parking permit is in the glovebox',
  'Expense reports go to finance by the 5th',
  'The office closes early on public holidays',
  'Backup drive is in the top drawer',
  'Book the meeting room for the client demo',
  'Call the landlord about the leaking tap',
  'Update the laptop before the security audit',
  'Return library books by Thursday',
  'The vending machine takes only coins',
  'Submit the timesheet every Friday afternoon',
  'Order new ink cartridges for the printer',
  'The fire drill is on the first Monday of the month',
  'Pick up dry cleaning after work',
  'Password manager master key is in the safe',
];

interface Tally {
  at5: number;
  at10: number;
  coreTop5: number;
  n: number;
}
const tally = (): Tally => ({ at5: 0, at10: 0, coreTop5: 0, n: 0 });

/** Stores memories in batches; returns the ids, in order. */
async function store(
  token: string,
  inputs: { content: string; createdAt: number; vault?: { kind: string; id: string } }[],
): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < inputs.length; start += BATCH) {
    const stored = await graphql<{ storeMemories: { id: string }[] }>(token, STORE, {
      inputs: inputs.slice(start, start + BATCH).map((input) => ({
        ...input,
        createdAt: new Date(input.createdAt).toISOString(),
      })),
    });
    ids.push(...stored.data!.storeMemories.map(({ id }) => id));
  }
  return ids;
}

/** `count` times spread evenly, in order, over the conversation's span. */
function spreadOver(turns: readonly RecallTurn[], count: number): number[] {
  const first = Math.min(...turns.map((turn) => turn.createdAt));
  const last = Math.max(...turns.map((turn) => turn.createdAt));
  return Array.from({ length: count }, (_, i) =>
    Math.round(first + ((last - first) * i) / Math.max(1, count - 1)),
  );
}

/** The distractor sets for one conversation's CORE. */
function distractors(
  conversation: RecallConversation,
  all: readonly RecallConversation[],
): [string, string[]][] {
  const others = all
    .filter(({ id }) => id !== conversation.id)
    .flatMap(({ turns }) => turns.map(content));
  return [
    ['notes', NOTES],
    ['other conversations', others],
  ];
}

it('recall across vaults: SESSION alone and CORE of distractors + SESSION', async () => {
  const conversations = inject('conversations');
  const run = Date.now().toString(36);
  const figures = new Map<string, Tally>();
  const add = (label: string, found: (string | undefined)[], evidence: string[]) => {
    const figure = figures.get(label) ?? figures.set(label, tally()).get(label)!;
    const recall = (k: number) =>
      evidence.filter((id) => found.slice(0, k).includes(id)).length / evidence.length;
    figure.at5 += recall(5);
    figure.at10 += recall(10);
    figure.coreTop5 += found.slice(0, 5).filter((turn) => turn === undefined).length;
    figure.n += 1;
  };

  for (const conversation of conversations) {
    const session = { kind: 'SESSION', id: `${conversation.id}-${run}`.slice(0, 128) };
    const now = new Date(
      Math.max(...conversation.turns.map((turn) => turn.createdAt)) + 91 * DAY,
    ).toISOString();
    const sets = distractors(conversation, conversations);
    for (const [set, notes] of sets) {
      const token = await memoryKey();
      const ids = await store(
        token,
        conversation.turns.map((turn) => ({
          content: content(turn),
          createdAt: turn.createdAt,
          vault: session,
        })),
      );
      const turnOf = new Map(ids.map((id, i) => [id, conversation.turns[i]!.turnId]));
      const times = spreadOver(conversation.turns, notes.length);
      await store(
        token,
        notes.map((note, i) => ({ content: note, createdAt: times[i]! })),
      );
      // Session alone: once per conversation (the first set's key).
      const scopes: [string, object[]][] = [
        [`CORE (${set}) + session`, [{ kind: 'CORE' }, session]],
      ];
      if (set === sets[0]![0]) scopes.unshift(['session only', [session]]);
      for (const question of conversation.questions) {
        for (const [scope, vaults] of scopes) {
          for (const mode of MODES) {
            const found = await graphql<{ search: { hits: { memory: { id: string } }[] } }>(
              token,
              SEARCH,
              {
                input: {
                  query: question.question,
                  vaults,
                  windows: [{ window: 'ARCHIVE', limit: 10 }],
                  mode,
                  now,
                },
              },
            );
            const ranked = found.data!.search.hits.map((hit) => turnOf.get(hit.memory.id));
            add(`${mode} ${scope}`, ranked, question.evidence);
          }
        }
      }
    }
  }

  const f = (value: number) => value.toFixed(3);
  const scopes = [
    'session only',
    ...new Set([...figures.keys()].map((key) => key.slice(key.indexOf(' ') + 1))),
  ].filter((scope, i, all) => all.indexOf(scope) === i);
  const lines = [
    '',
    `Recall across vaults — ${conversations.length} conversations, ARCHIVE limit 10; CORE in top 5 = top-5 slots taken by CORE's memories`,
    ...scopes.flatMap((scope) =>
      MODES.map((mode: Mode) => {
        const figure = figures.get(`${mode} ${scope}`);
        if (figure === undefined) return '';
        return `  ${`${mode} ${scope}`.padEnd(50)} @5 ${f(figure.at5 / figure.n)}  @10 ${f(figure.at10 / figure.n)}  CORE in top 5 ${figure.coreTop5} of ${figure.n * 5}  (${figure.n} q)`;
      }),
    ),
    '',
  ];
  console.log(lines.join('\n'));
});
