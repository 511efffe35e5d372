import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { SearchDocument, StoreMemoriesDocument, UsageDocument } from '../generated/graphql';
import { codes, newKey, post } from '../helpers/graphql';
import { resetFakes } from '../helpers/fakes';
import type { VaultObject } from '../../src/durable/vault/vault-object';
import type { VaultUsage } from '../../src/durable/metering/vault-usage';
import { UsageCommitGroup } from '../../src/durable/metering/usage-commit-group';
import type { UsageCharge } from '../../src/durable/rpc/vault-types';
import { vaultObjectName, type VaultAddress } from '../../src/vaults/address';

const coreVault = (keyId: string) => {
  const address: VaultAddress = { kind: 'CORE', keyId, externalId: null };
  return env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address)));
};

/** The usage rows a vault holds, not yet handed to its account. */
function pendingRows(vault: DurableObjectStub) {
  return runInDurableObject(vault, (_, state) =>
    state.storage.sql
      .exec<{ request_id: string; memory_tokens: number }>(
        'SELECT request_id, memory_tokens FROM usage_pending ORDER BY request_id',
      )
      .toArray(),
  );
}

const FACTS = [
  'the lighthouse keeper paints the door blue every spring',
  'the ferry to the island leaves at nine and returns at five',
  'bees dance to tell the hive where the flowers are',
  'the baker opens before dawn and sells rye bread first',
  'tides follow the moon and rise twice a day',
];

