import { accountStub, USAGE_SHARDS, usageShardStub, vaultStub } from '../durable/rpc/stubs';
import type { UsageCharge, UsageMeter } from '../durable/rpc/vault-types';
import { randomId } from '../core/encoding';
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
 * (src/durable/account/usage-shard-object.ts) — no call to the account object per
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

/**
 * Who a one-vault read or write bills, under a fresh identifier: the vault
 * records the tokens itself (src/durable/metering/vault-usage.ts) and hands them to
 * the account in batches, so the request makes no metering call at all.
 */
export function usageMeter(context: MeteredContext): UsageMeter {
  const { accountId, key } = context.principal;
  return { requestId: randomId(12), accountId, keyId: key.id };
}

/** `usageMeter` with the tokens a write bills; undefined when there is nothing to bill. */
export function usageCharge(
  context: MeteredContext,
  memoryTokens: number,
): UsageCharge | undefined {
  return memoryTokens > 0 ? { ...usageMeter(context), memoryTokens } : undefined;
}

/**
 * Sends the usage gathered in the account's shards and in its vaults to the
 * account now, so a usage or billing read sees every write. Vaults are those
 * the account's listing holds (every vault a key wrote to, which is every
 * vault that can bill a token); each answers at once when it owes nothing.
 */
export async function flushUsage(env: Env, accountId: string): Promise<void> {
  const vaults = await accountStub(env, accountId).vaultAddresses();
  await Promise.all([
    ...Array.from({ length: USAGE_SHARDS }, (_, shard) =>
      usageShardStub(env, accountId, shard).flush(),
    ),
    ...vaults.map((address) => vaultStub(env, address).flushUsage()),
  ]);
}
