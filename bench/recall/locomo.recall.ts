/**
 * Recall benchmark: replays conversations through the Worker's public GraphQL
 * API inside workerd and measures how many evidence turns each search finds.
 *
 * Protocol (issue 10): each conversation goes into one SESSION vault; every
 * turn is stored as "<speaker>: <text>" with its session's date, in order, in
 * batches of up to 100 (as a client would). Each question is searched in its
 * vault with windows [{ window: ARCHIVE, limit: 10 }] and a `now` that puts
 * every turn in ARCHIVE. recall@k = the share of a question's evidence turns
 * among the top k hits, averaged over questions. Nothing but content and date
 * reaches the vault: turn ids stay here, mapped from the ids the store returns.
 */
import { env } from 'cloudflare:workers';
import { inject, it } from 'vitest';
import { deriveKey } from '../../src/auth/memory-key';
import { createEmbedder } from '../../src/embed';
import { vaultObjectName, type VaultAddress } from '../../src/vaults/address';
import type { RecallConversation } from './dataset';
import { ablations } from './ablation';
import { rankingCost, type RankingCost } from './ranking-cost';
import { decodeMemoryId } from '../../src/vaults/ids';
import {
  content,
  graphql,
  memoryKey,
  SEARCH,
  STORE,
  STORE_BATCH,
  storeConversation,
} from './bench-api';

/** The three modes as deployed, then HYBRID at other fusion weights, so retuning is one run. */
const MODES = ['VECTOR', 'TEXT', 'HYBRID'] as const;
const SWEEP = [0, 0.1, 0.2, 0.3, 0.4, 0.5] as const;
type Mode = (typeof MODES)[number] | `HYBRID α=${(typeof SWEEP)[number]}`;
const ALL_MODES: Mode[] = [...MODES, ...SWEEP.map((weight) => `HYBRID α=${weight}` as const)];
const modeInput = (mode: Mode) =>
  mode.startsWith('HYBRID α=')
    ? { mode: 'HYBRID', vectorWeight: Number(mode.slice('HYBRID α='.length)) }
    : { mode };
const K = [5, 10] as const;
const BATCH = STORE_BATCH;
const DAY = 86_400_000;
/** One-memory stores timed for the write cost. */
const SINGLE_WRITES = 100;

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
/** Whether HYBRID's @5 and @10 are at or above TEXT's in each conversation. */
function hybridNeverBelowText(
  byConversation: Map<string, Score>,
  conversations: RecallConversation[],
): boolean {
  return conversations.every(({ id }) => {
    const hybrid = byConversation.get(`HYBRID ${id}`);
    const text = byConversation.get(`TEXT ${id}`);
    if (!hybrid || !text) return true;
    return hybrid.at5 >= text.at5 - 1e-9 && hybrid.at10 >= text.at10 - 1e-9;
  });
}

const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / (values.length || 1);

interface Score {
  at5: number;
  at10: number;
  n: number;
}
const newScore = (): Score => ({ at5: 0, at10: 0, n: 0 });

