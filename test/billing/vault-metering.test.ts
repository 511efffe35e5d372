import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { SearchDocument, StoreMemoryDocument, UsageDocument } from '../generated/graphql';
import { newKey, post } from '../helpers/graphql';
import { resetFakes } from '../helpers/fakes';
import { runAlarm } from '../helpers/alarms';
import { USAGE_SHARDS, usageShardStub } from '../../src/durable/rpc/stubs';
import { readConfig } from '../../src/core/config';
import { planWindows } from '../../src/kronos/plan';
import { unpackWindows } from '../../src/durable/rpc/packed-windows';
import type { VaultReadOp, WindowResult } from '../../src/durable/rpc/vault-types';
import type { VaultObject } from '../../src/durable/vault/vault-object';
import { vaultObjectName, type VaultAddress } from '../../src/vaults/address';
import { writeMetaBeneath } from '../helpers/vaults';

const account = (accountId: string) =>
  env.ACCOUNT.get(env.ACCOUNT.idFromName(`account:${accountId}`));

const coreVault = (keyId: string) => {
  const address: VaultAddress = { kind: 'CORE', keyId, externalId: null };
  return env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address)));
};

/** Tokens a vault recorded and has not handed to its account yet, and its sealed batches. */
function vaultBacklog(vault: DurableObjectStub) {
  return runInDurableObject(vault, (_, state) => {
    const pending = state.storage.sql
      .exec<{ n: number | null }>('SELECT SUM(memory_tokens) AS n FROM usage_pending')
      .one().n;
    const sealed = state.storage.sql
      .exec<{ n: number }>('SELECT COUNT(*) AS n FROM usage_sealed')
      .one().n;
    return { pendingTokens: pending ?? 0, sealedBatches: sealed };
  });
}

/** Runs a vault's alarm as it runs once its hand-over is due. */
const runHandOver = (vault: DurableObjectStub) =>
  runAlarm(vault, (state, object) =>
    writeMetaBeneath(object, state, ({ sql }) =>
      sql.exec("UPDATE meta SET value = '0' WHERE key = 'usage_due_at'"),
    ),
  );

/** What every usage shard of the account holds (it records only multi-vault requests now). */
async function shardTokens(accountId: string): Promise<number> {
  const backlogs = await Promise.all(
    Array.from({ length: USAGE_SHARDS }, (_, shard) =>
      usageShardStub(env, accountId, shard).backlog(),
    ),
  );
  return backlogs.reduce((sum, { pendingTokens }) => sum + pendingTokens, 0);
}

/** The ledger as the account holds it, without flushing anything first. */
async function ledgerTokens(accountId: string): Promise<number> {
  const report = await account(accountId).usage(0, Date.now() + 86_400_000, null);
  return report.memoryTokens;
}

/** A TEXT search over the deployment's default windows, as a vault receives it. */
function textSearch(text: string) {
  const config = readConfig(env);
  return {
    text,
    vector: null,
    model: 'none',
    mode: 'TEXT' as const,
    windows: planWindows(config.defaultWindows, Date.now(), config.bands),
    metadata: null,
    vectorWeight: config.hybridVectorWeight,
  };
}

