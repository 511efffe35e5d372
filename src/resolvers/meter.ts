import { accountStub } from '../durable/stubs';
import type { MeteredContext } from './request-context';

/**
 * Records memory tokens in the account's ledger. Awaited before the response:
 * once a client sees its result, the usage is durable in the account object.
 * Only a metered context (a key of an active account, checked at the edge)
 * can be billed.
 */
export async function meterMemoryTokens(
  context: MeteredContext,
  memoryTokens: number,
): Promise<void> {
  if (memoryTokens <= 0) return;
  const { accountId, key } = context.principal;
  await accountStub(context.env, accountId).recordUsage(key.id, memoryTokens);
}
