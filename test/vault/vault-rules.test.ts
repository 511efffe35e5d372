import { describe, expect, it } from 'vitest';
import { CALLER_SUPPLIED_MODEL } from '../../src/embed/embedder';
import {
  answeredByText,
  checkPlan,
  checkSearch,
  type VaultFacts,
} from '../../src/durable/vault/vault-rules';
import { prepareStore } from '../../src/durable/vault/vault-writes';
import type { StorePlan } from '../../src/durable/rpc/vault-types';
import { MAX_HITS_PER_WINDOW, MAX_VAULT_WRITE, hotRowBytes } from '../../src/core/limits';
import type { VaultAddress } from '../../src/vaults/address';
import { allTime, memory, searchRequest, storeRequest } from '../helpers/vaults';

const MODEL = 'test-model';
const limits = {
  vaultMaxMemories: 10,
  // Room for 12 hot rows of 4 dimensions.
  vaultMaxHotBytes: 12 * hotRowBytes(4),
  maxContentBytes: 100,
  ephemeralTtlMs: 60_000,
};

function vault(facts: Partial<VaultFacts> & { held?: string[] } = {}): VaultFacts {
  const held = new Set(facts.held ?? []);
  return {
    embeddingModel: MODEL,
    dimensions: 4,
    memoryCount: 0,
    hotRows: 0,
    taken: (ids) => ids.filter((id) => held.has(id)),
    ...facts,
  };
}

/** A plan of server-embedded memories (null dimensions), unless said otherwise. */
function plan(memories: Partial<StorePlan['memories'][number]>[]): StorePlan {
  return {
    model: MODEL,
    dimensions: 4,
    memories: memories.map((memory) => ({ id: null, dimensions: null, rows: 1, ...memory })),
  };
}

const refusal = (result: { ok: boolean }) => result as unknown as Record<string, unknown>;

