import type Stripe from 'stripe';
import { statusFromEvent, stripeClient, webCryptoProvider } from '../billing/stripe';
import { accountStub } from '../durable/rpc/stubs';
import { CodedError } from '../core/errors';
import type { Edge } from './edge';
import { configurationErrorResponse } from './error-shapes';
import { forgetAccount } from '../resolvers/verified-keys';

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
    return configurationErrorResponse(
      'rest',
      'Stripe webhooks are not configured on this deployment',
      ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'],
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
  const status = statusFromEvent(event);
  if (status === null) return Response.json({ received: true, applied: false });

  const customerId = (event.data.object as { customer?: unknown }).customer;
  if (typeof customerId !== 'string') return Response.json({ received: true, applied: false });
  let customer: Stripe.Customer | Stripe.DeletedCustomer;
  try {
    customer = await stripe.customers.retrieve(customerId);
  } catch (error) {
    console.error(
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
  if ('deleted' in customer && customer.deleted) {
    return Response.json({ received: true, applied: false, reason: 'the customer was deleted' });
  }
  const accountId = (customer as Stripe.Customer).metadata?.memoryrouter_account;
  if (!accountId) {
    return Response.json({
      received: true,
      applied: false,
      reason: 'customer has no MemoryRouter account',
    });
  }
  const { applied } = await accountStub(env, accountId).applyBillingEvent(
    event.id,
    event.created,
    status,
  );
  // Keys of the account are checked again: at once here, within VERIFIED_KEY_TTL_MS elsewhere.
  if (applied) forgetAccount(accountId);
  return Response.json({ received: true, applied });
}
