/** Shapes of usage and billing state, shared by the account object and GraphQL. */
export type AccountStatus = 'active' | 'suspended';

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
}

/** $1.00 per 1,000,000 memory tokens. */
export const MICRODOLLARS_PER_MEMORY_TOKEN = 1;

export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
