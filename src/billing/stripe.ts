import type Stripe from 'stripe';
import type * as StripeModule from 'stripe';
import type { AccountStatus, BillingEventSource } from './usage';

export interface StripeVars {
  STRIPE_API_BASE?: string;
  STRIPE_TIMEOUT_MS?: string;
  STRIPE_SECRET_KEY?: string;
  STRIPE_WEBHOOK_SECRET?: string;
  STRIPE_METER_EVENT_NAME?: string;
}

let stripeModule: Promise<typeof StripeModule> | undefined;

/** The Stripe SDK, loaded on first use: most requests never bill or verify anything. */
function loadStripe() {
  stripeModule ??= import('stripe');
  return stripeModule.then((module) => module.default);
}

/**
 * STRIPE_API_BASE as the SDK's own host, port and protocol options (it has
 * no base-URL option, and adds /v1/ itself, so the variable is an origin:
 * the configuration check refuses one with a path). Unset or empty: the SDK's
 * default, https://api.stripe.com.
 */
export function stripeApiAddress(base: string | undefined): {
  host?: string;
  port?: string;
  protocol?: 'http' | 'https';
} {
  if (!base) return {};
  const url = new URL(base);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { host: url.hostname, port: url.port || (protocol === 'http' ? '80' : '443'), protocol };
}

/**
 * The official Stripe client on Workers: fetch-based HTTP, no automatic
 * retries (the meter outbox retries on its own schedule: the same meter-event
 * identifier, a new idempotency key per attempt). null when the deployment
 * has no Stripe key: usage is still recorded, nothing is sent.
 */
export async function stripeClient(vars: StripeVars): Promise<Stripe | null> {
  if (!vars.STRIPE_SECRET_KEY) return null;
  const StripeSdk = await loadStripe();
  return new StripeSdk(vars.STRIPE_SECRET_KEY, {
    httpClient: StripeSdk.createFetchHttpClient(),
    maxNetworkRetries: 0,
    timeout: Number(vars.STRIPE_TIMEOUT_MS) || 10_000,
    // A local fake in place of Stripe (docs/billing.md).
    ...stripeApiAddress(vars.STRIPE_API_BASE),
  });
}

/** Web Crypto signature checks for webhooks (Workers have no synchronous HMAC). */
export async function webCryptoProvider() {
  return (await loadStripe()).createSubtleCryptoProvider();
}

export function meterEventName(vars: StripeVars): string {
  return vars.STRIPE_METER_EVENT_NAME || 'memory_tokens';
}

/** Stripe refuses a meter event whose identifier it has already recorded: for us, delivered. */
export function isDuplicateMeterEvent(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return (
    code === 'resource_already_exists' || /already exists with identifier/i.test(message ?? '')
  );
}

/**
 * What a failed attempt to send a meter event means:
 *   - delivered: Stripe already holds the identifier (an earlier attempt's
 *     acknowledgement was lost);
 *   - refused: a 400/404 about the request itself (a timestamp out of range,
 *     a bad payload): sending it again cannot succeed;
 *   - configuration: Stripe refused STRIPE_SECRET_KEY itself (401, or 403 for
 *     a restricted key without meter-event rights): the deployment's problem,
 *     not the event's; retried like `retry` once the operator fixes the key,
 *     but logged and shown to the admin meanwhile;
 *   - retry: anything that may pass later (5xx, timeouts, rate limits, an
 *     idempotency conflict).
 */
export function meterEventFailure(
  error: unknown,
): 'delivered' | 'refused' | 'configuration' | 'retry' {
  if (isDuplicateMeterEvent(error)) return 'delivered';
  const { type, statusCode } = (error ?? {}) as { type?: string; statusCode?: number };
  if (statusCode === 401 || statusCode === 403) return 'configuration';
  if (type === 'StripeInvalidRequestError' && (statusCode === 400 || statusCode === 404)) {
    return 'refused';
  }
  return 'retry';
}

/** Subscription states that suspend: unpaid ones (a paid invoice lifts them) and ended ones. */
const SUSPENDING_SUBSCRIPTION_STATES = new Map<string, BillingEventSource>([
  ['past_due', 'payment'],
  ['unpaid', 'payment'],
  ['canceled', 'subscription'],
  ['incomplete_expired', 'subscription'],
  ['paused', 'subscription'],
]);

/**
 * What an event says of the account's standing, and what kind of event says
 * it; null for events that say nothing. Subscriptions: active and trialing
 * are active; past_due, unpaid, canceled, incomplete_expired and paused
 * suspend; incomplete (the first payment still pending) says nothing. A
 * failed invoice suspends at once, while Stripe's own retries still run; a
 * paid one lifts only a payment's suspension (failed invoice, past_due,
 * unpaid), never an ended or paused subscription's (applyBillingEvent).
 */
export function statusFromEvent(
  event: Stripe.Event,
): { status: AccountStatus; source: BillingEventSource } | null {
  switch (event.type) {
    case 'customer.subscription.created':
    case 'customer.subscription.updated': {
      const state = (event.data.object as Stripe.Subscription).status;
      if (state === 'active' || state === 'trialing')
        return { status: 'active', source: 'subscription' };
      const source = SUSPENDING_SUBSCRIPTION_STATES.get(state);
      return source === undefined ? null : { status: 'suspended', source };
    }
    case 'customer.subscription.deleted':
      return { status: 'suspended', source: 'subscription' };
    case 'invoice.payment_failed':
      return { status: 'suspended', source: 'payment' };
    case 'invoice.paid':
    case 'invoice.payment_succeeded':
      return { status: 'active', source: 'payment' };
    default:
      return null;
  }
}
