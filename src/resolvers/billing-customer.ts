import { stripeClient } from '../billing/stripe';
import type { BillingState } from '../billing/usage';
import { CodedError, ConfigurationError } from '../core/errors';
import { accountStub } from '../durable/rpc/stubs';

/**
 * The Stripe customer an account is billed to, made on first call and
 * returned as it is on every later one: a second customer would carry the
 * account in its metadata too, and Stripe's events about it would act on
 * the account. The create call's idempotency key is the account's, so two
 * calls at once (or a retry after a lost answer) get one customer from
 * Stripe; the account object keeps whichever link came first.
 */
export async function billingCustomer(
  env: Env,
  accountId: string,
  email: string | null,
): Promise<BillingState> {
  const stripe = await stripeClient(env);
  if (stripe === null) {
    throw new ConfigurationError(
      'this deployment bills nothing: set STRIPE_SECRET_KEY to link Stripe customers',
      'STRIPE_NOT_CONFIGURED',
      ['STRIPE_SECRET_KEY'],
    );
  }
  const account = accountStub(env, accountId);
  const current = await account.billing();
  if (current.stripeCustomerId !== null) return current;
  const customer = await stripe.customers
    .create(
      { ...(email ? { email } : {}), metadata: { memoryrouter_account: accountId } },
      { idempotencyKey: `memoryrouter-customer-${accountId}` },
    )
    .catch((error: unknown) => {
      throw new CodedError(
        'UPSTREAM_ERROR',
        `Stripe: ${error instanceof Error ? error.message : 'failed'}`,
        'STRIPE_FAILED',
      );
    });
  await account.linkStripeCustomer(accountId, customer.id);
  return account.billing();
}
