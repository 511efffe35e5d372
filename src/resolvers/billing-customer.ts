import type Stripe from 'stripe';
import { stripeClient } from '../billing/stripe';
import type { BillingState } from '../billing/usage';
import { CodedError, ConfigurationError } from '../core/errors';
import { accountStub } from '../durable/rpc/stubs';

/**
 * How long Stripe's search may take to show a customer just made ("under
 * normal operating conditions, data is searchable in less than a minute").
 */
const SEARCH_LAG_MS = 60_000;

/**
 * The Stripe customer an account is billed to, made on first call and
 * returned as it is on every later one: a second customer would carry the
 * account in its metadata too.
 *
 * The create call's idempotency key is the account's and the attempt's
 * number, so two calls at once (or a retry after a lost answer) within one
 * attempt get one customer from Stripe. A failed attempt moves the account
 * to the next number: Stripe replays a key's first answer for 24 hours, a
 * 500 included, so a fixed key would repeat one failure for a day (and
 * refuse another email). Before any later attempt the account's customer is
 * looked for in Stripe by its metadata, in case a failed attempt made it
 * after all (a timeout or a lost answer); Stripe's search lags up to a
 * minute behind a create, so for a minute after such a failure the call
 * answers STRIPE_UNAVAILABLE instead of creating. The account object keeps
 * whichever link came first.
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
  const { attempt, unsureAt } = await account.customerAttempt();
  if (attempt > 0) {
    const found = await findCustomer(stripe, accountId).catch((error: unknown) => {
      throw stripeFailure(error);
    });
    if (found !== null) {
      await account.linkStripeCustomer(accountId, found);
      return account.billing();
    }
    const wait = unsureAt === null ? 0 : unsureAt + SEARCH_LAG_MS - Date.now();
    if (wait > 0) {
      throw new CodedError(
        'UPSTREAM_ERROR',
        `the last attempt failed with no answer from Stripe, and may have made the customer; Stripe's search shows it within a minute: retry after ${new Date(unsureAt! + SEARCH_LAG_MS).toISOString()}`,
        'STRIPE_UNAVAILABLE',
        { retryAfter: Math.ceil(wait / 1000) },
      );
    }
  }
  const customer = await stripe.customers
    .create(
      { ...(email ? { email } : {}), metadata: { memoryrouter_account: accountId } },
      { idempotencyKey: `memoryrouter-customer-${accountId}-${attempt}` },
    )
    .catch(async (error: unknown) => {
      await account.customerAttemptFailed(attempt, outcomeUnknown(error));
      throw stripeFailure(error);
    });
  await account.linkStripeCustomer(accountId, customer.id);
  return account.billing();
}

/** The oldest live Stripe customer whose metadata names the account, or null. */
async function findCustomer(stripe: Stripe, accountId: string): Promise<string | null> {
  const quoted = accountId.replace(/[\\']/g, (char) => `\\${char}`);
  const result = await stripe.customers.search({
    query: `metadata['memoryrouter_account']:'${quoted}'`,
  });
  const oldest = result.data.toSorted((a, b) => a.created - b.created)[0];
  return oldest?.id ?? null;
}

/**
 * Whether a failed call may have executed anyway: Stripe answered 5xx, or
 * never answered (a timeout, a dropped connection). A 4xx (refused key,
 * invalid parameters, rate limit) made nothing.
 */
function outcomeUnknown(error: unknown): boolean {
  const { statusCode } = (error ?? {}) as { statusCode?: number };
  return statusCode === undefined || statusCode >= 500;
}

/**
 * A failed Stripe call in our own words, never Stripe's: its messages about
 * a refused key quote part of the key and name the Stripe account, and this
 * answer reaches each account's admin, not only the operator.
 *   - STRIPE_AUTHENTICATION_FAILED: Stripe refused STRIPE_SECRET_KEY itself
 *     (401, or 403 for a restricted key without the rights): the
 *     deployment's to fix, as on the meter path;
 *   - STRIPE_UNAVAILABLE: 5xx, no answer, or a rate limit: retry later;
 *   - STRIPE_REFUSED: Stripe refused the request itself (say, an email it
 *     does not take), with Stripe's error code and parameter, if any.
 */
function stripeFailure(error: unknown): CodedError {
  const { statusCode, code, param } = (error ?? {}) as {
    statusCode?: number;
    code?: string;
    param?: string;
  };
  if (statusCode === 401 || statusCode === 403) {
    return new CodedError(
      'UPSTREAM_ERROR',
      'Stripe refused STRIPE_SECRET_KEY (authentication failed): the operator must set a valid secret key',
      'STRIPE_AUTHENTICATION_FAILED',
    );
  }
  if (outcomeUnknown(error) || statusCode === 429) {
    return new CodedError(
      'UPSTREAM_ERROR',
      'Stripe did not answer or failed; retry in a minute',
      'STRIPE_UNAVAILABLE',
    );
  }
  const details: Record<string, string | number> = { stripeStatus: statusCode! };
  if (typeof code === 'string') details.stripeCode = code;
  if (typeof param === 'string') details.stripeParam = param;
  return new CodedError(
    'UPSTREAM_ERROR',
    `Stripe refused the request (HTTP ${statusCode}${typeof code === 'string' ? `, ${code}` : ''}${typeof param === 'string' ? `, parameter ${param}` : ''})`,
    'STRIPE_REFUSED',
    details,
  );
}
