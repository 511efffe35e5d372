import { accountStub } from '../auth/authenticate';
import type { RequestContext } from '../context';
import { CodedError } from '../errors';
import { keyPrincipal } from '../resolvers/principal';

/**
 * Metered operations (storing memory, searching it, injecting it into a model
 * call) need an active account; reading one's own data does not, so a
 * suspended account can still list and export its memories.
 */
export function requireActiveAccount(context: RequestContext): void {
  if (keyPrincipal(context).status === 'suspended') {
    throw new CodedError(
      'PAYMENT_REQUIRED',
      'this account is suspended for billing; reading and exporting your memories still works',
    );
  }
}

/**
 * Records memory tokens in the account's ledger. Awaited before the response:
 * once a client sees its result, the usage is durable in the account object.
 */
export async function meterMemoryTokens(
  context: RequestContext,
  memoryTokens: number,
): Promise<void> {
  if (memoryTokens <= 0) return;
  const { accountId, key } = keyPrincipal(context);
  await accountStub(context.env, accountId).recordUsage(key.id, memoryTokens);
}
