/**
 * What re-embedding costs inside workerd, with the offline USE-lite table as
 * the deployment's embedder: a vault of 3,000 memories built with another
 * model (the hashed test embedder) is moved batch by batch. The batches are
 * driven directly (the alarm's pauses and its own firing left out), so the
 * figures are the work: a batch's time per memory, the last batch with the
 * switch (one UPDATE of every row, the checkpoint dropped), and the first
 * search after it (the hot index rebuilt from the rows) against a warm one.
 */
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { it } from 'vitest';
import { DEFAULT_HYBRID_VECTOR_WEIGHT } from '../src/core/config';
import type { VaultObject } from '../src/durable/vault/vault-object';
import type { VaultReembed } from '../src/durable/vault/vault-reembed';
import { UseLiteEmbedder, USE_LITE_MODEL } from '../src/embed/use-lite';
import { vaultObjectName, type VaultAddress } from '../src/vaults/address';
import { HashedEmbedder } from '../test/helpers/hashed-embedder';

const MEMORIES = 3_000;
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

it('re-embedding a vault', async () => {
  const address: VaultAddress = { kind: 'CORE', keyId: 'bench-reembed', externalId: null };
  const stub = env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address)));
  const old = new HashedEmbedder();
  const now = Date.now();
  for (let at = 0; at < MEMORIES; at += 100) {
    const memories = Array.from({ length: 100 }, (_, i) => {
      const content = `note ${at + i}: the user mentioned topic ${(at + i) % 17} and a trip to city ${(at + i) % 23}`;
      return {
        content,
        role: 'USER' as const,
        metadata: null,
        createdAt: now - (MEMORIES - at - i) * 60_000,
        tokens: 16,
        vector: old.embedOne(content),
        callerVector: false,
      };
    });
    const stored = await stub.store(address, { memories, model: old.model, dimensions: 384 });
    if (!stored.ok) throw new Error(stored.message);
  }
  const started = await stub.reembed(address);
  if (!started.ok) throw new Error(started.message);

  const deployment = new UseLiteEmbedder();
  const [query] = await deployment.embedQueries(['a trip to city 7']);
  const search = () =>
    stub.search(address, [
      {
        text: 'a trip to city 7',
        vector: query!,
        model: USE_LITE_MODEL,
        mode: 'VECTOR',
        windows: [{ window: 'ARCHIVE', after: null, until: now + 1, limit: 10 }],
        metadata: null,
        vectorWeight: DEFAULT_HYBRID_VECTOR_WEIGHT,
      },
    ]);

  const result = await runInDurableObject(stub, async (instance: VaultObject, state) => {
    // Batches are driven here: no alarm fires meanwhile.
    await state.storage.deleteAlarm();
    const job = (instance as unknown as { reembedding: VaultReembed }).reembedding;
    const batches: { ms: number; done: number }[] = [];
    let done = 0;
    for (;;) {
      const before = performance.now();
      await job.runBatch(deployment, Date.now);
      const ms = performance.now() - before;
      const progress = state.storage.sql.exec(`SELECT value FROM meta WHERE key = 'reembed'`).one()
        .value as string;
      const { state: runState, done: total } = JSON.parse(progress) as {
        state: string;
        done: number;
      };
      batches.push({ ms, done: total - done });
      done = total;
      if (runState !== 'RUNNING') break;
    }
    await state.storage.deleteAlarm();
    return batches;
  });
  const full = result.slice(0, -1).filter((batch) => batch.done > 0);
  const perBatch = median(full.map((batch) => batch.ms));
  const perMemory = perBatch / median(full.map((batch) => batch.done));
  const last = result.at(-1)!;

  // workerd's clock ticks in whole milliseconds inside a request: a few searches each.
  let before = Date.now();
  const first = await search();
  const firstSearch = Date.now() - before;
  if (!first.ok) throw new Error(first.message);
  const warm: number[] = [];
  for (let i = 0; i < 20; i++) {
    before = Date.now();
    await search();
    warm.push(Date.now() - before);
  }
  const lines = [
    `re-embedding ${MEMORIES} memories (USE-lite table, ${result.length} batches):`,
    `  batch of ${median(full.map((batch) => batch.done))}: ${perBatch.toFixed(1)} ms median (${perMemory.toFixed(2)} ms per memory)`,
    `  last batch with the switch: ${last.ms.toFixed(1)} ms (${(last.ms / perBatch).toFixed(1)}× a batch)`,
    `  first search after the switch (index rebuilt): ${firstSearch} ms; warm search ${median(warm)} ms`,
  ];
  console.log(lines.join('\n'));
});
