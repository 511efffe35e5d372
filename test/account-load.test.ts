import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { print } from 'graphql';
import { describe, expect, it } from 'vitest';
import { USAGE_SHARDS, usageShardStub } from '../src/durable/rpc/stubs';
import {
  MeDocument,
  SearchDocument,
  StoreMemoriesDocument,
  UsageDocument,
} from './generated/graphql';
import { vaultObjectName, type VaultAddress } from '../src/vaults/address';
import { countingWorker } from './helpers/account-calls';
import { runAlarm } from './helpers/alarms';
import { BASE_URL, newKey } from './helpers/graphql';
import { writeMetaBeneath } from './helpers/vaults';

const accountOf = (accountId: string) =>
  env.ACCOUNT.get(env.ACCOUNT.idFromName(`account:${accountId}`));

/**
 * Runs every usage shard's alarm that is set, and the vault's hand-over of
 * the tokens it recorded: what the runtime does a few seconds later.
 */
async function runUsageAlarms(accountId: string, keyId: string): Promise<void> {
  for (let shard = 0; shard < USAGE_SHARDS; shard++)
    await runDurableObjectAlarm(usageShardStub(env, accountId, shard));
  const address: VaultAddress = { kind: 'CORE', keyId, externalId: null };
  await runAlarm(env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address))), (state, object) =>
    writeMetaBeneath(object, state, ({ sql }) =>
      sql.exec("UPDATE meta SET value = '0' WHERE key = 'usage_due_at'"),
    ),
  );
}

/** Usage batches the account has taken from its shards and vaults: one account-object call each. */
async function batchesTaken(accountId: string): Promise<number> {
  return runInDurableObject(
    accountOf(accountId),
    (_, state) =>
      state.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM usage_batches').one().n,
  );
}

describe('one account under load: account-object calls per authenticated, metered request', () => {
  it('stays at or under 0.1 on average, and every metered token reaches the ledger exactly once', async () => {
    const { secret, accountId, api, keyId } = await newKey();
    const worker = countingWorker();
    const graphql = async (document: Parameters<typeof print>[0], variables = {}) => {
      const response = await worker.fetch(`${BASE_URL}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
        body: JSON.stringify({ query: print(document), variables }),
      });
      const body = (await response.json()) as {
        errors?: unknown[];
        extensions?: { memory?: { memoryTokens: number } };
      };
      expect(body.errors).toBeUndefined();
      return body.extensions?.memory?.memoryTokens ?? 0;
    };

    const REQUESTS = 120;
    let metered = 0;
    for (let i = 0; i < REQUESTS; i++) {
      metered +=
        i % 3 === 0
          ? await graphql(StoreMemoriesDocument, {
              inputs: [{ content: `note ${i} about the harbour and the boats` }],
            })
          : await graphql(SearchDocument, { input: { query: `boats in the harbour ${i}` } });
    }
    expect(metered).toBeGreaterThan(0);
    await runUsageAlarms(accountId, keyId);

    const inWorker = worker.total();
    const fromShards = await batchesTaken(accountId);
    const perRequest = (inWorker + fromShards) / REQUESTS;
    console.warn(
      `account-object calls: ${inWorker} from the Worker (${JSON.stringify(Object.fromEntries(worker.calls))}), ` +
        `${fromShards} usage batches from shards and vaults, over ${REQUESTS} requests: ${perRequest.toFixed(3)} per request`,
    );
    expect(perRequest).toBeLessThanOrEqual(0.1);

    // No loss, no double count: the ledger holds exactly what the receipts metered.
    expect((await api.request(UsageDocument, {})).usage.memoryTokens).toBe(metered);
    // An empty request is not metered and asks nothing more of the account.
    worker.reset();
    await graphql(MeDocument);
    expect(worker.total()).toBe(0);
  });

  it('a batch resent after a lost acknowledgement is not counted again', async () => {
    const { accountId, keyId, api } = await newKey();
    const shard = usageShardStub(env, accountId, 0);
    await shard.record(accountId, keyId, 7);
    // The shard sealed its batch and the account took it, but the shard never
    // heard back: the batch is still sealed there, to be sent again.
    const sealed = await runInDurableObject(shard, async (instance, state) => {
      const seal = (instance as unknown as { seal(): void }).seal.bind(instance);
      seal();
      return state.storage.sql
        .exec<{ batch_id: string; entries: string }>('SELECT batch_id, entries FROM sealed')
        .one();
    });
    expect(
      await accountOf(accountId).applyUsageBatch(sealed.batch_id, JSON.parse(sealed.entries)),
    ).toEqual({ applied: true });
    expect(await runDurableObjectAlarm(shard)).toBe(true);
    expect(await shard.backlog()).toEqual({ sealedBatches: 0, pendingTokens: 0 });
    expect((await api.request(UsageDocument, {})).usage.memoryTokens).toBe(7);
  });
});
