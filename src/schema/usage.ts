import {
  FAILED_EVENTS_SHOWN,
  MICRODOLLARS_PER_MEMORY_TOKEN,
  type BillingState,
  type FailedMeterEvent,
  type KeyUsage,
  type MeterEventError,
  type UsageDay,
  type UsageReport,
} from '../billing/usage';
import { accountStub } from '../durable/rpc/stubs';
import { CodedError } from '../core/errors';
import { billingCustomer } from '../resolvers/billing-customer';
import { flushUsage } from '../resolvers/meter';
import { builder } from './builder';

/**
 * A token count as GraphQL's Int, which stops at 2,147,483,647 ($2,147 of
 * memory tokens): past it, a coded refusal that names the SafeInt field to
 * read instead, where graphql-js would fail the whole answer uncoded.
 */
function asInt(value: number, field: string): number {
  if (value <= 2_147_483_647) return value;
  throw new CodedError(
    'BAD_USER_INPUT',
    `${field} is ${value}, past what GraphQL's Int holds (2147483647): select ${field}Safe (SafeInt) instead`,
    'INT_OVERFLOW',
  );
}

/**
 * A count of memory tokens as the contract's Int (`memoryTokens`, refused
 * past the Int) and its SafeInt twin (`memoryTokensSafe`), on any type whose
 * value carries `memoryTokens`.
 */
function memoryTokenFields<Parent extends { memoryTokens: number }>(
  t: PothosSchemaTypes.ObjectFieldBuilder<typeof builder.$inferSchemaTypes, Parent>,
  description: string,
) {
  return {
    memoryTokens: t.int({
      description,
      resolve: (parent) => asInt(parent.memoryTokens, 'memoryTokens'),
    }),
    memoryTokensSafe: t.field({
      type: 'SafeInt',
      description: 'memoryTokens as a SafeInt: exact up to 2^53 − 1.',
      resolve: (parent) => parent.memoryTokens,
    }),
  };
}

/** Longest usage range one query may ask for. */
const MAX_RANGE_DAYS = 366;
const DAY_MS = 86_400_000;
/** The start of a time's UTC day. */
const dayStart = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;

export const UsageDayRef = builder.objectRef<UsageDay>('UsageDay');
UsageDayRef.implement({
  description: 'Memory tokens of one UTC day.',
  fields: (t) => ({
    date: t.exposeString('date', { description: 'The UTC day, YYYY-MM-DD.' }),
    ...memoryTokenFields(
      t,
      'Memory tokens metered that day (past 2,147,483,647: memoryTokensSafe).',
    ),
  }),
});

export const KeyUsageRef = builder.objectRef<KeyUsage>('KeyUsage');
KeyUsageRef.implement({
  description: "One memory key's share of the usage.",
  fields: (t) => ({
    keyId: t.exposeID('keyId', { description: 'The MemoryKey.id.' }),
    ...memoryTokenFields(t, 'Memory tokens in the range (past 2,147,483,647: memoryTokensSafe).'),
    days: t.field({
      type: [UsageDayRef],
      description: 'Per day, oldest first.',
      resolve: (usage) => usage.days,
    }),
  }),
});

export const UsageRef = builder.objectRef<UsageReport>('Usage');
UsageRef.implement({
  description:
    'Metered memory tokens: tokens of memory written (stored, imported, chat turns) plus tokens of memory returned by search or injected into a model call. $1.00 per 1,000,000.',
  fields: (t) => ({
    ...memoryTokenFields(
      t,
      "The account's memory tokens in the range (past 2,147,483,647, $2,147: memoryTokensSafe).",
    ),
    days: t.field({
      type: [UsageDayRef],
      description: 'Per UTC day, oldest first (days without usage are left out).',
      resolve: (usage) => usage.days,
    }),
    costUsd: t.float({
      description: 'What the range costs at $1.00 per million memory tokens.',
      resolve: (usage) => (usage.memoryTokens * MICRODOLLARS_PER_MEMORY_TOKEN) / 1_000_000,
    }),
    keys: t.field({
      type: [KeyUsageRef],
      description:
        "Per key: every key of the account for an admin, the caller's own key for a memory key.",
      resolve: (usage) => usage.keys,
    }),
  }),
});

