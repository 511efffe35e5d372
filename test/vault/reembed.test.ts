import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { DEFAULT_HYBRID_VECTOR_WEIGHT } from '../../src/core/config';
import type { HotIndex } from '../../src/durable/indexes/hot-index';
import type { VaultObject } from '../../src/durable/vault/vault-object';
import {
  REEMBED_MAX_FAILURES,
  reembedNeeded,
  reembedTarget,
  type VaultReembed,
} from '../../src/durable/vault/vault-reembed';
import { CodedError } from '../../src/core/errors';
import { EmbeddingRefused } from '../../src/embed/embedding-errors';
import { selectVault } from '../../src/vaults/address';
import { SearchDocument, StoreMemoryDocument, VaultEmbeddingDocument } from '../generated/graphql';
import { BASE_URL, newKey, post, workerFetch } from '../helpers/graphql';
import type {
  ReembedProgress,
  SearchMode,
  SearchRequest,
  VaultReadOpResult,
} from '../../src/durable/rpc/vault-types';
import { UseLiteEmbedder, USE_LITE_MODEL } from '../../src/embed/use-lite';
import { MAX_STORE_BATCH } from '../../src/core/limits';
import { chunkSpans } from '../../src/text/chunks';
import type { VaultAddress } from '../../src/vaults/address';
import { ANSWER_CORE, longDocument, QUESTION } from '../helpers/long-document';
import {
  allTime,
  embedder as oldEmbedder,
  failed,
  freshAddress,
  memory,
  ok,
  searchRequest,
  storeRequest,
  vaultStub,
  writeMetaBeneath,
} from '../helpers/vaults';

// These vaults are built with the hashed test embedder (`local-hash-v2`, an
// older offline model), while the deployment embeds with the USE-lite table.
const deployment = new UseLiteEmbedder();

async function queryOfDeployment(text: string, mode: SearchMode): Promise<SearchRequest> {
  const [vector] = await deployment.embedQueries([text]);
  return {
    text,
    vector: vector!,
    model: USE_LITE_MODEL,
    mode,
    windows: [allTime(5)],
    metadata: null,
    vectorWeight: DEFAULT_HYBRID_VECTOR_WEIGHT,
  };
}

type Stub = ReturnType<typeof vaultStub>;

async function searchOnce(vault: Stub, address: VaultAddress, request: SearchRequest) {
  const read = ok(await vault.read(address, [{ type: 'search', request }]));
  const result = read.results[0] as Extract<VaultReadOpResult, { type: 'search' }>;
  if (!result.ok) throw new Error(`search refused: ${JSON.stringify(result)}`);
  return {
    contents: result.windows[0]!.hits.map((hit) => hit.memory.content),
    match: result.windows[0]!.hits[0]?.match,
    textOnly: result.textOnly,
  };
}

/**
 * The vault answers the deployment's model with vectors (not TEXT-only) and by
 * meaning: "the dog I got" finds the puppy's name, which shares no word with it.
 */
async function expectSearchedByMeaning(vault: Stub, address: VaultAddress) {
  const puppy = await searchOnce(
    vault,
    address,
    await queryOfDeployment("what's the name of the dog I got?", 'VECTOR'),
  );
  expect(puppy.textOnly).toBeUndefined();
  expect(puppy.contents[0]).toBe(FACTS[0]);
}

async function progressOf(vault: Stub, address: VaultAddress) {
  const { stats } = ok(await vault.stats(address));
  return { stats, progress: stats.reembed };
}

/**
 * Runs the vault's alarm until the progress satisfies `done` (the alarm also
 * fires on its own; running it only hurries it), failing after `deadlineMs`.
 */
async function alarmsUntil(
  address: VaultAddress,
  done: (progress: ReembedProgress) => boolean,
  deadlineMs = 20_000,
): Promise<ReembedProgress> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const vault = vaultStub(address);
    const { progress } = await progressOf(vault, address);
    if (progress !== null && done(progress)) return progress;
    if (Date.now() > until) throw new Error(`re-embedding stuck at ${JSON.stringify(progress)}`);
    await runDurableObjectAlarm(vault);
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

const FACTS = [
  'I adopted a puppy named Biscuit last spring',
  'I prefer green tea over coffee in the morning',
  'The quarterly report is due on Friday',
];