describe('metering in the vault', () => {
  beforeEach(resetFakes);

  it("records a one-vault search's and write's tokens in the vault, with no usage-shard call, and usage reads see them", async () => {
    const { api, accountId, keyId } = await newKey();
    const { storeMemory } = await api.request(StoreMemoryDocument, {
      input: { content: 'the lighthouse keeper paints the door blue' },
    });
    const { search } = await api.request(SearchDocument, {
      input: { query: 'lighthouse door', vaults: [{ kind: 'CORE' }] },
    });
    expect(search.memoryTokens).toBe(storeMemory.tokens);

    // Alarms are held in this project: the tokens wait where they were recorded.
    const billed = storeMemory.tokens + search.memoryTokens;
    expect(await vaultBacklog(coreVault(keyId))).toEqual({
      pendingTokens: billed,
      sealedBatches: 0,
    });
    expect(await shardTokens(accountId)).toBe(0);
    expect(await ledgerTokens(accountId)).toBe(0);

    // A usage read hands them over first.
    expect((await api.request(UsageDocument, {})).usage.memoryTokens).toBe(billed);
    expect(await vaultBacklog(coreVault(keyId))).toEqual({ pendingTokens: 0, sealedBatches: 0 });
  });

  it('loses nothing when the vault is evicted between recording and hand-over; its alarm hands the tokens over', async () => {
    const { api, accountId, keyId } = await newKey();
    const { storeMemory } = await api.request(StoreMemoryDocument, {
      input: { content: 'tides follow the moon' },
    });
    const vault = coreVault(keyId);
    const plannedAt = await runInDurableObject(vault, (_, state) => state.storage.getAlarm());
    expect(plannedAt).not.toBeNull();

    await evictDurableObject(vault);
    expect(await ledgerTokens(accountId)).toBe(0);
    await runHandOver(vault);
    expect(await ledgerTokens(accountId)).toBe(storeMemory.tokens);
    expect(await vaultBacklog(vault)).toEqual({ pendingTokens: 0, sealedBatches: 0 });
  });

  it('counts a batch resent after a lost acknowledgement once', async () => {
    const { api, accountId, keyId } = await newKey();
    const { storeMemory } = await api.request(StoreMemoryDocument, {
      input: { content: 'bees dance to say where the flowers are' },
    });
    const vault = coreVault(keyId);
    await runHandOver(vault);
    expect(await ledgerTokens(accountId)).toBe(storeMemory.tokens);

    // The account applied the batch but its answer never reached the vault:
    // the batch is still sealed there, under the same identifier.
    const batchId = await runInDurableObject(account(accountId), (_, state) =>
      state.storage.sql.exec<{ id: string }>('SELECT id FROM usage_batches').one(),
    );
    expect(batchId.id).toMatch(/^vault_/);
    await runInDurableObject(vault, (_, state) => {
      state.storage.sql.exec(
        'INSERT INTO usage_sealed (batch_id, account_id, entries) VALUES (?, ?, ?)',
        batchId.id,
        accountId,
        JSON.stringify([
          {
            keyId,
            day: new Date().toISOString().slice(0, 10),
            memoryTokens: storeMemory.tokens,
          },
        ]),
      );
    });
    expect((await api.request(UsageDocument, {})).usage.memoryTokens).toBe(storeMemory.tokens);
    expect(await vaultBacklog(vault)).toEqual({ pendingTokens: 0, sealedBatches: 0 });
  });

  it('keeps a batch the account did not take, and resends it on the next alarm', async () => {
    const { api, accountId, keyId } = await newKey();
    const { storeMemory } = await api.request(StoreMemoryDocument, {
      input: { content: 'the ferry leaves at nine' },
    });
    const vault = coreVault(keyId);
    // The account cannot be reached for this alarm run.
    const rearmed = await runInDurableObject(vault, async (instance, state) => {
      const usage = (instance as unknown as { usage: { env: Env } }).usage;
      const reachable = usage.env;
      usage.env = {
        ...reachable,
        ACCOUNT: {
          idFromName: (name: string) => reachable.ACCOUNT.idFromName(name),
          get: () => ({
            applyUsageBatch: () => Promise.reject(new Error('account unreachable')),
          }),
        },
      } as unknown as Env;
      try {
        writeMetaBeneath(instance, state, ({ sql }) =>
          sql.exec("UPDATE meta SET value = '0' WHERE key = 'usage_due_at'"),
        );
        await state.storage.deleteAlarm();
        await (instance as unknown as { alarm(): Promise<void> }).alarm();
        return state.storage.getAlarm();
      } finally {
        usage.env = reachable;
      }
    });
    expect(rearmed).not.toBeNull();
    expect(await vaultBacklog(vault)).toEqual({ pendingTokens: 0, sealedBatches: 1 });
    expect(await ledgerTokens(accountId)).toBe(0);

    await runHandOver(vault);
    expect(await vaultBacklog(vault)).toEqual({ pendingTokens: 0, sealedBatches: 0 });
    expect(await ledgerTokens(accountId)).toBe(storeMemory.tokens);
  });

  it('keeps the tokens a cleared vault still owed, and hands them over', async () => {
    const { api, accountId, keyId, secret } = await newKey();
    const { storeMemory } = await api.request(StoreMemoryDocument, {
      input: { content: 'a vault cleared before its alarm ran' },
    });
    const cleared = await post('mutation { clearVault(selector: { kind: CORE }) }', {}, secret);
    expect(cleared.errors).toBeUndefined();
    expect((await api.request(UsageDocument, {})).usage.memoryTokens).toBe(storeMemory.tokens);
    expect(await vaultBacklog(coreVault(keyId))).toEqual({ pendingTokens: 0, sealedBatches: 0 });
    expect(await ledgerTokens(accountId)).toBe(storeMemory.tokens);
  });

  it('meters a search over several vaults once, for the hits it returns, in the first vault by name', async () => {
    const { api, accountId, keyId } = await newKey();
    const stored = await Promise.all(
      [
        { content: 'penguins huddle in the cold', vault: { kind: 'CORE' as const } },
        {
          content: 'penguins huddle in the cold',
          vault: { kind: 'SESSION' as const, id: 's1' },
        },
        {
          content: 'penguins slide on their bellies',
          vault: { kind: 'SESSION' as const, id: 's1' },
        },
        // Only in CORE, which leads the search and answers every vault's hits.
        { content: 'penguins waddle to the sea', vault: { kind: 'CORE' as const } },
      ].map((input) => api.request(StoreMemoryDocument, { input })),
    );
    const written = stored.reduce((sum, { storeMemory }) => sum + storeMemory.tokens, 0);
    const { search } = await api.request(SearchDocument, {
      input: {
        query: 'penguins huddle',
        // Named second, but `core:…` comes first by object name: CORE bills.
        vaults: [{ kind: 'SESSION', id: 's1' }, { kind: 'CORE' }],
      },
    });
    // The same fact in two vaults is returned, and billed, once.
    expect(search.hits.filter((hit) => hit.memory.content.includes('huddle'))).toHaveLength(1);
    expect(search.hits.map((hit) => hit.memory.content).sort()).toEqual([
      'penguins huddle in the cold',
      'penguins slide on their bellies',
      'penguins waddle to the sea',
    ]);
    expect(search.memoryTokens).toBe(written - stored[1]!.storeMemory.tokens);
    // No usage-shard call: CORE recorded the merged hits beside its own writes.
    expect(await shardTokens(accountId)).toBe(0);
    expect((await vaultBacklog(coreVault(keyId))).pendingTokens).toBe(
      stored[0]!.storeMemory.tokens + stored[3]!.storeMemory.tokens + search.memoryTokens,
    );
    expect((await api.request(UsageDocument, {})).usage.memoryTokens).toBe(
      written + search.memoryTokens,
    );
  });

  it('bills each of two searches over the same vaults once, named in opposite orders, in one request', async () => {
    const { api, accountId, keyId, secret } = await newKey();
    const stored = await Promise.all(
      [
        { content: 'owls hunt at night', vault: { kind: 'CORE' as const } },
        {
          content: 'owls turn their heads far around',
          vault: { kind: 'SESSION' as const, id: 'o' },
        },
      ].map((input) => api.request(StoreMemoryDocument, { input })),
    );
    const written = stored.reduce((sum, { storeMemory }) => sum + storeMemory.tokens, 0);
    // Each search's billing vault waits for the other vault's answer inside
    // its call: the two must not wait on each other.
    const result = await post<{ a: { memoryTokens: number }; b: { memoryTokens: number } }>(
      `{
        a: search(input: { query: "owls", vaults: [{ kind: CORE }, { kind: SESSION, id: "o" }] }) { memoryTokens }
        b: search(input: { query: "owls heads", vaults: [{ kind: SESSION, id: "o" }, { kind: CORE }] }) { memoryTokens }
      }`,
      {},
      secret,
    );
    expect(result.errors).toBeUndefined();
    const { a, b } = result.data!;
    expect(a.memoryTokens).toBe(written);
    expect(b.memoryTokens).toBe(written);
    expect(await shardTokens(accountId)).toBe(0);
    expect((await vaultBacklog(coreVault(keyId))).pendingTokens).toBe(
      stored[0]!.storeMemory.tokens + a.memoryTokens + b.memoryTokens,
    );
  });

  it('bills nothing when another vault of the search fails, and the search says why', async () => {
    const { api, accountId, keyId, secret } = await newKey();
    // CORE holds vectors of 3 dimensions, the session the deployment's: a
    // 3-dimension query is refused by the session, after CORE found its hits.
    const core = await api.request(StoreMemoryDocument, {
      input: { content: 'the kettle whistles', embedding: [1, 0, 0] },
    });
    await api.request(StoreMemoryDocument, {
      input: { content: 'the kettle is new', vault: { kind: 'SESSION', id: 'k' } },
    });
    const result = await post(
      `{ search(input: { query: "kettle", embedding: [1, 0, 0], vaults: [{ kind: CORE }, { kind: SESSION, id: "k" }] }) { memoryTokens } }`,
      {},
      secret,
    );
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'EMBEDDING_DIMENSIONS',
    });
    expect(await shardTokens(accountId)).toBe(0);
    expect((await vaultBacklog(coreVault(keyId))).pendingTokens).toBe(core.storeMemory.tokens);
  });

  it('bills nothing when the vault leading the search refuses it, and the search says why', async () => {
    const { api, accountId, keyId, secret } = await newKey();
    // CORE (first by name: it leads) holds vectors of 3 dimensions; the
    // query is embedded by the deployment's embedder, which the session takes.
    const core = await api.request(StoreMemoryDocument, {
      input: { content: 'the kettle whistles', embedding: [1, 0, 0] },
    });
    await api.request(StoreMemoryDocument, {
      input: { content: 'the kettle is new', vault: { kind: 'SESSION', id: 'k' } },
    });
    const result = await post(
      `{ search(input: { query: "kettle", vaults: [{ kind: SESSION, id: "k" }, { kind: CORE }] }) { memoryTokens } }`,
      {},
      secret,
    );
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'EMBEDDING_DIMENSIONS',
    });
    expect(await shardTokens(accountId)).toBe(0);
    expect((await vaultBacklog(coreVault(keyId))).pendingTokens).toBe(core.storeMemory.tokens);
  });

  it('bills nothing when the leading vault cannot reach another vault of the search, and the search fails with a code', async () => {
    const { api, accountId, keyId, secret } = await newKey();
    const core = await api.request(StoreMemoryDocument, {
      input: { content: 'the lantern glows' },
    });
    await api.request(StoreMemoryDocument, {
      input: { content: 'the lantern swings', vault: { kind: 'SESSION', id: 'l' } },
    });
    // The leader's call to the session fails, as a call to an object that
    // went away does (rejected on the caller's side: no exception escapes
    // a Worker, which workerd would print).
    const session: VaultAddress = { kind: 'SESSION', keyId, externalId: 'l' };
    const sessionName = vaultObjectName(session);
    await runInDurableObject(coreVault(keyId), (instance) => {
      const object = instance as unknown as { env: Env };
      const real = object.env;
      const vaults = {
        idFromName: (name: string) => ({ name, id: real.VAULT.idFromName(name) }),
        get: ({ name, id }: { name: string; id: DurableObjectId }) =>
          name === sessionName
            ? { read: () => Promise.reject(new Error('vault unreachable')) }
            : real.VAULT.get(id),
      };
      object.env = { ...real, VAULT: vaults } as unknown as Env;
    });
    const result = await post(
      `{ search(input: { query: "lantern", vaults: [{ kind: CORE }, { kind: SESSION, id: "l" }] }) { memoryTokens } }`,
      {},
      secret,
    );
    expect(result.data).toBeNull();
    expect(result.errors).toHaveLength(1);
    // Before: the leader's whole call failed, masked, beside any other op of it.
    expect(result.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_ERROR' });
    expect(await shardTokens(accountId)).toBe(0);
    expect((await vaultBacklog(coreVault(keyId))).pendingTokens).toBe(core.storeMemory.tokens);
  });

  it("refuses to lead a search over another key's vault, and reads and bills nothing", async () => {
    const { api, accountId, keyId } = await newKey();
    const other = await newKey();
    const core = await api.request(StoreMemoryDocument, { input: { content: 'the lighthouse' } });
    await other.api.request(StoreMemoryDocument, {
      input: { content: 'the lighthouse keeper', vault: { kind: 'SESSION', id: 'x' } },
    });
    const self: VaultAddress = { kind: 'CORE', keyId, externalId: null };
    const foreign: VaultAddress = { kind: 'SESSION', keyId: other.keyId, externalId: 'x' };
    // Only a bug upstream could send this: the vault checks it anyway.
    const answer = await coreVault(keyId).read(self, [
      {
        type: 'search',
        request: textSearch('lighthouse'),
        fanOut: {
          vaults: [self, foreign],
          meter: { requestId: 'req-foreign', accountId, keyId },
        },
      },
    ]);
    expect(answer).toMatchObject({ ok: false, code: 'FORBIDDEN' });
    expect((await vaultBacklog(coreVault(keyId))).pendingTokens).toBe(core.storeMemory.tokens);
  });

  it('bills a multi-vault search once, through a usage shard, when the billing vault is on the previous release', async () => {
    const { api, accountId, keyId } = await newKey();
    const stored = await Promise.all(
      [
        { content: 'herons stand still in the shallows', vault: { kind: 'CORE' as const } },
        {
          content: 'herons nest in tall trees',
          vault: { kind: 'SESSION' as const, id: 'h' },
        },
      ].map((input) => api.request(StoreMemoryDocument, { input })),
    );
    const written = stored.reduce((sum, { storeMemory }) => sum + storeMemory.tokens, 0);
    // CORE leads this search. Made to run as the previous release did: it
    // knows no `fanOut`, so it sees a search without it (and asks no one).
    const core = coreVault(keyId) as DurableObjectStub<VaultObject>;
    await runInDurableObject(core, (instance) => {
      const reads = (instance as unknown as { reads: { run: (...args: unknown[]) => unknown } })
        .reads;
      const run = reads.run.bind(reads);
      reads.run = (address, ops, ...rest) =>
        run(
          address,
          // Old code read the fields it knew: a search's `fanOut` went unseen.
          (ops as VaultReadOp[]).map((op) =>
            op.type === 'search' ? { ...op, fanOut: undefined } : op,
          ),
          ...rest,
        );
    });
    const { search } = await api.request(SearchDocument, {
      input: { query: 'herons', vaults: [{ kind: 'SESSION', id: 'h' }, { kind: 'CORE' }] },
    });
    expect(search.memoryTokens).toBe(written);
    // Billed once: by the request's shard, not in CORE as well.
    expect(await shardTokens(accountId)).toBe(search.memoryTokens);
    expect((await vaultBacklog(core)).pendingTokens).toBe(stored[0]!.storeMemory.tokens);
    expect((await api.request(UsageDocument, {})).usage.memoryTokens).toBe(
      written + search.memoryTokens,
    );
  });

  it('settles once a search sent by a Worker of the previous release (`meter` with `settle`)', async () => {
    const { api, accountId, keyId } = await newKey();
    const { storeMemory } = await api.request(StoreMemoryDocument, {
      input: { content: 'moths circle the porch lamp' },
    });
    const address = { kind: 'CORE' as const, keyId, externalId: null };
    const handed: WindowResult[][] = [];
    const mergedTokens = 41;
    const response = await coreVault(keyId).read(address, [
      {
        type: 'search',
        request: textSearch('moths'),
        meter: { requestId: 'req-previous-release', accountId, keyId },
        settle: async (windows: WindowResult[]) => {
          handed.push(windows);
          return mergedTokens;
        },
      },
    ]);
    expect(response.ok).toBe(true);
    const [result] = (response as { results: { settled?: true; windows: unknown[] }[] }).results;
    expect(result).toMatchObject({ settled: true, windows: [] });
    expect(handed.flat().flatMap((window) => window.hits)).toHaveLength(1);
    // The merged tokens only, not the vault's own hits as well.
    expect((await vaultBacklog(coreVault(keyId))).pendingTokens).toBe(
      storeMemory.tokens + mergedTokens,
    );
  });

  it('settles once a search sent by a Worker of the previous release (`settleMerged`, packed)', async () => {
    const { api, accountId, keyId } = await newKey();
    const { storeMemory } = await api.request(StoreMemoryDocument, {
      input: { content: 'bats leave the barn at dusk' },
    });
    const address = { kind: 'CORE' as const, keyId, externalId: null };
    const handed: WindowResult[][] = [];
    const mergedTokens = 37;
    const response = await coreVault(keyId).read(address, [
      {
        type: 'search',
        request: textSearch('bats'),
        packed: true,
        settleMerged: {
          meter: { requestId: 'req-settle-merged', accountId, keyId },
          merged: async (_, packed) => {
            handed.push(unpackWindows(packed!));
            return mergedTokens;
          },
        },
      },
    ]);
    expect(response.ok).toBe(true);
    const [result] = (response as { results: { settled?: true; windows: unknown[] }[] }).results;
    expect(result).toMatchObject({ settled: true, windows: [] });
    expect(handed.flat().flatMap((window) => window.hits)).toHaveLength(1);
    expect((await vaultBacklog(coreVault(keyId))).pendingTokens).toBe(
      storeMemory.tokens + mergedTokens,
    );
  });

  it('meters through a usage shard when the billing vault was never written, once', async () => {
    const { api, accountId, keyId } = await newKey();
    const { storeMemory } = await api.request(StoreMemoryDocument, {
      input: { content: 'the comet returns every 76 years', vault: { kind: 'SESSION', id: 'c' } },
    });
    // CORE comes first by name but holds nothing: no listing names it, so a
    // usage read would not flush it; the request meters as before.
    const { search } = await api.request(SearchDocument, {
      input: { query: 'comet returns', vaults: [{ kind: 'SESSION', id: 'c' }, { kind: 'CORE' }] },
    });
    expect(search.memoryTokens).toBe(storeMemory.tokens);
    expect(await shardTokens(accountId)).toBe(search.memoryTokens);
    expect((await vaultBacklog(coreVault(keyId))).pendingTokens).toBe(0);
    expect((await api.request(UsageDocument, {})).usage.memoryTokens).toBe(
      storeMemory.tokens + search.memoryTokens,
    );
  });
});
