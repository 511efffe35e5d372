import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ReembedProgress } from '../../src/durable/rpc/vault-types';
import { USE_LITE_MODEL } from '../../src/embed/use-lite';
import { selectVault, type VaultAddress } from '../../src/vaults/address';
import {
  AdminVaultEmbeddingDocument,
  ReembedVaultDocument,
  SearchDocument,
  StoreMemoryDocument,
  VaultEmbeddingDocument,
} from '../generated/graphql';
import { fakeAi } from '../helpers/fake-ai';
import { newKey, post } from '../helpers/graphql';
import { memory, ok, vaultStub, writeMetaBeneath } from '../helpers/vaults';

const ai = fakeAi();

const MODEL = '@cf/baai/bge-small-en-v1.5';
const VECTORS_ID = `${MODEL}#cls@1`;
const PREFIX = 'Represent this sentence for searching relevant passages: ';

beforeEach(() => ai.reset());

/** A vault built before this deployment moved to Workers AI: the offline table's vectors. */
async function offlineVault(keyId: string, contents: string[]): Promise<VaultAddress> {
  const address = selectVault(keyId);
  ok(
    await vaultStub(address).store(address, {
      memories: contents.map((content) => memory(content)),
      model: USE_LITE_MODEL,
      dimensions: 384,
    }),
  );
  return address;
}

async function progressOf(address: VaultAddress): Promise<ReembedProgress | null> {
  return ok(await vaultStub(address).stats(address)).stats.reembed;
}

/** Runs the vault's alarm until the progress satisfies `done` (it also fires on its own). */
async function alarmsUntil(
  address: VaultAddress,
  done: (progress: ReembedProgress) => boolean,
  deadlineMs = 20_000,
): Promise<ReembedProgress> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const progress = await progressOf(address);
    if (progress !== null && done(progress)) return progress;
    if (Date.now() > until) throw new Error(`re-embedding stuck at ${JSON.stringify(progress)}`);
    await runDurableObjectAlarm(vaultStub(address));
  }
}

/** Moves the next batch's due time, as time passing (or a longer backoff) would. */
async function dueAt(address: VaultAddress, time: number): Promise<void> {
  await runInDurableObject(vaultStub(address), async (object, state) => {
    writeMetaBeneath(object, state, ({ sql }) =>
      sql.exec(`UPDATE meta SET value = ? WHERE key = 'reembed_due_at'`, time),
    );
    await state.storage.setAlarm(time);
  });
}

const BOAT = 'The boat is moored at the north harbour';