export const FailedMeterEventRef = builder.objectRef<FailedMeterEvent>('FailedMeterEvent');
FailedMeterEventRef.implement({
  description:
    'A Stripe meter event set aside and never sent again: its memory tokens are recorded in `usage` but not billed. Look it up in Stripe by its identifier and bill it there if Stripe does not have it.',
  fields: (t) => ({
    identifier: t.exposeString('identifier', {
      description: "The meter event's identifier, as sent to Stripe.",
    }),
    memoryTokens: t.field({
      type: 'SafeInt',
      description: 'The memory tokens it carries (its Stripe payload value).',
      resolve: (event) => event.memoryTokens,
    }),
    usageAt: t.field({
      type: 'DateTime',
      description: "The event's timestamp: when its usage was sealed into it.",
      resolve: (event) => new Date(event.usageAt),
    }),
    failedAt: t.field({
      type: 'DateTime',
      description: 'When it was set aside.',
      resolve: (event) => new Date(event.failedAt),
    }),
    attempts: t.exposeInt('attempts', { description: 'How many times it was sent.' }),
    reason: t.exposeString('reason', {
      description:
        "Why: Stripe's refusal (e.g. a timestamp outside its 35-day window), or that it went unacknowledged 23 hours after its first attempt (Stripe keeps identifiers for 24 hours, so a later resend could bill twice).",
    }),
  }),
});

export const BillingRef = builder.objectRef<BillingState>('Billing');
const MeterEventErrorRef = builder.objectRef<MeterEventError>('MeterEventError');
MeterEventErrorRef.implement({
  description: 'The last failed attempt to send a meter event to Stripe.',
  fields: (t) => ({
    reason: t.exposeString('reason', {
      description: 'STRIPE_AUTHENTICATION_FAILED, STRIPE_REFUSED or STRIPE_UNAVAILABLE.',
    }),
    message: t.exposeString('message', {
      description: "What failed, in words (Stripe's message; never the key).",
    }),
    at: t.field({ type: 'DateTime', description: 'When.', resolve: (error) => error.at }),
  }),
});

BillingRef.implement({
  description: "The account's billing state.",
  fields: (t) => ({
    status: t.string({
      description: 'ACTIVE, or SUSPENDED (metered operations then fail with PAYMENT_REQUIRED).',
      resolve: (billing) => billing.status.toUpperCase(),
    }),
    stripeCustomerId: t.exposeString('stripeCustomerId', {
      nullable: true,
      description: 'The linked Stripe customer.',
    }),
    unbilledMemoryTokens: t.field({
      type: 'SafeInt',
      description: 'Recorded, not yet sealed into a meter event.',
      resolve: (billing) => billing.unbilledMemoryTokens,
    }),
    pendingMeterEvents: t.exposeInt('pendingMeterEvents', {
      description: 'Meter events Stripe has not acknowledged yet.',
    }),
    failedMeterEvents: t.exposeInt('failedMeterEvents', {
      description:
        'Meter events no longer sent: refused by Stripe for good, or unacknowledged 23 hours after their first attempt (Stripe keeps identifiers for 24 hours; reconcile them in Stripe: see failedMeterEventRecords).',
    }),
    failedMemoryTokens: t.field({
      type: 'SafeInt',
      description: 'The memory tokens of all failedMeterEvents: recorded in usage, not billed.',
      resolve: (billing) => billing.failedMemoryTokens,
    }),
    failedMeterEventRecords: t.field({
      type: [FailedMeterEventRef],
      description: `The failed meter events, newest first (at most ${FAILED_EVENTS_SHOWN}; failedMeterEvents and failedMemoryTokens count all): what to reconcile in Stripe.`,
      resolve: (billing) => billing.failedMeterEventRecords,
    }),
    lastMeterEventError: t.field({
      type: MeterEventErrorRef,
      nullable: true,
      description:
        'Why the last attempt to send a meter event failed; null once one is sent. Reason STRIPE_AUTHENTICATION_FAILED: Stripe refused STRIPE_SECRET_KEY (fix the secret; events wait meanwhile); STRIPE_REFUSED: an event refused for good (see failedMeterEventRecords); STRIPE_UNAVAILABLE: a temporary failure, retried with backoff.',
      resolve: (billing) => billing.lastMeterEventError,
    }),
  }),
});

