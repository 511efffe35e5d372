import Stripe from 'stripe';

export interface StripeVars {
  STRIPE_SECRET_KEY?: string;
  STRIPE_WEBHOOK_SECRET?: string;
  STRIPE_METER_EVENT_NAME?: string;
}

/**
 * The official Stripe client on Workers: fetch-based HTTP, no automatic
 * retries (the meter outbox retries on its own schedule, with stable
 * identifiers). null when the deployment has no Stripe key: usage is still
 * recorded, nothing is sent.
 */
export function stripeClient(vars: StripeVars): Stripe | null {
  if (!vars.STRIPE_SECRET_KEY) return null;
  return new Stripe(vars.STRIPE_SECRET_KEY, {
    httpClient: Stripe.createFetchHttpClient(),
    maxNetworkRetries: 0,
    timeout: 10_000,
  });
}

export function meterEventName(vars: StripeVars): string {
  return vars.STRIPE_METER_EVENT_NAME || 'memory_tokens';
}

/** Stripe refuses a meter event whose identifier it has already recorded: for us, delivered. */
export function isDuplicateMeterEvent(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return code === 'resource_already_exists' || /already exists/i.test(message ?? '');
}

export const cryptoProvider = Stripe.createSubtleCryptoProvider();
