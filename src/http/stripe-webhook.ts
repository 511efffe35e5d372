import type Stripe from 'stripe';
import { statusFromEvent, stripeClient, webCryptoProvider } from '../billing/stripe';
import { accountStub } from '../durable/rpc/stubs';
import { CodedError } from '../core/errors';
import type { Edge } from './edge';
import { configurationErrorResponse } from './error-shapes';
import { forgetAccount } from '../resolvers/verified-keys';
import { logError } from '../core/request-log';

/** Stripe's default signature tolerance, applied both ways (a signature from the future is refused too). */
const TOLERANCE_SECONDS = 300;

/** The `t=` of a Stripe-Signature header, in seconds. */
function signedAt(header: string): number | null {
  const match = /(?:^|,)\s*t=(\d+)/.exec(header);
  return match ? Number(match[1]) : null;
}

const badSignature = () =>
  new CodedError('BAD_USER_INPUT', 'invalid or stale signature', 'INVALID_SIGNATURE');

const badEvent = (what: string) =>
  new CodedError('BAD_USER_INPUT', `not a Stripe event: ${what}`, 'INVALID_EVENT');

/**
 * The event a verified body holds. Stripe always sends these fields; a body
 * signed with our secret but without them is refused, never half-applied.
 */
function eventFrom(payload: string): Stripe.Event {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    throw badEvent('the body is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw badEvent('the body is not a JSON object');
  }
  const { id, type, created, data } = parsed as Record<string, unknown>;
  if (typeof id !== 'string' || typeof type !== 'string' || typeof created !== 'number') {
    throw badEvent('id, type and created are required');
  }
  const object = (data as { object?: unknown } | null | undefined)?.object;
  if (typeof object !== 'object' || object === null || Array.isArray(object)) {
    throw badEvent('data.object is required');
  }
  return parsed as Stripe.Event;
}

/**
 * POST /stripe/webhook. The signature is verified (asynchronously, with the
 * Web Crypto provider, within 5 minutes either side of now) before anything
 * is read from the body; the customer's metadata names the account; the
 * account object applies each event once. Refusals are 4xx in the REST error
 * shape (deliveries that can never succeed), failures Stripe should retry 5xx.
 */
export async function stripeWebhookRoute({ request, env }: Edge<'none'>): Promise<Response> {
  const stripe = await stripeClient(env);
  if (stripe === null || !env.STRIPE_WEBHOOK_SECRET) {
    // Only the variables actually missing: an operator fixes what is named.
    const missing = [
      ...(stripe === null ? ['STRIPE_SECRET_KEY'] : []),
      ...(env.STRIPE_WEBHOOK_SECRET ? [] : ['STRIPE_WEBHOOK_SECRET']),
    ];
    return configurationErrorResponse(
      'rest',
      'Stripe webhooks are not configured on this deployment',
      missing,
      'STRIPE_NOT_CONFIGURED',
    );
  }
  const signature = request.headers.get('stripe-signature');
  if (signature === null) {
    throw new CodedError('BAD_USER_INPUT', 'missing Stripe-Signature header', 'INVALID_SIGNATURE');
  }
  const payload = await request.text();
  // Verified apart from parsing, so a correctly signed body that is not an
  // event is named for what is wrong with it, not as a bad signature.
  const verified = await stripe.webhooks.signature
    ?.verifyHeaderAsync(
      payload,
      signature,
      env.STRIPE_WEBHOOK_SECRET,
      TOLERANCE_SECONDS,
      await webCryptoProvider(),
    )
    .catch(() => false);
  if (verified !== true) throw badSignature();
  // The SDK checks only that a signature is not too old; one dated ahead of
  // the tolerance is refused too, as Stripe's other libraries do.
  if ((signedAt(signature) ?? 0) > Date.now() / 1000 + TOLERANCE_SECONDS) throw badSignature();
  const event = eventFrom(payload);
  const verdict = statusFromEvent(event);
  if (verdict === null) return ignored("the event says nothing about the account's standing");

  const customerId = (event.data.object as { customer?: unknown }).customer;
  if (typeof customerId !== 'string') return ignored('the event names no customer');
  let customer: Stripe.Customer | Stripe.DeletedCustomer;
  try {
    customer = await stripe.customers.retrieve(customerId);
  } catch (error) {
    // A customer Stripe does not know (a test-mode leftover, another
    // integration's) never will be: acknowledged, or Stripe retries for days.
    if (isMissingResource(error)) return ignored('no such customer in Stripe');
    logError(
      'stripe webhook: customer lookup failed',
      event.id,
      error instanceof Error ? `${error.name}: ${error.message}` : 'unknown',
    );
    throw new CodedError(
      'UPSTREAM_ERROR',
      'could not look up the customer in Stripe; retry later',
      'STRIPE_UNAVAILABLE',
      { status: 503 },
    );
  }
  if ('deleted' in customer && customer.deleted) return ignored('the customer was deleted');
  const accountId = (customer as Stripe.Customer).metadata?.memoryrouter_account;
  if (!accountId) return ignored('customer has no MemoryRouter account');
  const result = await accountStub(env, accountId).applyBillingEvent(
    event.id,
    event.created,
    verdict.status,
    customerId,
    verdict.source,
  );
  // A customer whose metadata names the account but which is not the one
  // linked to it (made by hand, or by an older release that made one per call).
  if (result.notLinkedCustomer) return ignored('the customer is not the one linked to its account');
  // Keys of the account are checked again: at once here, within VERIFIED_KEY_TTL_MS elsewhere.
  if (result.applied) forgetAccount(accountId);
  if (result.reason !== undefined) return ignored(result.reason);
  return Response.json({ received: true, applied: result.applied });
}

/** An event acknowledged (so Stripe stops sending it) that changed nothing, and why. */
function ignored(reason: string): Response {
  return Response.json({ received: true, applied: false, reason });
}

/** Stripe's 404 for an object it does not hold (`resource_missing`). */
function isMissingResource(error: unknown): boolean {
  const { code, statusCode } = (error ?? {}) as { code?: string; statusCode?: number };
  return code === 'resource_missing' || statusCode === 404;
}