describe('re-embedding a vault into the deployment’s model', () => {
  it('moves every memory and chunk in alarm batches, survives an eviction mid-way, and switches at once', async () => {
    const address = freshAddress();
    const vault = vaultStub(address);
    const fillers = Array.from(
      { length: 280 },
      (_, i) => `Filler note ${i}: the meeting about item ${i} moved to room ${i % 7}`,
    );
    const document = longDocument();
    const contents = [...FACTS, ...fillers, document];
    for (let at = 0; at < contents.length; at += MAX_STORE_BATCH) {
      const batch = contents.slice(at, at + MAX_STORE_BATCH).map((text) => memory(text));
      ok(await vault.store(address, storeRequest(batch)));
    }
    expect(ok(await vault.stats(address)).stats.embeddingModel).toBe(oldEmbedder.model);

    const started = ok(await vault.reembed(address)).progress;
    expect(started).toMatchObject({
      state: 'RUNNING',
      model: USE_LITE_MODEL,
      dimensions: 384,
      fromModel: oldEmbedder.model,
      trigger: 'ADMIN',
      done: 0,
      remaining: contents.length,
    });
    // Asking again while it runs changes nothing.
    expect(ok(await vault.reembed(address)).progress.startedAt).toBe(started.startedAt);
    // The next batch waits an hour (as a backoff would), so nothing moves
    // while the vault is checked mid-way, however slow the machine.
    await dueAt(address, Date.now() + 3_600_000);

    // Meanwhile: queries of the old model use the old vectors; queries of the
    // new one are answered by text, and say so.
    const old = await searchOnce(
      vault,
      address,
      searchRequest('puppy named Biscuit', [allTime(3)], { mode: 'VECTOR' }),
    );
    expect(old).toMatchObject({ textOnly: undefined });
    expect(old.contents[0]).toBe(FACTS[0]);
    const byText = await searchOnce(vault, address, await queryOfDeployment('green tea', 'HYBRID'));
    expect(byText.textOnly).toBe('REEMBEDDING');
    expect(byText.contents[0]).toBe(FACTS[1]);

    // Writes keep working: one embedded with the new model (the Worker's),
    // one with the old (a Worker version not yet rolled out).
    const [porto] = await deployment.embedPassages([
      'My sister lives in Porto and works as a nurse',
    ]);
    ok(
      await vault.store(address, {
        memories: [{ ...memory('My sister lives in Porto and works as a nurse'), vector: porto! }],
        model: USE_LITE_MODEL,
        dimensions: 384,
      }),
    );
    ok(await vault.store(address, storeRequest([memory('The boat is moored at the north pier')])));
    expect(ok(await vault.stats(address)).stats.memoryCount).toBe(contents.length + 2);
    // The text side finds the memory stored with only the new model's vectors.
    expect(
      (await searchOnce(vault, address, await queryOfDeployment('sister Porto', 'VECTOR')))
        .contents[0],
    ).toBe('My sister lives in Porto and works as a nurse');
    // An export now would mix two models' vectors: refused until the switch.
    expect(failed(await vault.snapshot(address))).toMatchObject({
      code: 'RATE_LIMITED',
      reason: 'REEMBEDDING',
      // When to try again, for the route's Retry-After (at least a second).
      details: { retryAfter: expect.any(Number) },
    });
    const { details } = failed(await vault.snapshot(address)) as unknown as {
      details: { retryAfter: number };
    };
    expect(details.retryAfter).toBeGreaterThanOrEqual(1);

    // A batch or more, then the object is evicted: it resumes where it was.
    await dueAt(address, Date.now());
    const midway = await alarmsUntil(address, (progress) => progress.done > 0);
    expect(midway.state).toBe('RUNNING');
    await evictDurableObject(vault);
    const resumed = (await progressOf(vaultStub(address), address)).progress!;
    expect(resumed.startedAt).toBe(started.startedAt);
    expect(resumed.done).toBeGreaterThanOrEqual(midway.done);
    expect(resumed.state).toBe('RUNNING');

    const finished = await alarmsUntil(address, (progress) => progress.state !== 'RUNNING');
    expect(finished).toMatchObject({
      state: 'DONE',
      remaining: 0,
      failures: 0,
      lastError: null,
      // Every memory stored before, and the one stored meanwhile with old vectors.
      done: contents.length + 1,
    });
    const after = vaultStub(address);
    const { stats } = await progressOf(after, address);
    expect(stats).toMatchObject({
      embeddingModel: USE_LITE_MODEL,
      dimensions: 384,
      memoryCount: contents.length + 2,
    });

    // No row is left half-way, and the long memory is now indexed in chunks.
    const rows = await runInDurableObject(after, (_object, state) => {
      const sql = state.storage.sql;
      const one = <T>(query: string) => sql.exec(query).one() as T;
      return {
        waiting: one<{ n: number }>(
          'SELECT COUNT(*) AS n FROM memories WHERE next_embedding IS NOT NULL OR next_chunk_embeddings IS NOT NULL',
        ).n,
        empty: one<{ n: number }>('SELECT COUNT(*) AS n FROM memories WHERE length(embedding) = 0')
          .n,
        chunkBytes: one<{ n: number }>(
          'SELECT length(chunk_embeddings) AS n FROM memories WHERE length(content) > 5000',
        ).n,
      };
    });
    expect(rows).toEqual({
      waiting: 0,
      empty: 0,
      chunkBytes: chunkSpans(document).length * 384 * 4,
    });

    // Searches of the new model use its vectors: meaning, not shared words.
    await expectSearchedByMeaning(after, address);
    const sister = await searchOnce(
      after,
      address,
      await queryOfDeployment('which city does my sister live in', 'VECTOR'),
    );
    expect(sister.contents[0]).toBe('My sister lives in Porto and works as a nurse');
    const key = await searchOnce(after, address, await queryOfDeployment(QUESTION, 'VECTOR'));
    expect(key.contents[0]).toBe(document);
    // One row per chunk now: the hit names a chunk's span (which chunk the
    // offline table picks is not promised: test/search/chunked-memories.test.ts).
    expect(chunkSpans(document).map(({ start, end }) => [start, end])).toContainEqual([
      key.match!.start,
      key.match!.end,
    ]);
    const hybrid = await searchOnce(after, address, await queryOfDeployment(QUESTION, 'HYBRID'));
    expect(document.slice(hybrid.match!.start, hybrid.match!.end)).toContain(ANSWER_CORE);
    // The old model's queries are another model's now.
    const stale = ok(
      await after.read(address, [
        { type: 'search', request: searchRequest('puppy', [allTime(3)], { mode: 'VECTOR' }) },
      ]),
    ).results[0]!;
    expect(stale).toMatchObject({ ok: false, reason: 'EMBEDDING_MISMATCH' });
    // And the vault exports again, every memory with the new model's vectors.
    const snapshot = ok(await after.snapshot(address)).snapshot;
    expect(snapshot.count).toBe(contents.length + 2);
  });

  it('starts afresh when the model it was moving to is no longer the deployment’s', async () => {
    const address = freshAddress();
    const vault = vaultStub(address);
    ok(await vault.store(address, storeRequest(FACTS.map((text) => memory(text)))));
    ok(await vault.reembed(address));
    // As if the run had begun under an earlier deployment's model, and left
    // that model's vectors beside the rows.
    await runInDurableObject(vault, (object, state) =>
      writeMetaBeneath(object, state, ({ sql }) => {
        sql.exec(
          `UPDATE memories SET next_embedding = zeroblob(384 * 4) WHERE seq = (SELECT MIN(seq) FROM memories)`,
        );
        const raw = sql.exec(`SELECT value FROM meta WHERE key = 'reembed'`).one().value as string;
        const progress = { ...JSON.parse(raw), model: 'abandoned-model@1', startedAt: 1 };
        sql.exec(`UPDATE meta SET value = ? WHERE key = 'reembed'`, JSON.stringify(progress));
      }),
    );
    const restarted = ok(await vault.reembed(address)).progress;
    expect(restarted).toMatchObject({ model: USE_LITE_MODEL, done: 0, remaining: FACTS.length });
    expect(restarted.startedAt).not.toBe(1);
    await alarmsUntil(address, (progress) => progress.state === 'DONE');
    const found = await searchOnce(
      vaultStub(address),
      address,
      await queryOfDeployment('which drink do I like in the mornings', 'VECTOR'),
    );
    expect(found.contents[0]).toBe(FACTS[1]);
  });

  it('never re-embeds caller-supplied vectors, nor an empty vault', async () => {
    const address = freshAddress();
    const vault = vaultStub(address);
    const vector = Array.from({ length: 8 }, (_, i) => i + 1);
    ok(await vault.store(address, storeRequest([memory('brought my own vector', { vector })])));
    expect(failed(await vault.reembed(address))).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'CALLER_SUPPLIED_VECTORS',
    });
    const { stats } = await progressOf(vault, address);
    expect(stats).toMatchObject({
      embeddingModel: 'caller-supplied',
      dimensions: 8,
      reembed: null,
    });
    // Stores into it keep working as before.
    ok(await vault.store(address, storeRequest([memory('another', { vector })])));

    const empty = freshAddress();
    expect(failed(await vaultStub(empty).reembed(empty))).toMatchObject({
      code: 'NOT_FOUND',
      reason: 'VAULT_EMPTY',
    });
  });
});

