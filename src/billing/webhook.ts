import type Stripe from 'stripe';
import { accountStub } from '../auth/authenticate';
import type { AccountStatus } from './usage';
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

/**
 * POST /stripe/webhook. The signature is verified (asynchronously, with the
 * Web Crypto provider, within Stripe's default 5-minute tolerance) before
 * anything is read from the body; the customer's metadata names the account;
 * the account object applies each event once.
 */
export async function handleStripeWebhook(request: Request, env: Env): Promise<Response> {
  const stripe = await stripeClient(env);
  if (stripe === null || !env.STRIPE_WEBHOOK_SECRET) {
    return reply(503, { error: 'Stripe webhooks are not configured on this deployment' });
  }
  const signature = request.headers.get('stripe-signature');
  if (signature === null) return reply(400, { error: 'missing Stripe-Signature header' });
  const payload = await request.text();
  let event: Stripe.Event;
  try {
    event = await stripe.webhooks.constructEventAsync(
      payload,
      signature,
      env.STRIPE_WEBHOOK_SECRET,
      undefined,
      await webCryptoProvider(),
    );
  } catch {
    return reply(400, { error: 'invalid or stale signature' });
  }
  const status = statusFromEvent(event);
  if (status === null) return reply(200, { received: true, applied: false });

  const customerId = (event.data.object as { customer?: unknown }).customer;
  if (typeof customerId !== 'string') return reply(200, { received: true, applied: false });
  const customer = await stripe.customers.retrieve(customerId);
  const accountId =
    'deleted' in customer && customer.deleted
      ? null
      : (customer as Stripe.Customer).metadata?.memoryrouter_account;
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