describe('usage rows of concurrent metered reads share a commit', () => {
  beforeEach(resetFakes);

  it('bills every answered search exactly once, and a failing search in the same burst not at all', async () => {
    const { api, secret, keyId } = await newKey();
    const { storeMemories } = await api.request(StoreMemoriesDocument, {
      inputs: FACTS.map((content) => ({ content })),
    });
    const stored = storeMemories.reduce((sum, memory) => sum + memory.tokens, 0);
    const vault = coreVault(keyId);
    const queries = [
      'lighthouse door',
      'ferry island',
      'bees flowers',
      'baker bread',
      'moon tides',
    ];

    // Sixteen searches at once against the one vault, and among them one the
    // vault refuses (an embedding of the wrong size): its row must not exist.
    const searches = Array.from({ length: 16 }, (_, i) =>
      post(
        SearchDocument,
        { input: { query: queries[i % queries.length]!, vaults: [{ kind: 'CORE' }] } },
        secret,
      ),
    );
    const refused = post(
      SearchDocument,
      { input: { query: 'lighthouse', embedding: [0.1, 0.2, 0.3], vaults: [{ kind: 'CORE' }] } },
      secret,
    );
    const answers = await Promise.all(searches);
    const failed = await refused;

    expect(codes(failed)).toEqual(['BAD_USER_INPUT']);
    const receipts = answers.map((answer) => {
      expect(answer.errors).toBeUndefined();
      return answer.data!.search.memoryTokens;
    });
    expect(receipts.every((tokens) => tokens > 0)).toBe(true);
    const searched = receipts.reduce((sum, tokens) => sum + tokens, 0);

    // One row per answered search (and one for the write), each once.
    const rows = await pendingRows(vault);
    expect(rows).toHaveLength(16 + 1);
    expect(new Set(rows.map((row) => row.request_id)).size).toBe(rows.length);
    expect(rows.reduce((sum, row) => sum + row.memory_tokens, 0)).toBe(stored + searched);
    // The account's ledger, once the usage read handed them over: the sum of the receipts.
    expect((await api.request(UsageDocument, {})).usage.memoryTokens).toBe(stored + searched);
  });

  it('bills concurrent searches over two vaults once each, in the vault that settles them', async () => {
    const { api, secret } = await newKey();
    const session = { kind: 'SESSION' as const, id: 'group-trip' };
    const { storeMemories } = await api.request(StoreMemoriesDocument, {
      inputs: FACTS.map((content, i) => ({ content, ...(i % 2 ? { vault: session } : {}) })),
    });
    const stored = storeMemories.reduce((sum, memory) => sum + memory.tokens, 0);
    const answers = await Promise.all(
      ['lighthouse ferry', 'bees bread', 'moon door', 'island dawn', 'tides flowers'].map((query) =>
        post(SearchDocument, { input: { query, vaults: [{ kind: 'CORE' }, session] } }, secret),
      ),
    );
    const searched = answers.reduce((sum, answer) => {
      expect(answer.errors).toBeUndefined();
      return sum + answer.data!.search.memoryTokens;
    }, 0);
    expect(searched).toBeGreaterThan(0);
    expect((await api.request(UsageDocument, {})).usage.memoryTokens).toBe(stored + searched);
  });

  it('writes a lone row at once, gathers the rows that arrive while its commit is pending into one write, and counts a repeated identifier once', async () => {
    const { keyId } = await newKey();
    const vault = coreVault(keyId);
    const charge = (requestId: string, memoryTokens: number): UsageCharge => ({
      requestId,
      accountId: 'acct-group',
      keyId,
      memoryTokens,
    });
    const seen = await runInDurableObject(vault, async (instance: VaultObject, state) => {
      const usage = (instance as unknown as { usage: VaultUsage }).usage;
      const rowsNow = () =>
        state.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM usage_pending').one().n;
      const first = usage.recordReads([charge('r1', 5)]);
      const afterFirst = rowsNow(); // written in this step: no commit was pending
      const rest = [
        usage.recordReads([charge('r2', 7)]),
        usage.recordReads([charge('r3', 11)]),
        usage.recordReads([charge('r1', 5)]), // the same request again
        usage.recordReads([charge('r4', 0)]), // nothing to bill
      ];
      const whileCommitting = rowsNow(); // gathered, not written yet
      const planned = await Promise.all([first, ...rest]);
      return { afterFirst, whileCommitting, after: rowsNow(), planned };
    });
    expect(seen.afterFirst).toBe(1);
    expect(seen.whileCommitting).toBe(1);
    expect(seen.after).toBe(3);
    // Exactly one caller re-arms the alarm for the hand-over it planned.
    expect(seen.planned.filter(Boolean)).toHaveLength(1);
    expect(await pendingRows(vault)).toEqual([
      { request_id: 'r1', memory_tokens: 5 },
      { request_id: 'r2', memory_tokens: 7 },
      { request_id: 'r3', memory_tokens: 11 },
    ]);
  });

  it("writes all of one call's charges in one step, so the call is billed for all of them or none", async () => {
    const { keyId } = await newKey();
    const vault = coreVault(keyId);
    const seen = await runInDurableObject(vault, async (instance: VaultObject, state) => {
      const usage = (instance as unknown as { usage: VaultUsage }).usage;
      const rowsNow = () =>
        state.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM usage_pending').one().n;
      const charge = (requestId: string): UsageCharge => ({
        requestId,
        accountId: 'acct-group',
        keyId,
        memoryTokens: 2,
      });
      const lone = usage.recordReads([charge('c1-a'), charge('c1-b')]);
      const afterLone = rowsNow();
      const next = usage.recordReads([charge('c2-a'), charge('c2-b'), charge('c2-c')]);
      const whileCommitting = rowsNow();
      await Promise.all([lone, next]);
      return { afterLone, whileCommitting, after: rowsNow() };
    });
    // Both of the first call's rows at once; none of the second's until its group is written.
    expect(seen).toEqual({ afterLone: 2, whileCommitting: 2, after: 5 });
  });

  it('keeps gathering and writing rows after the storage settle throws synchronously', async () => {
    const written: number[][] = [];
    let settles = 0;
    const group = new UsageCommitGroup<number>(
      () => {
        settles++;
        throw new Error('settle failed at once');
      },
      (rows) => {
        written.push(rows);
        return false;
      },
    );
    await group.add(1);
    const second = group.add(2); // gathered while the first commit is followed
    await second;
    await group.add(3);
    expect(settles).toBeGreaterThanOrEqual(2);
    expect(written.flat()).toEqual([1, 2, 3]);
  });

  it('fails every caller of a group whose write fails, and bills none of them', async () => {
    const { keyId } = await newKey();
    const vault = coreVault(keyId);
    const outcome = await runInDurableObject(vault, async (instance: VaultObject, state) => {
      const usage = (instance as unknown as { usage: VaultUsage }).usage;
      const sql = state.storage.sql;
      const charge = (requestId: string): UsageCharge => ({
        requestId,
        accountId: 'acct-group',
        keyId,
        memoryTokens: 3,
      });
      const lone = usage.recordReads([charge('ok-1')]);
      // The next group meets a table it cannot write to (a trigger refusing r-bad).
      sql.exec(
        `CREATE TRIGGER refuse_bad BEFORE INSERT ON usage_pending
         WHEN NEW.request_id = 'r-bad' BEGIN SELECT RAISE(ABORT, 'refused'); END`,
      );
      const group = [usage.recordReads([charge('r-good')]), usage.recordReads([charge('r-bad')])];
      const settled = await Promise.allSettled([lone, ...group]);
      sql.exec('DROP TRIGGER refuse_bad');
      return {
        statuses: settled.map((result) => result.status),
        rows: sql
          .exec<{ request_id: string }>('SELECT request_id FROM usage_pending ORDER BY request_id')
          .toArray()
          .map((row) => row.request_id),
      };
    });
    expect(outcome.statuses).toEqual(['fulfilled', 'rejected', 'rejected']);
    // All or none: r-good shared the failed write, so it is not billed either.
    expect(outcome.rows).toEqual(['ok-1']);
  });
});