describe('when a re-embedding starts, and how much it redoes', () => {
  const deploymentModel = { model: USE_LITE_MODEL, dimensions: 384 };
  const running = (model: string): ReembedProgress => ({
    state: 'RUNNING',
    model,
    dimensions: 384,
    fromModel: 'old@1',
    trigger: 'DEPLOYMENT',
    everyRow: true,
    startedAt: 1,
    finishedAt: null,
    done: 0,
    remaining: 1,
    cursor: 0,
    failures: 0,
    lastError: null,
    nextBatchAt: 1,
  });

  it('starts for another model, restarts for a newer one, and leaves caller vectors alone', () => {
    const at = (embeddingModel: string | null, reembed: ReembedProgress | null = null) =>
      reembedNeeded({ embeddingModel, reembed }, deploymentModel);
    expect(at(null)).toBe(false);
    expect(at('caller-supplied')).toBe(false);
    expect(at(USE_LITE_MODEL)).toBe(false);
    expect(at('old@1')).toBe(true);
    expect(at('old@1', running(USE_LITE_MODEL))).toBe(false);
    expect(at('old@1', running('abandoned@1'))).toBe(true);
    // Back to the vault's own model mid-way: the run towards the other one stops.
    expect(at(USE_LITE_MODEL, running('abandoned@1'))).toBe(true);
    // Given up for this model (the vault would not fit): not again by itself.
    expect(at('old@1', { ...running(USE_LITE_MODEL), state: 'FAILED' })).toBe(false);
    expect(at('old@1', { ...running(USE_LITE_MODEL), state: 'DONE' })).toBe(true);
    expect(reembedTarget(running(USE_LITE_MODEL))).toEqual(deploymentModel);
    expect(reembedTarget({ ...running(USE_LITE_MODEL), state: 'DONE' })).toBeNull();
  });

  it('back to its own model mid-way, re-embeds only what was stored with the other', async () => {
    const address = freshAddress();
    const vault = vaultStub(address);
    const texts = ['I adopted a puppy named Biscuit last spring', 'The quarterly report is due'];
    const vectors = await deployment.embedPassages(texts);
    ok(
      await vault.store(address, {
        memories: texts.map((text, i) => ({ ...memory(text), vector: vectors[i]! })),
        model: USE_LITE_MODEL,
        dimensions: 384,
      }),
    );
    // As if a move to another model had begun and taken a write of that model:
    // the row has only the other model's vectors.
    const outcome = await runInDurableObject(vault, async (instance: VaultObject, state) => {
      const sql = state.storage.sql;
      const before = sql
        .exec('SELECT id, hex(embedding) AS bytes FROM memories ORDER BY seq')
        .toArray();
      sql.exec(
        `INSERT INTO memories (id, content, role, created_at, tokens, embedding, next_embedding)
         VALUES ('stranded', 'My sister lives in Porto and works as a nurse', 'USER', ?, 9, x'', zeroblob(384 * 4))`,
        Date.now(),
      );
      // Written behind the object's back: its in-memory state starts over, as after a wake-up.
      const internals = instance as unknown as { hot: HotIndex; reembedding: VaultReembed };
      internals.hot.forget();
      const job = internals.reembedding;
      const progress = job.start(deploymentModel, 'DEPLOYMENT', Date.now());
      await job.runBatch(deployment, Date.now);
      const after = sql
        .exec(
          `SELECT id, hex(embedding) AS bytes FROM memories WHERE id != 'stranded' ORDER BY seq`,
        )
        .toArray();
      return { progress, unchanged: JSON.stringify(before) === JSON.stringify(after) };
    });
    expect(outcome.progress).toMatchObject({ everyRow: false, remaining: 1 });
    expect(outcome.unchanged).toBe(true);
    const { progress, stats } = await progressOf(vault, address);
    expect(progress).toMatchObject({ state: 'DONE', done: 1 });
    expect(stats).toMatchObject({ embeddingModel: USE_LITE_MODEL, memoryCount: 3 });
    const sister = await searchOnce(
      vault,
      address,
      await queryOfDeployment('which city does my sister live in', 'VECTOR'),
    );
    expect(sister.contents[0]).toBe('My sister lives in Porto and works as a nurse');
  });
});

