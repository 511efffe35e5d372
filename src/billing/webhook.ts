import type Stripe from 'stripe';
import { accountStub } from '../auth/authenticate';
import type { AccountStatus } from './usage';
import { discardBody, readBody } from '../request-body';
import { stripeClient, webCryptoProvider } from './stripe';

const SUSPENDING_SUBSCRIPTION_STATES = new Set([
  'past_due',
  'unpaid',
  'canceled',
  'incomplete_expired',
  'paused',
]);

/** What an event says of the account's standing; null for events that say nothing. */
export function statusFromEvent(event: Stripe.Event): AccountStatus | null {
  switch (event.type) {
    case 'customer.subscription.created':
    case 'customer.subscription.updated': {
      const state = (event.data.object as Stripe.Subscription).status;
      if (state === 'active' || state === 'trialing') return 'active';
      return SUSPENDING_SUBSCRIPTION_STATES.has(state) ? 'suspended' : null;
    }
    case 'customer.subscription.deleted':
    case 'invoice.payment_failed':
      return 'suspended';
    case 'invoice.paid':
    case 'invoice.payment_succeeded':
      return 'active';
    default:
      return null;
  }
}

const reply = (status: number, body: Record<string, unknown>) => Response.json(body, { status });

/** Stripe's default signature tolerance, applied both ways (a signature from the future is refused too). */
const TOLERANCE_SECONDS = 300;

/** The `t=` of a Stripe-Signature header, in seconds. */
function signedAt(header: string): number | null {
  const match = /(?:^|,)\s*t=(\d+)/.exec(header);
  return match ? Number(match[1]) : null;
}

/**
 * POST /stripe/webhook. The signature is verified (asynchronously, with the
 * Web Crypto provider, within 5 minutes either side of now) before anything
 * is read from the body; the customer's metadata names the account; the
 * account object applies each event once. Every answer is a small JSON body:
 * 4xx for deliveries that can never succeed, 5xx (no stack, logged) for
 * failures Stripe should retry.
 */
export async function handleStripeWebhook(
  request: Request,
  env: Env,
  maxBytes: number,
): Promise<Response> {
  const stripe = await stripeClient(env);
  if (stripe === null || !env.STRIPE_WEBHOOK_SECRET) {
    await discardBody(request);
    return reply(503, { error: 'Stripe webhooks are not configured on this deployment' });
  }
  const signature = request.headers.get('stripe-signature');
  if (signature === null) {
    await discardBody(request);
    return reply(400, { error: 'missing Stripe-Signature header' });
  }
  const body = await readBody(request, maxBytes);
  if (body === null) {
    return reply(413, { error: `the body is larger than the limit of ${maxBytes} bytes` });
  }
  const payload = new TextDecoder().decode(body);
  let event: Stripe.Event;
  try {
    event = await stripe.webhooks.constructEventAsync(
      payload,
      signature,
      env.STRIPE_WEBHOOK_SECRET,
      TOLERANCE_SECONDS,
      await webCryptoProvider(),
    );
  } catch {
    return reply(400, { error: 'invalid or stale signature' });
  }
  // The SDK checks only that a signature is not too old; one dated ahead of
  // the tolerance is refused too, as Stripe's other libraries do.
  if ((signedAt(signature) ?? 0) > Date.now() / 1000 + TOLERANCE_SECONDS) {
    return reply(400, { error: 'invalid or stale signature' });
  }
  const status = statusFromEvent(event);
  if (status === null) return reply(200, { received: true, applied: false });

  const customerId = (event.data.object as { customer?: unknown }).customer;
  if (typeof customerId !== 'string') return reply(200, { received: true, applied: false });
  let customer: Stripe.Customer | Stripe.DeletedCustomer;
  try {
    customer = await stripe.customers.retrieve(customerId);
  } catch (error) {
    console.error(
      'stripe webhook: customer lookup failed',
      event.id,
      error instanceof Error ? `${error.name}: ${error.message}` : 'unknown',
    );
    return reply(503, { error: 'could not look up the customer in Stripe; retry later' });
  }
  if ('deleted' in customer && customer.deleted) {
    return reply(200, { received: true, applied: false, reason: 'the customer was deleted' });
  }
  const accountId = (customer as Stripe.Customer).metadata?.memoryrouter_account;
  if (!accountId)
    return reply(200, {
      received: true,
      applied: false,
      reason: 'customer has no MemoryRouter account',
    });
  const { applied } = await accountStub(env, accountId).applyBillingEvent(
    event.id,
    event.created,
    status,
  );
  return reply(200, { received: true, applied });
}