it('recall on a LoCoMo-format file, every mode', async () => {
  const conversations = inject('conversations');
  const token = await memoryKey();
  const run = Date.now().toString(36);

  const overall = new Map<Mode, Score>(ALL_MODES.map((mode) => [mode, newScore()]));
  const byCategory = new Map<string, Score>();
  const byConversation = new Map<string, Score>();
  const latency = new Map<Mode, { client: number[]; vault: number[] }>(
    ALL_MODES.map((mode) => [mode, { client: [], vault: [] }]),
  );
  const batchMs: number[] = [];
  const costs: RankingCost[] = [];
  /** Technique by technique (ablation.ts): recall per variant. */
  const techniques = new Map<string, Score>();
  const embedder = createEmbedder(env);
  const { keyId } = await deriveKey(env.KEY_HMAC_SECRET, token);
  let turns = 0;
  let questions = 0;

  for (const conversation of conversations) {
    const vault = { kind: 'SESSION', id: `${conversation.id}-${run}`.slice(0, 128) };
    const { turnOf, msPerMemory } = await storeConversation(token, vault, conversation.turns);
    batchMs.push(...msPerMemory);
    turns += conversation.turns.length;
    const last = Math.max(...conversation.turns.map((turn) => turn.createdAt));
    const now = new Date(last + 91 * DAY).toISOString();

    for (const question of conversation.questions) {
      questions++;
      for (const mode of ALL_MODES) {
        const found = await graphql<{ search: { hits: { memory: { id: string } }[] } }>(
          token,
          SEARCH,
          {
            input: {
              query: question.question,
              vaults: [vault],
              windows: [{ window: 'ARCHIVE', limit: 10 }],
              ...modeInput(mode),
              now,
            },
          },
        );
        latency.get(mode)!.client.push(found.ms);
        latency.get(mode)!.vault.push(found.extensions?.memory?.vaults?.[0]?.elapsedMs ?? NaN);
        const ranked = found.data!.search.hits.map((hit) => turnOf.get(hit.memory.id));
        const recall = (k: number) =>
          question.evidence.filter((id) => ranked.slice(0, k).includes(id)).length /
          question.evidence.length;
        const breakdown = (MODES as readonly string[]).includes(mode);
        for (const key of breakdown
          ? [mode, `${mode} category ${question.category}`, `${mode} ${conversation.id}`]
          : [mode]) {
          const score =
            key === mode
              ? overall.get(mode)!
              : key.includes('category')
                ? (byCategory.get(key) ?? byCategory.set(key, newScore()).get(key)!)
                : (byConversation.get(key) ?? byConversation.set(key, newScore()).get(key)!);
          score.at5 += recall(K[0]);
          score.at10 += recall(K[1]);
          score.n += 1;
        }
      }
    }

    const address: VaultAddress = { kind: 'SESSION', keyId, externalId: vault.id };
    const vectors = await embedder.embedQueries(conversation.questions.map((q) => q.question));
    const turnOfLocal = new Map(
      [...turnOf].map(([id, turn]) => [decodeMemoryId(id).localId, turn] as const),
    );
    const variants = await ablations(
      env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address))),
      conversation.questions.map((q, i) => ({ text: q.question, vector: vectors[i]! })),
      embedder.model,
      last + DAY,
    );
    for (const [name, lists] of variants) {
      const score = techniques.get(name) ?? techniques.set(name, newScore()).get(name)!;
      conversation.questions.forEach((question, i) => {
        const ranked = lists[i]!.map((id) => turnOfLocal.get(id));
        for (const [k, field] of [
          [5, 'at5'],
          [10, 'at10'],
        ] as const) {
          score[field] +=
            question.evidence.filter((id) => ranked.slice(0, k).includes(id)).length /
            question.evidence.length;
        }
        score.n += 1;
      });
    }
    costs.push(
      await rankingCost(
        env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address))),
        conversation.questions.map((q, i) => ({ text: q.question, vector: vectors[i]! })),
        embedder.model,
        last + DAY,
      ),
    );
  }

  // Write cost: one memory per call, into a vault already holding a conversation.
  const first = conversations[0]!;
  const writeVault = { kind: 'SESSION', id: `write-cost-${run}` };
  const preload = first.turns.slice(0, Math.max(0, first.turns.length - SINGLE_WRITES));
  for (let start = 0; start < preload.length; start += BATCH) {
    await graphql(token, STORE, {
      inputs: preload.slice(start, start + BATCH).map((turn) => ({
        vault: writeVault,
        content: content(turn),
        createdAt: new Date(turn.createdAt).toISOString(),
      })),
    });
  }
  const singles = first.turns.slice(preload.length);
  const singleMs: number[] = [];
  for (const turn of singles) {
    const stored = await graphql(token, STORE, {
      inputs: [
        {
          vault: writeVault,
          content: content(turn),
          createdAt: new Date(turn.createdAt).toISOString(),
        },
      ],
    });
    singleMs.push(stored.ms);
  }
  // The vault's own share: its store RPC alone, vectors computed beforehand,
  // into two vaults holding the same memories, one memory per call, alternating:
  // one never searched, one searched (TEXT) before every store, so its text
  // timeline and postings cache are live and kept current by each write.
  const vectors = await embedder.embedPassages(first.turns.map(content));
  const rpcVault = (name: string) => {
    const address: VaultAddress = { kind: 'SESSION', keyId: `bench-${run}`, externalId: name };
    const stub = env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address)));
    const store = (indexes: number[]) =>
      stub.store(address, {
        memories: indexes.map((index) => ({
          content: content(first.turns[index]!),
          role: 'USER' as const,
          metadata: null,
          createdAt: first.turns[index]!.createdAt,
          tokens: 20,
          vector: vectors[index]!,
          callerVector: false,
        })),
        model: embedder.model,
        dimensions: embedder.dimensions,
      });
    const search = (text: string) =>
      stub.search(address, [
        {
          text,
          vector: null,
          model: embedder.model,
          mode: 'TEXT',
          windows: [{ window: 'ARCHIVE', after: null, until: Date.now(), limit: 10 }],
          metadata: null,
          vectorWeight: 0,
        },
      ]);
    return { store, search };
  };
  const quiet = rpcVault('quiet');
  const searched = rpcVault('searched');
  for (let start = 0; start < preload.length; start += BATCH) {
    const batch = Array.from(
      { length: Math.min(BATCH, preload.length - start) },
      (_, i) => start + i,
    );
    await quiet.store(batch);
    await searched.store(batch);
  }
  const quietMs: number[] = [];
  const searchedMs: number[] = [];
  for (let index = preload.length; index < first.turns.length; index++) {
    const question = first.questions[index % first.questions.length]!.question;
    await searched.search(question);
    for (const [vault, samples] of [
      [quiet, quietMs],
      [searched, searchedMs],
    ] as const) {
      const started = performance.now();
      const result = await vault.store([index]);
      samples.push(performance.now() - started);
      if (!result.ok) throw new Error(result.message);
    }
  }

  const f = (value: number) => value.toFixed(3);
  const ms = (value: number) => `${value.toFixed(2)} ms`;
  const row = (label: string, score: Score) =>
    `  ${label.padEnd(44)} @5 ${f(score.at5 / score.n)}  @10 ${f(score.at10 / score.n)}  (${score.n} q)`;
  const lines = [
    '',
    `Recall benchmark — ${conversations.length} conversations, ${turns} turns, ${questions} questions, embedder ${embedder.model}`,
    ...MODES.map((mode) => row(mode, overall.get(mode)!)),
    '  HYBRID at other vector weights (α; the deployed default is HYBRID above):',
    ...SWEEP.map((weight) => row(`HYBRID α=${weight}`, overall.get(`HYBRID α=${weight}`)!)),
    '  by category:',
    ...[...byCategory].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, s]) => row(key, s)),
    '  by conversation:',
    ...[...byConversation].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, s]) => row(key, s)),
    '  technique by technique (inside the vault object, same vaults and questions):',
    ...[...techniques].map(([name, score]) => row(name, score)),
    `  HYBRID at or above TEXT in every conversation: ${hybridNeverBelowText(byConversation, conversations) ? 'yes' : 'no'}`,
    '  search latency (client: the whole GraphQL request; vault: inside the object):',
    ...MODES.map((mode) => {
      const { client, vault } = latency.get(mode)!;
      return `  ${mode.padEnd(7)} client p50 ${ms(percentile(client, 50))} p99 ${ms(percentile(client, 99))} mean ${ms(mean(client))} | vault p50 ${ms(percentile(vault, 50))} p99 ${ms(percentile(vault, 99))} mean ${ms(mean(vault))}`;
    }),
    '  ranking inside the object, one ARCHIVE window of 10, mean per search (median of 7 rounds, same run):',
    `  before (FTS5 bm25() top 10)    ${ms(mean(costs.map((c) => c.legacyText)))}`,
    `  TEXT now                       ${ms(mean(costs.map((c) => c.text)))}  (${(mean(costs.map((c) => c.text)) / mean(costs.map((c) => c.legacyText))).toFixed(2)}× before)`,
    `  HYBRID now                     ${ms(mean(costs.map((c) => c.hybrid)))}  (${(mean(costs.map((c) => c.hybrid)) / mean(costs.map((c) => c.legacyText))).toFixed(2)}× before)`,
    `  TEXT now, no postings cache    ${ms(mean(costs.map((c) => c.textUncached)))}  (${(mean(costs.map((c) => c.textUncached)) / mean(costs.map((c) => c.legacyText))).toFixed(2)}× before; emptied before every search)`,
    '  write cost:',
    `  batch of ${BATCH} via storeMemories   ${ms(mean(batchMs))} per memory`,
    `  one-memory storeMemories       mean ${ms(mean(singleMs))}  p50 ${ms(percentile(singleMs, 50))} (${singleMs.length} calls into a vault of ${preload.length}+)`,
    `  one-memory vault store RPC     mean ${ms(mean(quietMs))}  p50 ${ms(percentile(quietMs, 50))} (vault not searched since it woke)`,
    `  same, searched between writes  mean ${ms(mean(searchedMs))}  p50 ${ms(percentile(searchedMs, 50))} (text timeline and postings cache kept current: ${(mean(searchedMs) / mean(quietMs)).toFixed(2)}×)`,
    '  (workerd clocks tick in whole milliseconds: compare means, measured in one run)',
    '',
  ];
  console.log(lines.join('\n'));
});
