import { USAGE_SHARDS, usageShardStub } from '../durable/stubs';
import type { MeteredContext } from './request-context';

/**
 * This isolate's usage shard, drawn once: its requests gather in one shard
 * (fewer, larger batches), while many isolates spread an account's traffic
 * over all of them.
 */
const ISOLATE_SHARD = Math.floor(Math.random() * USAGE_SHARDS);

/**
 * Records memory tokens for the account. Awaited before the response: once a
 * client sees its result, the usage is durable in one of the account's usage
 * shards, which hands it to the account's ledger in batches within seconds
 * (src/durable/usage-shard-object.ts) — no call to the account object per
 * request. Only a metered context (a key of an active account, checked at
 * the edge) can be billed.
 */
export async function meterMemoryTokens(
  context: MeteredContext,
  memoryTokens: number,
): Promise<void> {
  if (memoryTokens <= 0) return;
  const { accountId, key } = context.principal;
  await context.timings.time('meter', async () =>
    usageShardStub(context.env, accountId, ISOLATE_SHARD).record(accountId, key.id, memoryTokens),
  );
}

/** Sends every shard's gathered usage to the account now, so a usage or billing read sees it. */
export async function flushUsage(env: Env, accountId: string): Promise<void> {
  await Promise.all(
    Array.from({ length: USAGE_SHARDS }, (_, shard) =>
      usageShardStub(env, accountId, shard).flush(),
    ),
  );
}