describe('re-embedding into Workers AI', () => {
  it('starts on the first call after the deployment changed model, backs off a failing model, resumes after an eviction', async () => {
    const { keyId, secret } = await newKey();
    const fillers = Array.from({ length: 70 }, (_, i) => `Filler ${i}: shelf ${i} holds jars`);
    const address = await offlineVault(keyId, [BOAT, ...fillers]);
    const total = fillers.length + 1;

    // The model is failing when the first call after the change starts it.
    await ai.script(['fail', 'fail', 'fail']);
    const first = await post(VaultEmbeddingDocument, { selector: { kind: 'CORE' } }, secret);
    expect(first.errors).toBeUndefined();
    expect(first.data?.vault).toMatchObject({
      embeddingModel: USE_LITE_MODEL,
      dimensions: 384,
      embedding: {
        model: USE_LITE_MODEL,
        dimensions: 384,
        reembedProgress: {
          state: 'RUNNING',
          trigger: 'DEPLOYMENT',
          fromModel: USE_LITE_MODEL,
          targetModel: VECTORS_ID,
          targetDimensions: 384,
          done: 0,
        },
      },
    });

    // The batch fails (three attempts): it backs off, and the progress shows why.
    const failing = await alarmsUntil(address, (progress) => progress.failures > 0);
    expect(failing).toMatchObject({ state: 'RUNNING', done: 0, failures: 1 });
    expect(failing.lastError).toMatch(/did not answer/);
    expect(failing.lastError).not.toMatch(/3040|Capacity|shelf/);
    expect(failing.nextBatchAt! - Date.now()).toBeGreaterThan(1_000);
    const alarm = await runInDurableObject(vaultStub(address), (_object, state) =>
      state.storage.getAlarm(),
    );
    expect(alarm).toBe(failing.nextBatchAt);
    const shown = await post(VaultEmbeddingDocument, { selector: { kind: 'CORE' } }, secret);
    expect(shown.data?.vault?.embedding.reembedProgress).toMatchObject({
      failures: 1,
      lastError: failing.lastError,
      nextBatchAt: new Date(failing.nextBatchAt!).toISOString(),
    });

    // The retry waits an hour from here (a later backoff), so nothing moves
    // while searches and writes are checked, however slow the machine.
    await dueAt(address, Date.now() + 3_600_000);

    // Meanwhile searching keeps working, by text, and the receipt says so.
    const during = await post(
      SearchDocument,
      { input: { query: 'where is the boat moored', mode: 'HYBRID' } },
      secret,
    );
    expect(during.errors).toBeUndefined();
    expect(during.data?.search.hits[0]?.memory.content).toBe(BOAT);
    expect(during.extensions?.memory).toMatchObject({
      textOnly: [{ vault: 'core', reason: 'REEMBEDDING' }],
    });
    // Writing keeps working: no EMBEDDING_MISMATCH for the deployment's own model.
    const stored = await post(
      StoreMemoryDocument,
      { input: { content: 'Grandma bakes rye bread on Sundays' } },
      secret,
    );
    expect(stored.errors).toBeUndefined();
    expect((await progressOf(address))?.done).toBe(0);

    // Time passes (the retry falls due now), the model answers again.
    await dueAt(address, Date.now());
    const midway = await alarmsUntil(address, (progress) => progress.done > 0);
    expect(midway).toMatchObject({ state: 'RUNNING', failures: 0, lastError: null });
    await evictDurableObject(vaultStub(address));
    const finished = await alarmsUntil(address, (progress) => progress.state === 'DONE');
    expect(finished).toMatchObject({ done: total, remaining: 0 });

    const after = await post(VaultEmbeddingDocument, { selector: { kind: 'CORE' } }, secret);
    expect(after.data?.vault).toMatchObject({
      memoryCount: total + 1,
      embeddingModel: VECTORS_ID,
      embedding: { model: VECTORS_ID, reembedProgress: { state: 'DONE', done: total } },
    });
    const search = await post(
      SearchDocument,
      { input: { query: 'where is the boat moored', mode: 'VECTOR' } },
      secret,
    );
    expect(search.data?.search.hits[0]?.memory.content).toBe(BOAT);
    expect(search.extensions?.memory).not.toHaveProperty('textOnly');
    const bread = await post(
      SearchDocument,
      { input: { query: 'who bakes rye bread', mode: 'VECTOR' } },
      secret,
    );
    expect(bread.data?.search.hits[0]?.memory.content).toBe('Grandma bakes rye bread on Sundays');

    // Memories went as passages (no query prefix), in calls within the model's limit.
    const passages = (await ai.calls()).filter(
      (call) => !call.input.text.some((text) => text.startsWith(PREFIX)),
    );
    expect(passages.flatMap((call) => call.input.text)).toEqual(
      expect.arrayContaining([BOAT, ...fillers]),
    );
    for (const call of passages) {
      expect(call).toMatchObject({ model: MODEL, input: { pooling: 'cls' } });
      expect(call.input.text.length).toBeLessThanOrEqual(100);
    }
  });

  it('lets an admin re-embed a vault again, and refuses one of caller-supplied vectors', async () => {
    const { keyId, secret, adminToken } = await newKey();
    await post(StoreMemoryDocument, { input: { content: BOAT } }, secret);
    const asked = await post(ReembedVaultDocument, { keyId, vault: { kind: 'CORE' } }, adminToken);
    expect(asked.errors).toBeUndefined();
    expect(asked.data?.reembedVault).toMatchObject({
      state: 'RUNNING',
      trigger: 'ADMIN',
      targetModel: VECTORS_ID,
      done: 0,
      remaining: 1,
    });
    const address = selectVault(keyId);
    expect(await alarmsUntil(address, (progress) => progress.state === 'DONE')).toMatchObject({
      done: 1,
    });
    // The admin reads the progress without a memory key.
    const seen = await post(
      AdminVaultEmbeddingDocument,
      { keyId, vault: { kind: 'CORE' } },
      adminToken,
    );
    expect(seen.data?.vaultEmbedding).toEqual({
      model: VECTORS_ID,
      dimensions: 384,
      reembedProgress: { state: 'DONE', done: 1, remaining: 0, lastError: null },
    });
    // Not for a memory key.
    const asKey = await post(ReembedVaultDocument, { keyId, vault: { kind: 'CORE' } }, secret);
    expect(asKey.errors?.[0]?.extensions?.code).toMatch(/FORBIDDEN|UNAUTHENTICATED/);

    const session = { kind: 'SESSION' as const, id: 'own-vectors' };
    const embedding = Array.from({ length: 16 }, (_, i) => (i % 3) - 1 + 0.5);
    const own = await post(
      StoreMemoryDocument,
      { input: { content: 'brought my own vector', vault: session, embedding } },
      secret,
    );
    expect(own.errors).toBeUndefined();
    const refused = await post(ReembedVaultDocument, { keyId, vault: session }, adminToken);
    expect(refused.errors?.map((error) => error.extensions)).toEqual([
      expect.objectContaining({ code: 'BAD_USER_INPUT', reason: 'CALLER_SUPPLIED_VECTORS' }),
    ]);
    const shown = await post(VaultEmbeddingDocument, { selector: session }, secret);
    expect(shown.data?.vault?.embedding).toEqual({
      model: 'caller-supplied',
      dimensions: 16,
      reembedProgress: null,
    });
  });
});