describe('an admin restarts a run that gave up', () => {
  /**
   * A vault of three batches whose first batch moved (one memory skipped in
   * it, the model refused it on its own), then whose model failed
   * REEMBED_MAX_FAILURES times in a row: FAILED after 49 done.
   */
  async function gaveUpAfterOneBatch(name: string) {
    const address = freshAddress('SESSION', name);
    const vault = vaultStub(address);
    const fillers = Array.from(
      { length: 110 },
      (_, i) => `Filler note ${i}: the meeting about item ${i} moved to room ${i % 7}`,
    );
    const contents = [...FACTS, ...fillers.slice(0, 20), POISON, ...fillers.slice(20)];
    for (let at = 0; at < contents.length; at += MAX_STORE_BATCH) {
      const batch = contents.slice(at, at + MAX_STORE_BATCH).map((text) => memory(text));
      ok(await vault.store(address, storeRequest(batch)));
    }
    ok(await vault.reembed(address));
    await dueAt(address, Date.now() + 3_600_000);
    await batchesWith(address, new RefusingEmbedder((text) => text.startsWith('POISON')), 1);
    await batchesWith(address, new FailingEmbedder(), REEMBED_MAX_FAILURES);
    const { progress } = await progressOf(vault, address);
    expect(progress).toMatchObject({
      state: 'FAILED',
      failures: REEMBED_MAX_FAILURES,
      done: 49,
      skipped: 1,
    });
    expect(progress!.lastError).toMatch(/reembedVault resumes it where it stopped/);
    return { address, vault, contents, failed: progress! };
  }

  it('resumes it from where it stopped, towards the same model, keeping its skipped memories', async () => {
    // Before: reembedVault started over, re-embedding (and paying for) the
    // 49 memories already done and trying the skipped one again.
    const { address, vault, contents, failed } = await gaveUpAfterOneBatch('resumed');
    const resumed = ok(await vault.reembed(address)).progress;
    expect(resumed).toMatchObject({
      state: 'RUNNING',
      startedAt: failed.startedAt,
      cursor: failed.cursor,
      done: 49,
      remaining: contents.length - 50,
      failures: 0,
      skipped: 1,
      skippedIds: failed.skippedIds,
    });
    expect(resumed.lastError).toMatch(/^1 memory skipped/);
    await dueAt(address, Date.now() + 3_600_000);
    const counting = new RefusingEmbedder(() => false);
    await batchesWith(address, counting);
    const { progress } = await progressOf(vaultStub(address), address);
    expect(progress).toMatchObject({
      state: 'DONE',
      done: contents.length - 1,
      skipped: 1,
      skippedIds: failed.skippedIds,
    });
    // Only the memories after the first batch were sent to the model.
    expect(counting.texts).toHaveLength(contents.length - 50);
    expect(counting.texts).not.toContain(POISON);
    expect(counting.texts).not.toContain(contents[0]);
    await expectSearchedByMeaning(vaultStub(address), address);
  });

  it('starts over when the run that gave up was towards another model', async () => {
    const { address, vault, contents } = await gaveUpAfterOneBatch('other-model');
    // The run gave up towards a model the deployment has since left.
    await runInDurableObject(vault, (object, state) =>
      writeMetaBeneath(object, state, ({ meta }) =>
        meta.set('reembed', { ...meta.get('reembed')!, model: 'an-older-model@1' }),
      ),
    );
    const restarted = ok(await vault.reembed(address)).progress;
    expect(restarted).toMatchObject({
      state: 'RUNNING',
      model: USE_LITE_MODEL,
      done: 0,
      cursor: 0,
      remaining: contents.length,
      skipped: 0,
      skippedIds: [],
    });
  });
});