describe('what a vault refuses of a store batch', () => {
  it('takes a batch that fits, and says what a first write fixes', () => {
    const kept = { deferred: false, deferredDimensions: 0 };
    expect(checkPlan(plan([{}, {}]), vault(), limits)).toEqual({
      ok: true,
      dimensions: 4,
      ...kept,
      meta: {},
    });
    expect(
      checkPlan(
        plan([{ dimensions: 8 }]),
        vault({ embeddingModel: null, dimensions: null }),
        limits,
      ),
    ).toEqual({
      ok: true,
      dimensions: 8,
      ...kept,
      meta: { embeddingModel: CALLER_SUPPLIED_MODEL, dimensions: 8 },
    });
    // A vault keeps its kind: no relabelling by a later write of the other kind.
    expect(
      refusal(checkPlan(plan([{}]), vault({ embeddingModel: CALLER_SUPPLIED_MODEL }), limits)),
    ).toMatchObject({ reason: 'EMBEDDING_MISMATCH', position: 0, field: 'embedding' });
    expect(refusal(checkPlan(plan([{ dimensions: 4 }]), vault(), limits))).toMatchObject({
      reason: 'EMBEDDING_MISMATCH',
      position: 0,
    });
    // Vectors an import names as the vault's model's are of its kind.
    expect(checkPlan(plan([{ dimensions: 4, model: MODEL }]), vault(), limits)).toMatchObject({
      ok: true,
    });
  });

  it('takes the vectors of the model a vault is re-embedding into, deferred, and no other', () => {
    const moving = vault({
      embeddingModel: 'old@1',
      reembedTarget: { model: MODEL, dimensions: 4 },
    });
    // The vault's own model stays 4-d here; the target's vectors go beside them.
    expect(checkPlan(plan([{}, {}]), moving, limits)).toEqual({
      ok: true,
      dimensions: 4,
      deferred: true,
      deferredDimensions: 4,
      meta: {},
    });
    const wider = vault({
      embeddingModel: 'old@1',
      dimensions: 3,
      reembedTarget: { model: MODEL, dimensions: 4 },
    });
    // The deployment's vectors have the target's size; the old model's (an
    // import naming it) the vault's own; caller vectors are of neither kind.
    expect(checkPlan(plan([{}, { dimensions: 3, model: 'old@1' }]), wider, limits)).toMatchObject({
      ok: true,
      dimensions: 3,
      deferred: true,
    });
    expect(refusal(checkPlan(plan([{ dimensions: 3 }]), wider, limits))).toMatchObject({
      reason: 'EMBEDDING_MISMATCH',
    });
    const elsewhere = vault({
      embeddingModel: 'old@1',
      reembedTarget: { model: 'third@1', dimensions: 4 },
    });
    expect(refusal(checkPlan(plan([{}]), elsewhere, limits))).toMatchObject({
      reason: 'EMBEDDING_MISMATCH',
    });
  });

  it('names the memory whose vector does not fit the vault', () => {
    expect(
      refusal(
        checkPlan(
          plan([{ dimensions: 4 }, { dimensions: 4 }, { dimensions: 3 }]),
          vault({ embeddingModel: CALLER_SUPPLIED_MODEL }),
          limits,
        ),
      ),
    ).toMatchObject({
      reason: 'EMBEDDING_DIMENSIONS',
      position: 2,
      field: 'embedding',
      problem: 'embedding has 3 dimensions; this vault uses 4',
      message: 'memory 2: embedding has 3 dimensions; this vault uses 4',
    });
    expect(
      refusal(checkPlan(plan([{}, {}]), vault({ embeddingModel: 'old-model' }), limits)),
    ).toMatchObject({ reason: 'EMBEDDING_MISMATCH', position: 0 });
    expect(
      refusal(checkPlan(plan([{}, { dimensions: 4 }]), vault({ embeddingModel: null }), limits)),
    ).toMatchObject({ reason: 'EMBEDDING_MISMATCH', position: 1 });
  });

  it('names the memory whose id is malformed, repeated or already held', () => {
    const ids = (...given: (string | null)[]) => plan(given.map((id) => ({ id })));
    expect(refusal(checkPlan(ids(null, 'bad id'), vault(), limits))).toMatchObject({
      reason: 'INVALID_ID',
      position: 1,
      field: 'id',
    });
    expect(refusal(checkPlan(ids('x', null, 'x'), vault(), limits))).toMatchObject({
      reason: 'DUPLICATE_ID',
      position: 2,
    });
    expect(refusal(checkPlan(ids('new', 'old'), vault({ held: ['old'] }), limits))).toMatchObject({
      reason: 'DUPLICATE_ID',
      position: 1,
    });
  });

  it('names the first memory without room, by count and by hot rows', () => {
    expect(refusal(checkPlan(plan([{}, {}, {}]), vault({ memoryCount: 8 }), limits))).toMatchObject(
      { code: 'PAYLOAD_TOO_LARGE', reason: 'VAULT_FULL', position: 2 },
    );
    // Long memories take one row per chunk: 9 rows held, 3 more fit.
    expect(
      refusal(
        checkPlan(plan([{ rows: 2 }, { rows: 2 }]), vault({ memoryCount: 3, hotRows: 9 }), limits),
      ),
    ).toMatchObject({ reason: 'VAULT_FULL', position: 1 });
    // A write takes a full batch and the facts extracted from it, no more.
    const many = (length: number) => plan(Array.from({ length }, () => ({})));
    const roomy = { vaultMaxMemories: 1_000, vaultMaxHotBytes: 1_000 * hotRowBytes(4) };
    expect(checkPlan(many(MAX_VAULT_WRITE), vault(), roomy).ok).toBe(true);
    expect(refusal(checkPlan(many(MAX_VAULT_WRITE + 1), vault(), limits))).toMatchObject({
      reason: 'BATCH_TOO_LARGE',
    });
  });

  it('checks every memory of a store against the shared rules, by position', () => {
    const address: VaultAddress = { kind: 'EPHEMERAL', keyId: 'k', externalId: 'conv' };
    const now = Date.now();
    const vector = [0.1, 0.2, 0.3, 0.4];
    const request = (...memories: ReturnType<typeof memory>[]) => ({
      ...storeRequest(memories),
      model: MODEL,
      dimensions: 4,
    });
    const prepared = prepareStore(
      address,
      request(
        memory('first', { vector }),
        memory('second', { vector, metadata: { speaker: 'Ann' } }),
      ),
      { ...vault({ embeddingModel: null, dimensions: null }), address: null },
      limits,
      now,
    );
    expect(prepared).toMatchObject({
      ok: true,
      meta: {
        embeddingModel: CALLER_SUPPLIED_MODEL,
        dimensions: 4,
        address,
        speakerMetadata: true,
        lastWriteAt: now,
        expiresAt: now + limits.ephemeralTtlMs,
      },
    });
    const refused = (bad: ReturnType<typeof memory>) =>
      refusal(
        prepareStore(
          address,
          request(memory('fine', { vector }), bad),
          { ...vault({ embeddingModel: CALLER_SUPPLIED_MODEL }), address },
          limits,
          now,
        ),
      );
    expect(refused(memory('x'.repeat(101), { vector }))).toMatchObject({
      reason: 'CONTENT_TOO_LARGE',
      position: 1,
      field: 'content',
    });
    expect(refused(memory('x', { vector, createdAt: now + 3_600_000 }))).toMatchObject({
      reason: 'CREATED_AT_RANGE',
      position: 1,
    });
    expect(refused({ ...memory('x', { vector }), metadata: '[1]' })).toMatchObject({
      reason: 'INVALID_METADATA',
      field: 'metadata',
    });
    expect(refused({ ...memory('x', { vector }), role: 'ROBOT' as 'USER' })).toMatchObject({
      reason: 'INVALID_ROLE',
      position: 1,
    });
    expect(refused(memory('x', { vector: [0, 0, 0, 0] }))).toMatchObject({
      reason: 'EMBEDDING_ZERO',
      field: 'embedding',
    });
  });
});