builder.queryFields((t) => ({
  usage: t.withAuth({ memoryKey: true, admin: true }).field({
    type: UsageRef,
    description:
      "The account's memory-token usage by UTC day, from `from`'s day to `to`'s, both whole (default: the 30 days ending on `to`'s day).",
    args: {
      from: t.arg({
        type: 'DateTime',
        required: false,
        description: 'Start (inclusive, by UTC day).',
      }),
      to: t.arg({
        type: 'DateTime',
        required: false,
        description: 'End (inclusive, by UTC day); default now.',
      }),
    },
    resolve: async (_root, args, context) => {
      // By UTC day, as the ledger counts: a `from` later today than `to`'s
      // time still names the same day.
      const to = args.to?.getTime() ?? Date.now();
      const from = args.from?.getTime() ?? dayStart(to) - 29 * DAY_MS;
      if (dayStart(from) > dayStart(to)) {
        throw new CodedError(
          'BAD_USER_INPUT',
          '`from` must not be on a later UTC day than `to`',
          'INVALID_RANGE',
        );
      }
      if (dayStart(to) - dayStart(from) > MAX_RANGE_DAYS * DAY_MS) {
        throw new CodedError(
          'BAD_USER_INPUT',
          `a usage range spans at most ${MAX_RANGE_DAYS} days`,
          'INVALID_RANGE',
        );
      }
      const { principal } = context;
      const account = accountStub(context.env, principal.accountId);
      // Usage still gathering in the shards is sent first: a read sees every write.
      await flushUsage(context.env, principal.accountId);
      const report = await account.usage(from, to, null);
      if (principal.kind === 'key')
        report.keys = report.keys.filter((key) => key.keyId === principal.key.id);
      return report;
    },
  }),
  billing: t.withAuth({ admin: true }).field({
    type: BillingRef,
    description: "Admin only: the account's billing state.",
    resolve: async (_root, _args, context) => {
      await flushUsage(context.env, context.principal.accountId);
      return accountStub(context.env, context.principal.accountId).billing();
    },
  }),
}));

builder.mutationFields((t) => ({
  createBillingCustomer: t.withAuth({ admin: true }).field({
    type: BillingRef,
    description:
      "Admin only: creates the Stripe customer usage is billed to and links it to the account; once linked, returns the linked customer as it is (no new customer, `email` ignored). A failed attempt may be retried, with another email too: a later attempt first looks for a customer the failed one made. CONFIGURATION_ERROR (reason STRIPE_NOT_CONFIGURED) on a deployment without STRIPE_SECRET_KEY; UPSTREAM_ERROR when Stripe fails, reason STRIPE_AUTHENTICATION_FAILED (Stripe refused STRIPE_SECRET_KEY: the operator must fix it), STRIPE_UNAVAILABLE (5xx, timeout, rate limit, or within a minute of an unanswered attempt: retry, after `retryAfter` seconds when given) or STRIPE_REFUSED (the request itself, with `stripeStatus` and Stripe's `stripeCode` and `stripeParam` when given); never Stripe's own text.",
    args: {
      email: t.arg.string({ required: false, description: "The customer's billing email." }),
    },
    resolve: (_root, args, context) =>
      billingCustomer(context.env, context.principal.accountId, args.email ?? null),
  }),
}));