describe('a run that gave up says so wherever re-embedding shows', () => {
  it('export, snapshot and the search receipt name the failed run and what to do, until an admin resumes it', async () => {
    // Before: while FAILED the export still answered RATE_LIMITED /
    // REEMBEDDING "N memories to go" with a Retry-After, and searches
    // REEMBEDDING, as if the run would end by itself; no batch runs.
    const { keyId, secret } = await newKey();
    const address = selectVault(keyId);
    const vault = vaultStub(address);
    ok(await vault.store(address, storeRequest(FACTS.map((text) => memory(text)))));
    ok(await vault.reembed(address));
    await dueAt(address, Date.now() + 3_600_000);
    await batchesWith(address, new FailingEmbedder(), REEMBED_MAX_FAILURES);
    // No memory holds only the new model's vector yet: the file would be one
    // model's, so the export is served while FAILED (docs/embeddings.md's table).
    expect((await progressOf(vault, address)).progress).toMatchObject({ state: 'FAILED' });
    const oneModel = await workerFetch(`${BASE_URL}/v1/vaults/core/export`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(oneModel.status).toBe(200);
    expect((await oneModel.text()).trim().split('\n')).toHaveLength(FACTS.length + 2);
    // Written meanwhile through the API: the Worker embeds with the target
    // model, so the vault holds a memory with only that model's vector.
    const stored = await post(
      StoreMemoryDocument,
      { input: { content: 'My sister lives in Porto and works as a nurse' } },
      secret,
    );
    expect(stored.errors).toBeUndefined();
    expect((await progressOf(vault, address)).progress).toMatchObject({ state: 'FAILED' });

    const exported = await workerFetch(`${BASE_URL}/v1/vaults/core/export`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(exported.status).toBe(502);
    expect(exported.headers.get('retry-after')).toBeNull();
    const { error } = (await exported.json()) as { error: { message: string } };
    expect(error).toMatchObject({ code: 'UPSTREAM_ERROR', reason: 'REEMBEDDING_FAILED' });
    expect(error.message).toMatch(
      new RegExp(`stopped \\(FAILED: gave up after ${REEMBED_MAX_FAILURES} failed batches`),
    );
    expect(error.message).toMatch(/reembedVault resumes it/);
    expect(failed(await vault.snapshot(address))).toMatchObject({
      code: 'UPSTREAM_ERROR',
      reason: 'REEMBEDDING_FAILED',
    });
    const searched = await post(
      SearchDocument,
      { input: { query: 'green tea', mode: 'HYBRID' } },
      secret,
    );
    expect(searched.data?.search.hits[0]?.memory.content).toBe(FACTS[1]);
    expect(searched.extensions?.memory).toMatchObject({
      textOnly: [{ vault: 'core', reason: 'REEMBEDDING_FAILED' }],
    });

    // The admin resumes it: the receipt and the export say so again.
    ok(await vault.reembed(address));
    await dueAt(address, Date.now() + 3_600_000);
    const resumed = await post(
      SearchDocument,
      { input: { query: 'green tea', mode: 'HYBRID' } },
      secret,
    );
    expect(resumed.extensions?.memory).toMatchObject({
      textOnly: [{ vault: 'core', reason: 'REEMBEDDING' }],
    });
    expect(failed(await vault.snapshot(address))).toMatchObject({
      code: 'RATE_LIMITED',
      reason: 'REEMBEDDING',
    });
    await dueAt(address, Date.now());
    expect(await alarmsUntil(address, (one) => one.state !== 'RUNNING')).toMatchObject({
      state: 'DONE',
      done: FACTS.length,
    });
    const file = await workerFetch(`${BASE_URL}/v1/vaults/core/export`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(file.status).toBe(200);
    expect((await file.text()).trim().split('\n')).toHaveLength(FACTS.length + 3);
  });
});

describe('a skipped memory leaves and comes back with its vault', () => {
  it('an export of a vault with a skipped memory imports whole, and the memory is found again', async () => {
    // Before: its export line has an empty `embedding` (it has no vector),
    // which the import refused (EMBEDDING_DIMENSIONS): the round trip lost it.
    const { keyId, secret } = await newKey();
    const address = selectVault(keyId);
    const vault = vaultStub(address);
    const contents = [...FACTS, POISON];
    ok(await vault.store(address, storeRequest(contents.map((text) => memory(text)))));
    ok(await vault.reembed(address));
    await dueAt(address, Date.now() + 3_600_000);
    await batchesWith(address, new RefusingEmbedder((text) => text.startsWith('POISON')));
    expect((await progressOf(vault, address)).progress).toMatchObject({
      state: 'DONE',
      skipped: 1,
    });

    const auth = { authorization: `Bearer ${secret}` };
    const exported = await workerFetch(`${BASE_URL}/v1/vaults/core/export`, { headers: auth });
    expect(exported.status).toBe(200);
    const file = await exported.text();
    const imported = await workerFetch(`${BASE_URL}/v1/vaults/session/copy/import`, {
      method: 'POST',
      headers: auth,
      body: file,
    });
    expect(await imported.json()).toMatchObject({
      imported: contents.length,
      failed: 0,
      failures: [],
      embeddingModel: USE_LITE_MODEL,
    });
    // The copy holds it, under its id, and finds it by its words.
    const copy = { kind: 'SESSION' as const, id: 'copy' };
    const found = await post(
      SearchDocument,
      { input: { query: 'POISON ledger', mode: 'TEXT', vaults: [copy] } },
      secret,
    );
    expect(found.errors).toBeUndefined();
    expect(found.data!.search.hits.map((hit) => hit.memory.content)).toContain(POISON);
    // The others came with their vectors: the copy searches by meaning.
    const copied = { ...address, kind: 'SESSION' as const, externalId: 'copy' };
    await expectSearchedByMeaning(vaultStub(copied), copied);
  });
});

/** A memory the tests' refusing model cannot embed (RefusingEmbedder refuses what starts so). */
const POISON = 'POISON ledger line the model cannot read';

/** The deployment's model, refusing (as a malformed answer would) any call with a text it cannot embed. */
class RefusingEmbedder extends UseLiteEmbedder {
  calls = 0;
  /** Every text of every call it answered. */
  readonly texts: string[] = [];
  constructor(private readonly refuses: (text: string) => boolean) {
    super();
  }
  override async embedPassages(texts: readonly string[]): Promise<Float32Array[]> {
    this.calls++;
    if (texts.some(this.refuses))
      throw new EmbeddingRefused('the embedding model did not answer: malformed embeddings');
    this.texts.push(...texts);
    return super.embedPassages(texts);
  }
}

/** The deployment's model while it keeps timing out: a failure that may pass. */
class FailingEmbedder extends UseLiteEmbedder {
  override embedPassages(): Promise<Float32Array[]> {
    return Promise.reject(
      new CodedError(
        'UPSTREAM_ERROR',
        'the embedding model did not answer: no answer within 10000 ms',
        'EMBEDDING_FAILED',
      ),
    );
  }
}

/** Runs batches with `embedder` inside the object (the alarm's own embedder would not fail), `times` times or until the run stops. */
async function batchesWith(address: VaultAddress, embedder: UseLiteEmbedder, times = 1_000) {
  await runInDurableObject(vaultStub(address), async (instance: VaultObject) => {
    const job = (instance as unknown as { reembedding: VaultReembed }).reembedding;
    const meta = (instance as unknown as { meta: { get(key: 'reembed'): ReembedProgress | null } })
      .meta;
    for (let i = 0; i < times && meta.get('reembed')?.state === 'RUNNING'; i++) {
      await job.runBatch(embedder, Date.now);
    }
  });
}

describe('a re-embedding whose batches keep failing ends', () => {
  it('skips a memory the model refuses, names it, and moves every other one', async () => {
    const { keyId, secret } = await newKey();
    const address = selectVault(keyId);
    const vault = vaultStub(address);
    const fillers = Array.from(
      { length: 60 },
      (_, i) => `Filler note ${i}: the meeting about item ${i} moved to room ${i % 7}`,
    );
    const contents = [...FACTS, ...fillers.slice(0, 30), POISON, ...fillers.slice(30)];
    ok(await vault.store(address, storeRequest(contents.map((text) => memory(text)))));
    ok(await vault.reembed(address));
    // The alarm's embedder would not refuse it: only the test's batches run.
    await dueAt(address, Date.now() + 3_600_000);
    const refusing = new RefusingEmbedder((text) => text.startsWith('POISON'));
    await batchesWith(address, refusing);

    const { progress } = await progressOf(vaultStub(address), address);
    expect(progress).toMatchObject({
      state: 'DONE',
      done: contents.length - 1,
      remaining: 0,
      failures: 0,
      skipped: 1,
    });
    expect(progress!.lastError).toMatch(/1 memory skipped \(.*malformed.*\): found by TEXT only/);
    expect(progress!.lastError).not.toContain('POISON');
    // Narrowed down, not one call per memory: 2 batches, then halves of the one at fault.
    expect(refusing.calls).toBeLessThan(20);
    const poisonId = await runInDurableObject(
      vaultStub(address),
      (_object, state) =>
        state.storage.sql.exec('SELECT id FROM memories WHERE content = ?', POISON).one()
          .id as string,
    );
    expect(progress!.skippedIds).toEqual([poisonId]);

    // The admin sees it by its Memory.id, the same one a search answers.
    const shown = await post(VaultEmbeddingDocument, { selector: { kind: 'CORE' } }, secret);
    const found = await post(
      SearchDocument,
      { input: { query: 'POISON ledger', mode: 'TEXT' } },
      secret,
    );
    const hit = found.data!.search.hits.find((one) => one.memory.content === POISON)!;
    expect(shown.data?.vault?.embedding.reembedProgress).toMatchObject({
      state: 'DONE',
      skipped: 1,
      skippedMemoryIds: [hit.memory.id],
    });

    // The others moved: the new model's queries use vectors, and meaning.
    const after = vaultStub(address);
    await expectSearchedByMeaning(after, address);
    // The skipped one has no vector: VECTOR never returns it, TEXT does.
    const vectorHits = await searchOnce(after, address, await queryOfDeployment(POISON, 'VECTOR'));
    expect(vectorHits.contents).not.toContain(POISON);
    const textHits = await searchOnce(after, address, await queryOfDeployment(POISON, 'TEXT'));
    expect(textHits.contents[0]).toBe(POISON);
    expect(ok(await after.stats(address)).stats.memoryCount).toBe(contents.length);
    // And the vault exports (the skipped row has no vector to lose).
    expect(ok(await after.snapshot(address)).snapshot.count).toBe(contents.length);
  });

  it('does not skip a whole batch the model refuses: that is the model, and it backs off', async () => {
    const address = freshAddress();
    const vault = vaultStub(address);
    ok(await vault.store(address, storeRequest(FACTS.map((text) => memory(text)))));
    ok(await vault.reembed(address));
    await dueAt(address, Date.now() + 3_600_000);
    await batchesWith(address, new RefusingEmbedder(() => true), 1);
    const { progress } = await progressOf(vault, address);
    expect(progress).toMatchObject({ state: 'RUNNING', done: 0, failures: 1, skipped: 0 });
  });

  it(`gives up after ${REEMBED_MAX_FAILURES} failed batches in a row, and an admin restarts it`, async () => {
    const address = freshAddress();
    const vault = vaultStub(address);
    ok(await vault.store(address, storeRequest(FACTS.map((text) => memory(text)))));
    ok(await vault.reembed(address));
    await dueAt(address, Date.now() + 3_600_000);
    const failing = new FailingEmbedder();
    await batchesWith(address, failing, REEMBED_MAX_FAILURES - 1);
    expect((await progressOf(vault, address)).progress).toMatchObject({
      state: 'RUNNING',
      failures: REEMBED_MAX_FAILURES - 1,
    });
    await batchesWith(address, failing, 1);
    const { progress } = await progressOf(vault, address);
    expect(progress).toMatchObject({
      state: 'FAILED',
      failures: REEMBED_MAX_FAILURES,
      nextBatchAt: null,
      done: 0,
    });
    expect(progress!.lastError).toMatch(
      new RegExp(
        `gave up after ${REEMBED_MAX_FAILURES} failed batches in a row .*no answer.*reembedVault`,
      ),
    );
    // Nothing more is due, and it does not start again by itself.
    const due = await runInDurableObject(vault, (_object, state) =>
      state.storage.sql.exec(`SELECT value FROM meta WHERE key = 'reembed_due_at'`).toArray(),
    );
    expect(due.map((row) => row.value).filter((value) => value !== null)).toEqual([]);
    expect(
      reembedNeeded(
        { embeddingModel: oldEmbedder.model, reembed: progress },
        { model: USE_LITE_MODEL, dimensions: 384 },
      ),
    ).toBe(false);
    // Meanwhile the new model's queries are answered by text, as while it
    // ran, and say that the run stopped.
    const byText = await searchOnce(vault, address, await queryOfDeployment('green tea', 'HYBRID'));
    expect(byText.textOnly).toBe('REEMBEDDING_FAILED');
    expect(byText.contents[0]).toBe(FACTS[1]);

    // The admin restarts it; the model answers again and it finishes.
    const restarted = ok(await vault.reembed(address)).progress;
    expect(restarted).toMatchObject({ state: 'RUNNING', failures: 0, lastError: null, done: 0 });
    const finished = await alarmsUntil(address, (one) => one.state !== 'RUNNING');
    expect(finished).toMatchObject({ state: 'DONE', done: FACTS.length, failures: 0 });
  });
});
