/**
 * What a batch's store RPC costs under variants of the vault's storage,
 * paired: vaults take the same batches of 100 LoCoMo turns (embedded
 * beforehand with the local embedder) through the store RPC in turns, the
 * order rotating every batch, so a shared machine's drift falls on all
 * alike. Each vault differs in one thing, set before its first batch:
 *
 * - the memories' ids: fully random (each its own `randomId()`, as stores
 *   made them before `batchIds`) against a batch's ids sorting together
 *   (`batchIds`, what the vault gives now). Both are passed as ids, so
 *   both take the same path through the vault's checks;
 * - FTS5's merge policy (`automerge`, `crisismerge`: special INSERTs into
 *   `memories_fts`, kept in its config table);
 * - no full-text index at all (its insert trigger dropped): what FTS5
 *   costs a batch in all, commit included. Not a thing the vault could do.
 *
 * The store RPC's time includes the commit of the pages the batch dirtied,
 * which the phases of bulk-store.bench.ts cannot see. workerd's clock ticks
 * in whole milliseconds: means and medians over every batch.
 */
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { inject, it } from 'vitest';
import { batchIds, randomId } from '../src/core/encoding';
import type { VaultObject } from '../src/durable/vault/vault-object';
import { createEmbedder } from '../src/embed';
import { vaultObjectName, type VaultAddress } from '../src/vaults/address';
import { ms } from './measure';

const BATCH_SIZE = 100;
/** 20,000 memories a vault: the turns repeat a year earlier past the dataset's end. */
const BATCHES = 200;

interface Variant {
  label: string;
  ids: (count: number) => string[];
  /** Statements run in the fresh vault before its first batch. */
  setup: string[];
}

const fullyRandom = (count: number) => Array.from({ length: count }, () => randomId());

const VARIANTS: Variant[] = [
  { label: 'ids fully random (before)', ids: fullyRandom, setup: [] },
  { label: 'ids of a batch together (now)', ids: batchIds, setup: [] },
  {
    label: 'FTS5 automerge 8',
    ids: batchIds,
    setup: ["INSERT INTO memories_fts (memories_fts, rank) VALUES ('automerge', 8)"],
  },
  {
    label: 'FTS5 automerge 2',
    ids: batchIds,
    setup: ["INSERT INTO memories_fts (memories_fts, rank) VALUES ('automerge', 2)"],
  },
  {
    label: 'no full-text index (bound)',
    ids: batchIds,
    setup: ['DROP TRIGGER memories_fts_insert'],
  },
];

it('a batch store RPC under storage variants, vaults in turns', async () => {
  const conversations = inject('conversations');
  if (conversations.length === 0) return;
  const embedder = createEmbedder(env);
  const turns = conversations.flatMap((c) =>
    c.turns.map((t) => ({ content: `${t.speaker}: ${t.text}`, at: t.createdAt })),
  );
  const vectors: Float32Array[] = [];
  for (let start = 0; start < turns.length; start += BATCH_SIZE) {
    const texts = turns.slice(start, start + BATCH_SIZE).map(({ content }) => content);
    vectors.push(...(await embedder.embedPassages(texts)));
  }
  const run = `${Date.now()}`;
  const vaults = VARIANTS.map((variant, i) => {
    const address: VaultAddress = { kind: 'SESSION', keyId: 'bench', externalId: `v${i}-${run}` };
    const stub = env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address)));
    return { ...variant, address, stub, store: [] as number[] };
  });
  for (const vault of vaults) {
    const empty = await vault.stub.store(vault.address, {
      memories: [],
      model: embedder.model,
      dimensions: embedder.dimensions,
    });
    if (!empty.ok) throw new Error(empty.message);
    await runInDurableObject(vault.stub, (_: VaultObject, state) => {
      for (const statement of vault.setup) state.storage.sql.exec(statement);
    });
  }
  for (let b = 0; b < BATCHES; b++) {
    const memories = Array.from({ length: BATCH_SIZE }, (_, i) => {
      const n = b * BATCH_SIZE + i;
      const turn = turns[n % turns.length]!;
      return {
        content: turn.content,
        role: 'USER' as const,
        metadata: null,
        createdAt: turn.at - Math.floor(n / turns.length) * 365 * 86_400_000,
        tokens: 10,
        vector: vectors[n % turns.length]!,
        callerVector: false,
      };
    });
    for (let turn = 0; turn < vaults.length; turn++) {
      const vault = vaults[(turn + b) % vaults.length]!;
      const ids = vault.ids(BATCH_SIZE);
      const started = performance.now();
      const stored = await vault.stub.store(vault.address, {
        memories: memories.map((memory, i) => ({ ...memory, id: ids[i]! })),
        model: embedder.model,
        dimensions: embedder.dimensions,
      });
      vault.store.push(performance.now() - started);
      if (!stored.ok) throw new Error(stored.message);
    }
  }
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
  const base = vaults[0]!;
  const halves = (values: number[]) => [values.slice(0, BATCHES / 2), values.slice(BATCHES / 2)];
  console.log(
    [
      '',
      `Store RPC per batch of ${BATCH_SIZE} LoCoMo turns, ${BATCHES} batches a vault, ${vaults.length} vaults in turns (${embedder.model}):`,
      `  ${'variant'.padEnd(32)}${'mean'.padStart(11)}${'median'.padStart(11)}${'first 10k'.padStart(12)}${'next 10k'.padStart(12)}${'÷ first'.padStart(9)}`,
      ...vaults.map((vault) => {
        const [early, late] = halves(vault.store);
        return `  ${vault.label.padEnd(32)}${ms(mean(vault.store)).padStart(11)}${ms(median(vault.store)).padStart(11)}${ms(mean(early!)).padStart(12)}${ms(mean(late!)).padStart(12)}${(mean(vault.store) / mean(base.store)).toFixed(2).padStart(9)}`;
      }),
      '',
    ].join('\n'),
  );
});
