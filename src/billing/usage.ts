/** Shapes of usage and billing state, shared by the account object and GraphQL. */
export type AccountStatus = 'active' | 'suspended';

/**
 * What a Stripe event's verdict on an account's standing is about: its
 * subscription's life (active or trialing, or ended: canceled,
 * incomplete_expired, paused) or a payment (an invoice paid or failed, a
 * subscription past_due or unpaid). A paid invoice lifts only a payment's
 * suspension.
 */
export type BillingEventSource = 'subscription' | 'payment';

export interface UsageDay {
  /** UTC day, YYYY-MM-DD. */
  date: string;
  memoryTokens: number;
}

export interface KeyUsage {
  keyId: string;
  memoryTokens: number;
  days: UsageDay[];
}

export interface UsageReport {
  memoryTokens: number;
  days: UsageDay[];
  keys: KeyUsage[];
}

export interface BillingState {
  status: AccountStatus;
  stripeCustomerId: string | null;
  /** Memory tokens recorded but not yet sealed into a meter event. */
  unbilledMemoryTokens: number;
  /** Meter events waiting for Stripe to acknowledge them. */
  pendingMeterEvents: number;
  /** Meter events Stripe refused for good, or never acknowledged within its identifier window. */
  failedMeterEvents: number;
  /** The memory tokens those events carry: recorded, not billed. */
  failedMemoryTokens: number;
  /** The newest of them (at most FAILED_EVENTS_SHOWN), for the operator to reconcile in Stripe. */
  failedMeterEventRecords: FailedMeterEvent[];
  /** Why the last attempt to send a meter event failed; null once one is sent again. */
  lastMeterEventError: MeterEventError | null;
}

/** The last failed send of a meter event, as the admin's billing view shows it. */
export interface MeterEventError {
  /**
   * STRIPE_AUTHENTICATION_FAILED (Stripe refused STRIPE_SECRET_KEY: fix the
   * secret), STRIPE_REFUSED (the event itself, set aside) or
   * STRIPE_UNAVAILABLE (5xx, timeout, rate limit: retried with backoff).
   */
  reason: string;
  message: string;
  at: number;
}

/** A meter event set aside: never sent again, so its tokens are billed only if the operator does. */
export interface FailedMeterEvent {
  /** The meter event's identifier, as sent to Stripe (search Stripe's meter events by it). */
  identifier: string;
  memoryTokens: number;
  /** The event's timestamp: when its usage was sealed, in ms. */
  usageAt: number;
  failedAt: number;
  attempts: number;
  /** Stripe's refusal, or why it was not resent. */
  reason: string;
}

/** Most set-aside meter events the billing view lists; counts and token totals cover them all. */
export const FAILED_EVENTS_SHOWN = 100;

/** $1.00 per 1,000,000 memory tokens. */
export const MICRODOLLARS_PER_MEMORY_TOKEN = 1;

export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