describe('what a vault refuses of a search', () => {
  it('wants window limits within the one limit, and a query vector of its kind', () => {
    const facts = { embeddingModel: MODEL, dimensions: 384 };
    const query = { ...searchRequest('x', [allTime(MAX_HITS_PER_WINDOW)]), model: MODEL };
    expect(checkSearch(query, facts)).toBeNull();
    expect(
      checkSearch({ ...query, windows: [allTime(MAX_HITS_PER_WINDOW + 1)] }, facts),
    ).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(checkSearch({ ...query, vector: new Float32Array(3) }, facts)).toMatchObject({
      reason: 'EMBEDDING_DIMENSIONS',
    });
    expect(checkSearch({ ...query, model: 'other-model' }, facts)).toMatchObject({
      reason: 'EMBEDDING_MISMATCH',
    });
    // A vault re-embedding into the query's model answers it by text until the switch.
    const moving = { ...facts, reembedTarget: { model: 'other-model', dimensions: 768 } };
    const newModel = { ...query, model: 'other-model', vector: new Float32Array(768) };
    expect(checkSearch(newModel, moving)).toBeNull();
    expect(answeredByText(newModel, moving)).toBe(true);
    expect(answeredByText(query, moving)).toBe(false);
    expect(answeredByText({ ...newModel, mode: 'TEXT' }, moving)).toBe(false);
    expect(checkSearch({ ...newModel, model: 'third-model' }, moving)).toMatchObject({
      reason: 'EMBEDDING_DIMENSIONS',
    });
    // TEXT needs no vector; an empty vault matches nothing, whatever the vector.
    expect(checkSearch({ ...query, mode: 'TEXT', vector: null }, facts)).toBeNull();
    expect(
      checkSearch({ ...query, vector: null }, { embeddingModel: null, dimensions: null }),
    ).toBeNull();
  });
});
