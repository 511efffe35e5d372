import { createExecutionContext, evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import Stripe from 'stripe';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  BillingDocument,
  ChatDocument,
  CreateBillingCustomerDocument,
  CreateMemoryKeyDocument,
  GetVaultDocument,
  SearchDocument,
  StoreMemoryDocument,
  UsageDocument,
} from '../generated/graphql';
import {
  adminToken,
  BASE_URL,
  client,
  codes,
  newKey,
  post,
  withoutRequestId,
  workerFetch,
} from '../helpers/graphql';
import { chatClient } from '../helpers/graphql-chat';
import worker from '../../src/index';
import { resetFakes } from '../helpers/fakes';
import { armedAlarm, runAlarm } from '../helpers/alarms';
import { KEYLESS_RECHECK_MS } from '../../src/durable/account/meter-outbox';
import { stripeWebhookRoute } from '../../src/http/stripe-webhook';
import { flushUsage } from '../../src/resolvers/meter';
import { PhaseTimings } from '../../src/resolvers/phase-timings';

const account = (accountId: string) =>
  env.ACCOUNT.get(env.ACCOUNT.idFromName(`account:${accountId}`));

async function stripeState() {
  return (await (await fetch('http://fakes.test/_stripe')).json()) as {
    customers: { id: string; metadata: Record<string, string> }[];
    meterEvents: {
      identifier: string;
      event_name: string;
      payload: { value: string; stripe_customer_id: string };
    }[];
  };
}

const DAY = 86_400_000;

async function scriptStripe(script: { status?: number; mode?: 'hang' | 'ack-lost' }) {
  await fetch('http://fakes.test/_script', {
    method: 'POST',
    body: JSON.stringify({ host: 'api.stripe.com', ...script }),
  });
}

async function meterEventCalls() {
  return (
    (await (await fetch('http://fakes.test/_calls')).json()) as {
      path: string;
      body: { identifier: string };
      headers: Record<string, string>;
    }[]
  ).filter((call) => call.path === '/v1/billing/meter_events');
}

/**
 * Hands the usage shards' gathered usage to the account (what their alarms do
 * within seconds), makes every unsent meter event due now and runs the
 * account's alarm (the only run: see runAlarm).
 */
async function flush(accountId: string) {
  await flushUsage(env, accountId);
  await runAlarm(account(accountId), (state) => {
    state.storage.sql.exec('UPDATE meter_outbox SET next_attempt_at = 0 WHERE sent_at IS NULL');
  });
}

const utcDay = () => new Date().toISOString().slice(0, 10);

describe('metering', () => {
  beforeEach(resetFakes);

  it('counts memory tokens with the o200k tokenizer: written, searched and injected', async () => {
    const firstDay = utcDay();
    const { api, secret } = await newKey();
    const { storeMemory } = await api.request(StoreMemoryDocument, {
      input: { content: 'hello world' },
    });
    expect(storeMemory.tokens).toBe(2); // o200k_base: "hello", " world"
    const written = (await api.request(UsageDocument, {})).usage.memoryTokens;
    expect(written).toBe(2);

    const { search } = await api.request(SearchDocument, { input: { query: 'hello' } });
    expect(search.memoryTokens).toBe(2);
    expect((await api.request(UsageDocument, {})).usage.memoryTokens).toBe(4);

    const chat = chatClient(secret, 'sk-test');
    const { chat: result } = await chat.request(ChatDocument, {
      input: {
        model: 'gpt-4o',
        // Not "hello" alone: small talk alone reads no memory (chat-small-talk.test.ts).
        messages: [{ role: 'USER', content: 'hello, how is the world?' }],
        memoryMode: 'READ',
      },
    });
    expect(result.memory.memoryTokens).toBe(2);
    const usage = (await api.request(UsageDocument, {})).usage;
    expect(usage.memoryTokens).toBe(6);
    expect(usage.costUsd).toBeCloseTo(6 / 1_000_000, 12);
    // The ledger is per UTC day: a run across midnight may count on two days.
    const days = [...new Set([firstDay, utcDay()])];
    if (days.length === 1) expect(usage.days).toEqual([{ date: firstDay, memoryTokens: 6 }]);
    else {
      for (const day of usage.days) expect(days).toContain(day.date);
      expect(usage.days.reduce((sum, day) => sum + day.memoryTokens, 0)).toBe(6);
    }
  });

  it('says in the storeMemories receipt how many memory tokens it metered', async () => {
    // Before: extensions.memory.memoryTokens said 0 while usage rose.
    const { secret, api } = await newKey();
    const stored = await post(
      'mutation { storeMemories(inputs: [{ content: "hello world" }, { content: "a third token" }]) { tokens } }',
      {},
      secret,
    );
    const tokens = (stored.data as { storeMemories: { tokens: number }[] }).storeMemories.reduce(
      (sum, memory) => sum + memory.tokens,
      0,
    );
    expect(tokens).toBeGreaterThan(0);
    expect(stored.extensions?.memory).toMatchObject({ memoryTokens: tokens });
    expect((await api.request(UsageDocument, {})).usage.memoryTokens).toBe(tokens);
  });

  it('adds up exactly under many concurrent requests', async () => {
    const { api } = await newKey();
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        api.request(StoreMemoryDocument, {
          input: { content: `concurrent memory number ${i} with some words` },
        }),
      ),
    );
    const expected = results.reduce((sum, { storeMemory }) => sum + storeMemory.tokens, 0);
    expect((await api.request(UsageDocument, {})).usage.memoryTokens).toBe(expected);
  });

  it('reads usage by UTC day: a `from` later today than now counts today', async () => {
    // Before: INVALID_RANGE "`from` must not be after `to`", the times
    // compared though the range is by day.
    const { api } = await newKey();
    const stored = (await api.request(StoreMemoryDocument, { input: { content: 'hello world' } }))
      .storeMemory.tokens;
    const today = utcDay();
    const late = await api.request(UsageDocument, { from: `${today}T23:59:00Z` });
    expect(late.usage.memoryTokens).toBe(stored);
    const backwards = await api.request(UsageDocument, {
      from: `${today}T23:00:00Z`,
      to: `${today}T00:01:00Z`,
    });
    expect(backwards.usage.memoryTokens).toBe(stored);
  });

  it('shows the account per key: every key to an admin, its own to a key', async () => {
    const first = await newKey('first');
    const created = await first.admin.request(CreateMemoryKeyDocument, { name: 'second' });
    const second = client(created.createMemoryKey.secret);
    await first.api.request(StoreMemoryDocument, { input: { content: 'one two three' } });
    await second.request(StoreMemoryDocument, { input: { content: 'four five' } });
    const asAdmin = (await first.admin.request(UsageDocument, {})).usage;
    expect(asAdmin.memoryTokens).toBe(5);
    expect(asAdmin.keys.map((key) => key.memoryTokens).sort()).toEqual([2, 3]);
    const asSecond = (await second.request(UsageDocument, {})).usage;
    expect(asSecond.memoryTokens).toBe(5);
    expect(asSecond.keys).toEqual([{ keyId: created.createMemoryKey.key.id, memoryTokens: 2 }]);
  });
});

describe('Stripe meter events', () => {
  beforeEach(resetFakes);

  it('sends the ledger as meter events with stable identifiers, once, despite failures and lost acks', async () => {
    const { api, admin, accountId } = await newKey();
    const billing = (
      await admin.request(CreateBillingCustomerDocument, { email: 'ops@example.com' })
    ).createBillingCustomer;
    const customers = (await stripeState()).customers;
    expect(customers).toEqual([
      expect.objectContaining({
        id: billing.stripeCustomerId,
        metadata: { memoryrouter_account: accountId },
      }),
    ]);

    await api.request(StoreMemoryDocument, { input: { content: 'first batch of usage' } });
    // Stripe answers the first attempt with a 500. Stripe saves that answer
    // under the attempt's idempotency key and replays it for 24 hours, so a
    // retry must not reuse the key (before: it did, and failed for a day).
    await scriptStripe({ status: 500 });
    await flush(accountId);
    expect((await admin.request(BillingDocument)).billing).toMatchObject({
      pendingMeterEvents: 1,
      unbilledMemoryTokens: 0,
    });
    await flush(accountId);
    expect((await admin.request(BillingDocument)).billing.pendingMeterEvents).toBe(0);

    // Stripe records the next event but the acknowledgement is lost; the retry
    // carries the same identifier, Stripe refuses it as a duplicate, and that
    // counts as delivered: it is not billed twice.
    await api.request(StoreMemoryDocument, { input: { content: 'second batch' } });
    await scriptStripe({ mode: 'ack-lost' });
    await flush(accountId);
    expect((await admin.request(BillingDocument)).billing.pendingMeterEvents).toBe(1);
    await flush(accountId);
    expect((await admin.request(BillingDocument)).billing).toMatchObject({
      pendingMeterEvents: 0,
      failedMeterEvents: 0,
    });

    // The fake keeps every event it accepted (a list, not a map by identifier),
    // so a double send would show here.
    const { meterEvents } = await stripeState();
    expect(meterEvents).toHaveLength(2);
    expect(new Set(meterEvents.map((event) => event.identifier)).size).toBe(2);
    for (const event of meterEvents) {
      expect(event).toMatchObject({
        event_name: 'memory_tokens',
        payload: { stripe_customer_id: billing.stripeCustomerId },
      });
    }
    const billed = meterEvents.reduce((sum, event) => sum + Number(event.payload.value), 0);
    expect(billed).toBe((await admin.request(UsageDocument, {})).usage.memoryTokens);
    // Every attempt at one event used its identifier, each with a fresh idempotency key.
    const attempts = await meterEventCalls();
    expect(attempts.map((call) => call.body.identifier)).toEqual([
      meterEvents[0]!.identifier,
      meterEvents[0]!.identifier,
      meterEvents[1]!.identifier,
      meterEvents[1]!.identifier,
    ]);
    const keys = attempts.map((call) => call.headers['idempotency-key']);
    expect(new Set(keys).size).toBe(4);
  });

  it('treats a refused STRIPE_SECRET_KEY as the deployment’s problem: logged once, shown in billing, never the key', async () => {
    const { api, admin, accountId } = await newKey();
    await admin.request(CreateBillingCustomerDocument, {});
    await api.request(StoreMemoryDocument, { input: { content: 'usage under a rolled key' } });
    const lastError = `{ billing { pendingMeterEvents failedMeterEvents lastMeterEventError { reason message at } } }`;
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      // Stripe answers 401, as for a wrong or rolled secret key, twice.
      await scriptStripe({ status: 401 });
      await flush(accountId);
      await scriptStripe({ status: 401 });
      await flush(accountId);
      const log = logged.mock.calls.flat().join(' ');
      // Before: nothing logged, nothing shown, retried silently for 23 hours.
      expect(log.match(/Stripe refused STRIPE_SECRET_KEY/g)).toHaveLength(1);
      expect(log).not.toContain(env.STRIPE_SECRET_KEY);
    } finally {
      logged.mockRestore();
    }
    const refused = await post(lastError, {}, await adminToken(accountId));
    expect(refused.data).toMatchObject({
      billing: {
        pendingMeterEvents: 1,
        failedMeterEvents: 0,
        lastMeterEventError: {
          reason: 'STRIPE_AUTHENTICATION_FAILED',
          // Before: "within 24 hours"; events wait 23 (IDENTIFIER_WINDOW_MS).
          message: expect.stringMatching(
            /STRIPE_SECRET_KEY.*within 23 hours of their first attempt/,
          ),
          at: expect.any(String),
        },
      },
    });
    expect(JSON.stringify(refused)).not.toContain(env.STRIPE_SECRET_KEY);
    // The key is fixed: the event goes out and the error clears.
    await flush(accountId);
    expect((await post(lastError, {}, await adminToken(accountId))).data).toEqual({
      billing: { pendingMeterEvents: 0, failedMeterEvents: 0, lastMeterEventError: null },
    });
  });

  it('treats a 403 (a restricted key without meter-event rights) as a refused STRIPE_SECRET_KEY, not as Stripe being down', async () => {
    const { api, admin, accountId } = await newKey();
    await admin.request(CreateBillingCustomerDocument, {});
    await api.request(StoreMemoryDocument, { input: { content: 'usage under a restricted key' } });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      await scriptStripe({ status: 403 });
      await flush(accountId);
      expect(logged.mock.calls.flat().join(' ')).toContain('Stripe refused STRIPE_SECRET_KEY');
    } finally {
      logged.mockRestore();
    }
    const shown = await post(
      `{ billing { pendingMeterEvents lastMeterEventError { reason message } } }`,
      {},
      await adminToken(accountId),
    );
    // Before (403 retried as STRIPE_UNAVAILABLE): nothing logged, and the
    // admin was shown Stripe's message, which quotes part of the key.
    expect(shown.data).toMatchObject({
      billing: {
        pendingMeterEvents: 1,
        lastMeterEventError: { reason: 'STRIPE_AUTHENTICATION_FAILED' },
      },
    });
    // The key as Stripe's message quotes it (the fake's: prefix, asterisks, last four).
    expect(JSON.stringify(shown)).not.toContain('****');
  });

  it('sets aside an event Stripe refuses for good, and never resends it', async () => {
    const { admin, accountId } = await newKey();
    await admin.request(CreateBillingCustomerDocument, {});
    // An event older than Stripe's 35-day window (as after a long outage).
    await runInDurableObject(account(accountId), (_, state) => {
      state.storage.sql.exec(
        `INSERT INTO meter_outbox (identifier, memory_tokens, timestamp, next_attempt_at)
         VALUES ('mr_old_1', 42, ?, 0)`,
        Date.now() - 40 * DAY,
      );
    });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      await flush(accountId);
      expect(logged.mock.calls.flat().join(' ')).toContain('meter event not delivered mr_old_1');
    } finally {
      logged.mockRestore();
    }
    const { billing } = await admin.request(BillingDocument);
    expect(billing).toMatchObject({ pendingMeterEvents: 0, failedMeterEvents: 1 });
    // What the operator reconciles in Stripe: which event, how many tokens,
    // when and why. Before: a count only, the 42 tokens shown nowhere.
    expect(billing.failedMemoryTokens).toBe(42);
    expect(billing.failedMeterEventRecords).toEqual([
      {
        identifier: 'mr_old_1',
        memoryTokens: 42,
        usageAt: expect.any(String),
        failedAt: expect.any(String),
        attempts: 1,
        reason: expect.stringContaining('Timestamp must be within the past 35 calendar days'),
      },
    ]);
    const [record] = billing.failedMeterEventRecords;
    expect(Date.now() - Date.parse(record!.usageAt)).toBeGreaterThan(39 * DAY);
    expect(Date.parse(record!.failedAt)).toBeGreaterThan(Date.now() - DAY);
    await flush(accountId);
    expect(await meterEventCalls()).toHaveLength(1);
    expect((await stripeState()).meterEvents).toEqual([]);
  });

  it('backs off exponentially, at most an hour between attempts', async () => {
    const { api, admin, accountId } = await newKey();
    await admin.request(CreateBillingCustomerDocument, {});
    await api.request(StoreMemoryDocument, { input: { content: 'usage during an outage' } });
    const delayAfterFailure = async () => {
      await scriptStripe({ status: 503 });
      const before = Date.now();
      await flush(accountId);
      const { next_attempt_at } = await runInDurableObject(account(accountId), (_, state) =>
        state.storage.sql
          .exec<{ next_attempt_at: number }>('SELECT next_attempt_at FROM meter_outbox')
          .one(),
      );
      return next_attempt_at - before;
    };
    const first = await delayAfterFailure();
    expect(first).toBeGreaterThanOrEqual(5_000);
    expect(first).toBeLessThan(5_000 + 60_000);
    const second = await delayAfterFailure();
    expect(second).toBeGreaterThanOrEqual(10_000);
    expect(second).toBeLessThan(10_000 + 60_000);
    // Many failures later the wait stops growing at an hour.
    await runInDurableObject(account(accountId), (_, state) => {
      state.storage.sql.exec('UPDATE meter_outbox SET attempts = 40');
    });
    const capped = await delayAfterFailure();
    expect(capped).toBeGreaterThanOrEqual(3_600_000);
    expect(capped).toBeLessThan(3_600_000 + 60_000);
    expect((await admin.request(BillingDocument)).billing.pendingMeterEvents).toBe(1);
  });

  it('does not resend an unacknowledged event once Stripe no longer remembers its identifier', async () => {
    const { api, admin, accountId } = await newKey();
    await admin.request(CreateBillingCustomerDocument, {});
    await api.request(StoreMemoryDocument, { input: { content: 'usage whose ack was lost' } });
    await scriptStripe({ mode: 'ack-lost' });
    await flush(accountId);
    // A day passes (Stripe down, say): Stripe forgets the identifier, so a
    // resend would be accepted and billed a second time.
    await fetch('http://fakes.test/_stripe/clock', {
      method: 'POST',
      body: JSON.stringify({ advanceMs: 25 * 3_600_000 }),
    });
    await runInDurableObject(account(accountId), (_, state) => {
      state.storage.sql.exec(
        'UPDATE meter_outbox SET first_attempt_at = first_attempt_at - ?',
        25 * 3_600_000,
      );
    });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      await flush(accountId);
      expect(logged.mock.calls.flat().join(' ')).toContain('identifier window');
    } finally {
      logged.mockRestore();
    }
    expect((await admin.request(BillingDocument)).billing).toMatchObject({
      pendingMeterEvents: 0,
      failedMeterEvents: 1,
    });
    expect((await stripeState()).meterEvents).toHaveLength(1);
    expect(await meterEventCalls()).toHaveLength(1);
  });

  it('treats a Stripe timeout like any failure: the event waits and is sent once later', async () => {
    const { api, admin, accountId } = await newKey();
    await admin.request(CreateBillingCustomerDocument, {});
    await api.request(StoreMemoryDocument, { input: { content: 'usage while Stripe hangs' } });
    await scriptStripe({ mode: 'hang' });
    await flush(accountId);
    expect((await admin.request(BillingDocument)).billing.pendingMeterEvents).toBe(1);
    const attempt = await runInDurableObject(account(accountId), (_, state) =>
      state.storage.sql
        .exec<{ attempts: number; last_error: string }>(
          'SELECT attempts, last_error FROM meter_outbox',
        )
        .one(),
    );
    expect(attempt.attempts).toBe(1);
    await flush(accountId);
    expect((await admin.request(BillingDocument)).billing.pendingMeterEvents).toBe(0);
    expect((await stripeState()).meterEvents).toHaveLength(1);
  });

  it('loses nothing if the account object restarts between recording and flushing', async () => {
    const { api, admin, accountId } = await newKey();
    await admin.request(CreateBillingCustomerDocument, {});
    await api.request(StoreMemoryDocument, { input: { content: 'usage before a restart' } });
    await evictDurableObject(account(accountId));
    await flush(accountId);
    const { meterEvents } = await stripeState();
    expect(meterEvents.map((event) => Number(event.payload.value))).toEqual([
      (await admin.request(UsageDocument, {})).usage.memoryTokens,
    ]);
  });
});

describe('usage recorded while STRIPE_SECRET_KEY is unset', () => {
  beforeEach(resetFakes);

  /**
   * Links a customer, then runs the deployment without STRIPE_SECRET_KEY
   * (restarted without it: the account object starts afresh) while the key
   * stores a memory; returns the account and the tokens it recorded.
   */
  async function usageWithoutKey() {
    const { api, admin, accountId } = await newKey();
    await admin.request(CreateBillingCustomerDocument, {});
    const vars = env as { STRIPE_SECRET_KEY: string };
    const key = vars.STRIPE_SECRET_KEY;
    vars.STRIPE_SECRET_KEY = '';
    let rearmed: number | null;
    try {
      await evictDurableObject(account(accountId));
      await api.request(StoreMemoryDocument, { input: { content: 'The turtle is named Shelly' } });
      await flushUsage(env, accountId);
      // Its alarm, when due, sends nothing without a key and looks again later.
      rearmed = await runAlarm(account(accountId));
      // The deployment is restarted with the key (every object starts afresh).
    } finally {
      vars.STRIPE_SECRET_KEY = key;
    }
    await evictDurableObject(account(accountId));
    const tokens = (await admin.request(UsageDocument, {})).usage.memoryTokens;
    expect(tokens).toBeGreaterThan(0);
    expect((await admin.request(BillingDocument)).billing).toMatchObject({
      unbilledMemoryTokens: tokens,
      pendingMeterEvents: 0,
    });
    expect(await meterEventCalls()).toEqual([]);
    return { admin, accountId, tokens, rearmed };
  }

  it('are sent within the keyless recheck by an account that is not called again', async () => {
    const started = Date.now();
    const { admin, accountId, tokens, rearmed } = await usageWithoutKey();
    // Before: no alarm was armed without the key, and none after it was set.
    expect(rearmed).not.toBeNull();
    expect(rearmed!).toBeGreaterThanOrEqual(started + KEYLESS_RECHECK_MS);
    expect(rearmed!).toBeLessThanOrEqual(Date.now() + KEYLESS_RECHECK_MS);
    // That alarm falls due with the key set: it sends them, once.
    await runAlarm(account(accountId));
    await runAlarm(account(accountId));
    const { meterEvents } = await stripeState();
    expect(meterEvents.map((event) => Number(event.payload.value))).toEqual([tokens]);
    expect((await admin.request(BillingDocument)).billing).toMatchObject({
      unbilledMemoryTokens: 0,
      pendingMeterEvents: 0,
    });
  });

  it('are sent about a minute after the account object next starts with the key, once', async () => {
    const { admin, accountId, tokens } = await usageWithoutKey();
    // Reading the billing state above started the object with the key: its
    // alarm is due within METER_FLUSH_SECONDS (before: the keyless hour, or none).
    const due = await armedAlarm(account(accountId));
    expect(due).not.toBeNull();
    expect(due!).toBeLessThanOrEqual(Date.now() + Number(env.METER_FLUSH_SECONDS) * 1000);
    await runAlarm(account(accountId));
    await evictDurableObject(account(accountId));
    await flush(accountId);
    const { meterEvents } = await stripeState();
    expect(meterEvents.map((event) => Number(event.payload.value))).toEqual([tokens]);
    expect((await admin.request(BillingDocument)).billing.unbilledMemoryTokens).toBe(0);
  });
});

describe('the billing customer', () => {
  beforeEach(resetFakes);

  async function customerCalls() {
    return (
      (await (await fetch('http://fakes.test/_calls')).json()) as {
        path: string;
        headers: Record<string, string | null>;
      }[]
    ).filter((call) => call.path === '/v1/customers');
  }

  it('links one Stripe customer per account: a second call, or two at once, return it', async () => {
    // Before: every call made a new customer (cus_fake1, cus_fake2, …) and
    // re-linked the account, the old one keeping the account in its metadata.
    const { admin, accountId } = await newKey();
    const [first, second] = await Promise.all([
      admin.request(CreateBillingCustomerDocument, { email: 'ops@example.com' }),
      admin.request(CreateBillingCustomerDocument, { email: 'ops@example.com' }),
    ]);
    const linked = first.createBillingCustomer.stripeCustomerId;
    expect(linked).toMatch(/^cus_/);
    expect(second.createBillingCustomer.stripeCustomerId).toBe(linked);
    const again = await admin.request(CreateBillingCustomerDocument, {
      email: 'other@example.com',
    });
    expect(again.createBillingCustomer.stripeCustomerId).toBe(linked);
    expect((await admin.request(BillingDocument)).billing.stripeCustomerId).toBe(linked);
    const customers = (await stripeState()).customers.filter(
      (customer) => customer.metadata.memoryrouter_account === accountId,
    );
    expect(customers.map((customer) => customer.id)).toEqual([linked]);
    // Each create carried the account's idempotency key (its first attempt's).
    const calls = await customerCalls();
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls)
      expect(call.headers['idempotency-key']).toBe(`memoryrouter-customer-${accountId}-0`);
  });

  /** Makes the account's last unanswered create attempt a minute old. */
  const ageFailedAttempt = (accountId: string) =>
    runInDurableObject(account(accountId), (_, state) => {
      state.storage.sql.exec(
        // eslint-disable-next-line no-restricted-syntax -- the account object's meta, which it reads from SQL each time (no kept record)
        "UPDATE meta SET value = ? WHERE key = 'stripe_customer_unsure_at'",
        Date.now() - 61_000,
      );
    });

  const reasonOf = (result: { errors?: { extensions?: Record<string, unknown> }[] }) =>
    result.errors?.[0]?.extensions;

  it('links once Stripe recovers from a failed create, with the corrected email, making one customer', async () => {
    // Before: the create's key was the account's alone, and Stripe replays a
    // key's first answer for 24 hours, its 500 included: every retry failed
    // for a day, and another email was refused as an idempotency misuse.
    const { admin, accountId, adminToken } = await newKey();
    await scriptStripe({ status: 500 });
    const failed = await post(CreateBillingCustomerDocument, { email: 'ops@exmaple' }, adminToken);
    expect(reasonOf(failed)).toMatchObject({
      code: 'UPSTREAM_ERROR',
      reason: 'STRIPE_UNAVAILABLE',
    });
    // Within a minute the failed attempt might still show up in Stripe's
    // search, so nothing is created yet.
    const early = await post(
      CreateBillingCustomerDocument,
      { email: 'ops@example.com' },
      adminToken,
    );
    expect(reasonOf(early)).toMatchObject({
      code: 'UPSTREAM_ERROR',
      reason: 'STRIPE_UNAVAILABLE',
      retryAfter: expect.any(Number),
    });
    expect((await customerCalls()).length).toBe(1);

    await ageFailedAttempt(accountId);
    const linked = (
      await admin.request(CreateBillingCustomerDocument, { email: 'ops@example.com' })
    ).createBillingCustomer.stripeCustomerId;
    expect(linked).toMatch(/^cus_/);
    const customers = (await stripeState()).customers.filter(
      (customer) => customer.metadata.memoryrouter_account === accountId,
    );
    expect(customers).toEqual([expect.objectContaining({ id: linked, email: 'ops@example.com' })]);
    expect((await customerCalls()).map((call) => call.headers['idempotency-key'])).toEqual([
      `memoryrouter-customer-${accountId}-0`,
      `memoryrouter-customer-${accountId}-1`,
    ]);
    // Linked: later calls return it and call Stripe no more.
    expect(
      (await admin.request(CreateBillingCustomerDocument, {})).createBillingCustomer
        .stripeCustomerId,
    ).toBe(linked);
    expect((await customerCalls()).length).toBe(2);
  });

  it('finds the customer a create made before its answer was lost, and makes no second one', async () => {
    const { admin, accountId, adminToken } = await newKey();
    await scriptStripe({ mode: 'ack-lost' });
    const lost = await post(
      CreateBillingCustomerDocument,
      { email: 'ops@example.com' },
      adminToken,
    );
    expect(reasonOf(lost)).toMatchObject({ reason: 'STRIPE_UNAVAILABLE' });
    const [made] = (await stripeState()).customers.filter(
      (customer) => customer.metadata.memoryrouter_account === accountId,
    );
    expect(made).toBeDefined();
    // Stripe's search shows it a minute later (the fake's clock moved on).
    await fetch('http://fakes.test/_stripe/clock', {
      method: 'POST',
      body: JSON.stringify({ advanceMs: 61_000 }),
    });
    await ageFailedAttempt(accountId);
    expect(
      (await admin.request(CreateBillingCustomerDocument, { email: 'ops@example.com' }))
        .createBillingCustomer.stripeCustomerId,
    ).toBe(made!.id);
    expect(
      (await stripeState()).customers.filter(
        (customer) => customer.metadata.memoryrouter_account === accountId,
      ),
    ).toHaveLength(1);
    expect((await customerCalls()).length).toBe(1);
  });

  it('answers a refused STRIPE_SECRET_KEY as STRIPE_AUTHENTICATION_FAILED in its own words, never Stripe’s', async () => {
    // Before: reason STRIPE_FAILED with Stripe's text, which quotes part of
    // the key and names the Stripe account.
    const { admin, accountId, adminToken } = await newKey();
    for (const status of [401, 403]) {
      await scriptStripe({ status });
      const refused = await post(
        CreateBillingCustomerDocument,
        { email: 'c@example.com' },
        adminToken,
      );
      expect(withoutRequestId(reasonOf(refused)), String(status)).toEqual({
        code: 'UPSTREAM_ERROR',
        reason: 'STRIPE_AUTHENTICATION_FAILED',
      });
      const message = refused.errors![0]!.message;
      expect(message).toBe(
        'Stripe refused STRIPE_SECRET_KEY (authentication failed): the operator must set a valid secret key',
      );
    }
    expect((await admin.request(BillingDocument)).billing.stripeCustomerId).toBeNull();
    // Once the key works, linking works at once (nothing was made).
    const linked = (await admin.request(CreateBillingCustomerDocument, {})).createBillingCustomer
      .stripeCustomerId;
    expect(
      (await stripeState()).customers
        .filter((customer) => customer.metadata.memoryrouter_account === accountId)
        .map((customer) => customer.id),
    ).toEqual([linked]);
  });

  it('answers CONFIGURATION_ERROR naming STRIPE_SECRET_KEY on a deployment without Stripe', async () => {
    // Before: BAD_USER_INPUT / STRIPE_NOT_CONFIGURED, as if the caller were at fault.
    const { accountId, adminToken } = await newKey();
    const response = await worker.fetch(
      new Request(`${BASE_URL}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
        body: JSON.stringify({ query: 'mutation { createBillingCustomer { stripeCustomerId } }' }),
      }) as Request<unknown, IncomingRequestCfProperties>,
      { ...env, STRIPE_SECRET_KEY: '' },
      createExecutionContext(),
    );
    const body = (await response.json()) as {
      data: unknown;
      errors: { message: string; extensions: Record<string, unknown> }[];
    };
    expect(body.data).toBeNull();
    expect(body.errors[0]!.extensions).toEqual({
      code: 'CONFIGURATION_ERROR',
      reason: 'STRIPE_NOT_CONFIGURED',
      variables: ['STRIPE_SECRET_KEY'],
      requestId: expect.stringMatching(/^mrq_/),
    });
    expect(body.errors[0]!.message).toContain('STRIPE_SECRET_KEY');
    expect(await customerCalls()).toEqual([]);
    const billing = await account(accountId).billing();
    expect(billing.stripeCustomerId).toBeNull();
  });
});

describe('Stripe webhooks', () => {
  beforeEach(resetFakes);

  const stripe = new Stripe('sk_test_fake', { httpClient: Stripe.createFetchHttpClient() });

  async function deliver(
    event: Record<string, unknown>,
    options: { timestamp?: number; tamper?: boolean } = {},
  ) {
    const payload = JSON.stringify(event);
    const header = await stripe.webhooks.generateTestHeaderStringAsync({
      payload,
      secret: 'whsec_test_secret',
      ...(options.timestamp ? { timestamp: options.timestamp } : {}),
    });
    const response = await workerFetch(`${BASE_URL}/stripe/webhook`, {
      method: 'POST',
      headers: { 'stripe-signature': header, 'content-type': 'application/json' },
      body: options.tamper ? payload.replace('past_due', 'active') : payload,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  const subscriptionEvent = (id: string, customer: string, status: string, created: number) => ({
    id,
    object: 'event',
    type: 'customer.subscription.updated',
    created,
    data: { object: { id: 'sub_1', object: 'subscription', customer, status } },
  });

  it('suspends and restores an account; a suspended key can still read its data', async () => {
    const { api, admin, secret } = await newKey();
    await api.request(StoreMemoryDocument, { input: { content: 'kept while suspended' } });
    const customer = (await admin.request(CreateBillingCustomerDocument, {})).createBillingCustomer
      .stripeCustomerId!;
    const now = Math.floor(Date.now() / 1000);

    expect(await deliver(subscriptionEvent('evt_1', customer, 'past_due', now))).toEqual({
      status: 200,
      body: { received: true, applied: true },
    });
    expect((await admin.request(BillingDocument)).billing.status).toBe('SUSPENDED');
    expect(codes(await post(StoreMemoryDocument, { input: { content: 'x' } }, secret))).toEqual([
      'PAYMENT_REQUIRED',
    ]);
    expect(codes(await post(SearchDocument, { input: { query: 'kept' } }, secret))).toEqual([
      'PAYMENT_REQUIRED',
    ]);
    // The drop-in routes' calls passed through without memory are refused
    // too (docs/billing.md): the service is suspended, not only its metering.
    const embeddings = await workerFetch(`${BASE_URL}/v1/embeddings`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${secret}`,
        'content-type': 'application/json',
        'x-provider-key': 'sk-test-provider-key',
      },
      body: JSON.stringify({ model: 'text-embedding-3-small', input: 'hello' }),
    });
    expect(embeddings.status).toBe(402);
    expect(((await embeddings.json()) as { error: unknown }).error).toMatchObject({
      code: 'PAYMENT_REQUIRED',
      reason: 'ACCOUNT_SUSPENDED',
    });
    const models = await workerFetch(`${BASE_URL}/v1/models`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(models.status).toBe(200);
    await models.body?.cancel();
    const read = await api.request(GetVaultDocument, { selector: { kind: 'CORE' }, first: 10 });
    expect(read.vault!.memories.edges.map((edge) => edge.node.content)).toEqual([
      'kept while suspended',
    ]);

    // A redelivery changes nothing; an older event does not undo a newer one.
    expect(
      (await deliver(subscriptionEvent('evt_1', customer, 'past_due', now))).body.applied,
    ).toBe(false);
    expect(
      (await deliver(subscriptionEvent('evt_0', customer, 'active', now - 60))).body.applied,
    ).toBe(false);
    expect((await admin.request(BillingDocument)).billing.status).toBe('SUSPENDED');

    const paid = {
      id: 'evt_2',
      object: 'event',
      type: 'invoice.paid',
      created: now + 1,
      data: { object: { id: 'in_1', object: 'invoice', customer } },
    };
    expect((await deliver(paid)).body.applied).toBe(true);
    expect((await admin.request(BillingDocument)).billing.status).toBe('ACTIVE');
    expect(
      codes(await post(StoreMemoryDocument, { input: { content: 'back in business' } }, secret)),
    ).toEqual([]);
  });

  it('restores an account whose subscription is active or trialing again', async () => {
    const { admin } = await newKey();
    const customer = (await admin.request(CreateBillingCustomerDocument, {})).createBillingCustomer
      .stripeCustomerId!;
    const now = Math.floor(Date.now() / 1000);
    for (const [i, status] of (['active', 'trialing'] as const).entries()) {
      const lapsed = subscriptionEvent(`evt_lapse_${i}`, customer, 'unpaid', now + 2 * i);
      expect((await deliver(lapsed)).body.applied).toBe(true);
      expect((await admin.request(BillingDocument)).billing.status).toBe('SUSPENDED');
      const back = subscriptionEvent(`evt_back_${i}`, customer, status, now + 2 * i + 1);
      expect((await deliver(back)).body.applied, status).toBe(true);
      expect((await admin.request(BillingDocument)).billing.status, status).toBe('ACTIVE');
    }
  });

  it('keeps a cancelled subscription suspended when its final invoice is paid afterwards', async () => {
    // Before: the invoice.paid of the final (metered) invoice, newer than
    // customer.subscription.deleted, made the account ACTIVE again.
    const { admin, secret } = await newKey();
    const customer = (await admin.request(CreateBillingCustomerDocument, {})).createBillingCustomer
      .stripeCustomerId!;
    const now = Math.floor(Date.now() / 1000);
    const invoiceEvent = (id: string, type: string, created: number) => ({
      id,
      object: 'event',
      type,
      created,
      data: { object: { id: `in_${id}`, object: 'invoice', customer } },
    });
    const deleted = {
      ...subscriptionEvent('evt_cancel', customer, 'canceled', now),
      type: 'customer.subscription.deleted',
    };
    expect((await deliver(deleted)).body.applied).toBe(true);
    expect(await deliver(invoiceEvent('evt_final_paid', 'invoice.paid', now + 1))).toEqual({
      status: 200,
      body: {
        received: true,
        applied: false,
        reason: 'the subscription ended or paused: only a subscription event restores the account',
      },
    });
    expect((await admin.request(BillingDocument)).billing.status).toBe('SUSPENDED');
    expect(codes(await post(StoreMemoryDocument, { input: { content: 'x' } }, secret))).toEqual([
      'PAYMENT_REQUIRED',
    ]);
    // A failed invoice on top does not turn it into an invoice's suspension.
    await deliver(invoiceEvent('evt_failed', 'invoice.payment_failed', now + 2));
    expect(
      (await deliver(invoiceEvent('evt_paid', 'invoice.payment_succeeded', now + 3))).body,
    ).toMatchObject({ applied: false });
    expect((await admin.request(BillingDocument)).billing.status).toBe('SUSPENDED');
    // A new subscription restores it; from then, a paid invoice lifts what a failed one did.
    const renewed = {
      ...subscriptionEvent('evt_renew', customer, 'active', now + 4),
      type: 'customer.subscription.created',
    };
    expect((await deliver(renewed)).body.applied).toBe(true);
    expect((await admin.request(BillingDocument)).billing.status).toBe('ACTIVE');
    await deliver(invoiceEvent('evt_failed_2', 'invoice.payment_failed', now + 5));
    expect((await admin.request(BillingDocument)).billing.status).toBe('SUSPENDED');
    expect((await deliver(invoiceEvent('evt_paid_2', 'invoice.paid', now + 6))).body.applied).toBe(
      true,
    );
    expect((await admin.request(BillingDocument)).billing.status).toBe('ACTIVE');
  });

  it('says why an acknowledged event changed nothing: a replay, an older event, an event about nothing', async () => {
    // Before: these answered {received: true, applied: false} with no reason.
    const { admin } = await newKey();
    const customer = (await admin.request(CreateBillingCustomerDocument, {})).createBillingCustomer
      .stripeCustomerId!;
    const now = Math.floor(Date.now() / 1000);
    const ignored = (reason: string) => ({
      status: 200,
      body: { received: true, applied: false, reason },
    });
    const lapsed = subscriptionEvent('evt_why_1', customer, 'past_due', now);
    expect((await deliver(lapsed)).body).toEqual({ received: true, applied: true });
    expect(await deliver(lapsed)).toEqual(ignored('the event was received before'));
    expect(await deliver(subscriptionEvent('evt_why_0', customer, 'active', now - 60))).toEqual(
      ignored('a newer event was applied already'),
    );
    expect(await deliver(subscriptionEvent('evt_why_2', customer, 'incomplete', now + 1))).toEqual(
      ignored("the event says nothing about the account's standing"),
    );
    expect(
      await deliver({
        id: 'evt_why_3',
        object: 'event',
        type: 'customer.created',
        created: now + 2,
        data: { object: { id: customer, object: 'customer' } },
      }),
    ).toEqual(ignored("the event says nothing about the account's standing"));
    expect(
      await deliver({
        id: 'evt_why_4',
        object: 'event',
        type: 'invoice.paid',
        created: now + 3,
        data: { object: { id: 'in_nobody', object: 'invoice', customer: null } },
      }),
    ).toEqual(ignored('the event names no customer'));
    expect((await admin.request(BillingDocument)).billing.status).toBe('SUSPENDED');
  });

  it('refuses tampered, stale and unsigned deliveries', async () => {
    const { admin } = await newKey();
    const customer = (await admin.request(CreateBillingCustomerDocument, {})).createBillingCustomer
      .stripeCustomerId!;
    const event = subscriptionEvent('evt_t', customer, 'past_due', Math.floor(Date.now() / 1000));
    expect((await deliver(event, { tamper: true })).status).toBe(400);
    expect(
      (await deliver(event, { timestamp: Math.floor(Date.now() / 1000) - 3_600 })).status,
    ).toBe(400);
    const unsigned = await workerFetch(`${BASE_URL}/stripe/webhook`, {
      method: 'POST',
      body: JSON.stringify(event),
    });
    expect(unsigned.status).toBe(400);
    expect((await admin.request(BillingDocument)).billing.status).toBe('ACTIVE');
  });

  it('refuses a signed delivery that is not a whole event as BAD_USER_INPUT, changing nothing', async () => {
    const { admin } = await newKey();
    const customer = (await admin.request(CreateBillingCustomerDocument, {})).createBillingCustomer
      .stripeCustomerId!;
    const now = Math.floor(Date.now() / 1000);
    const signedRaw = async (payload: string) => {
      const header = await stripe.webhooks.generateTestHeaderStringAsync({
        payload,
        secret: 'whsec_test_secret',
      });
      const response = await workerFetch(`${BASE_URL}/stripe/webhook`, {
        method: 'POST',
        headers: { 'stripe-signature': header, 'content-type': 'application/json' },
        body: payload,
      });
      return { status: response.status, body: (await response.json()) as { error: unknown } };
    };
    const withoutData: Record<string, unknown> = subscriptionEvent(
      'evt_nodata',
      customer,
      'x',
      now,
    );
    delete withoutData.data;
    for (const payload of [
      JSON.stringify(withoutData),
      JSON.stringify({ ...withoutData, data: null }),
      JSON.stringify({ ...withoutData, data: { object: 'sub_1' } }),
      JSON.stringify({ ...withoutData, type: 42 }),
      '[]',
      'null',
    ]) {
      expect(await signedRaw(payload), payload).toEqual({
        status: 400,
        body: {
          error: expect.objectContaining({ code: 'BAD_USER_INPUT', reason: 'INVALID_EVENT' }),
        },
      });
    }
    // Signed but not JSON: the signature is right, the body is what is wrong.
    expect(await signedRaw('{"id": "evt_cut", "type": "invoice.pa')).toEqual({
      status: 400,
      body: { error: expect.objectContaining({ code: 'BAD_USER_INPUT', reason: 'INVALID_EVENT' }) },
    });
    expect((await admin.request(BillingDocument)).billing.status).toBe('ACTIVE');
  });

  it('refuses signatures dated ahead of the tolerance, as well as behind it', async () => {
    const { admin } = await newKey();
    const customer = (await admin.request(CreateBillingCustomerDocument, {})).createBillingCustomer
      .stripeCustomerId!;
    const now = Math.floor(Date.now() / 1000);
    const event = subscriptionEvent('evt_future', customer, 'past_due', now);
    // Before: a signature from ten years ahead was accepted.
    expect((await deliver(event, { timestamp: now + 3_600 })).status).toBe(400);
    expect((await deliver(event, { timestamp: now + 10 * 365 * 86_400 })).status).toBe(400);
    expect((await admin.request(BillingDocument)).billing.status).toBe('ACTIVE');
    expect((await deliver(event, { timestamp: now + 60 })).body.applied).toBe(true);
  });

  it('answers a failed customer lookup with a 503 and no stack, so Stripe retries', async () => {
    const { admin } = await newKey();
    const customer = (await admin.request(CreateBillingCustomerDocument, {})).createBillingCustomer
      .stripeCustomerId!;
    const event = subscriptionEvent('evt_r', customer, 'past_due', Math.floor(Date.now() / 1000));
    await scriptStripe({ status: 500 });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      // Before: a 500 with a stack trace.
      const failed = await deliver(event);
      expect(failed).toEqual({
        status: 503,
        body: {
          error: {
            code: 'UPSTREAM_ERROR',
            reason: 'STRIPE_UNAVAILABLE',
            message: 'could not look up the customer in Stripe; retry later',
          },
        },
      });
      expect(logged.mock.calls.flat().join(' ')).toContain(
        'stripe webhook: customer lookup failed',
      );
    } finally {
      logged.mockRestore();
    }
    expect((await admin.request(BillingDocument)).billing.status).toBe('ACTIVE');
    expect(await deliver(event)).toEqual({ status: 200, body: { received: true, applied: true } });
    expect((await admin.request(BillingDocument)).billing.status).toBe('SUSPENDED');
  });

  it('ignores events about a deleted customer', async () => {
    const { admin } = await newKey();
    const customer = (await admin.request(CreateBillingCustomerDocument, {})).createBillingCustomer
      .stripeCustomerId!;
    await stripe.customers.del(customer);
    const event = subscriptionEvent('evt_d', customer, 'canceled', Math.floor(Date.now() / 1000));
    expect(await deliver(event)).toEqual({
      status: 200,
      body: { received: true, applied: false, reason: 'the customer was deleted' },
    });
    expect((await admin.request(BillingDocument)).billing.status).toBe('ACTIVE');
  });

  it('acknowledges and ignores an event about a customer Stripe does not know', async () => {
    // Before: 503 STRIPE_UNAVAILABLE, so Stripe retried it for days.
    const { admin } = await newKey();
    await admin.request(CreateBillingCustomerDocument, {});
    const event = subscriptionEvent(
      'evt_unknown',
      'cus_unknown',
      'canceled',
      Math.floor(Date.now() / 1000),
    );
    expect(await deliver(event)).toEqual({
      status: 200,
      body: { received: true, applied: false, reason: 'no such customer in Stripe' },
    });
    expect((await admin.request(BillingDocument)).billing.status).toBe('ACTIVE');
  });

  it('ignores events about a customer naming the account that is not its linked one', async () => {
    // Before: a signed subscription.deleted for an abandoned customer whose
    // metadata still named the account suspended it.
    const { admin, accountId } = await newKey();
    const linked = (await admin.request(CreateBillingCustomerDocument, {})).createBillingCustomer
      .stripeCustomerId!;
    const other = await stripe.customers.create({ metadata: { memoryrouter_account: accountId } });
    expect(other.id).not.toBe(linked);
    const now = Math.floor(Date.now() / 1000);
    const deleted = {
      id: 'evt_other',
      object: 'event',
      type: 'customer.subscription.deleted',
      created: now,
      data: {
        object: { id: 'sub_9', object: 'subscription', customer: other.id, status: 'canceled' },
      },
    };
    expect(await deliver(deleted)).toEqual({
      status: 200,
      body: {
        received: true,
        applied: false,
        reason: 'the customer is not the one linked to its account',
      },
    });
    expect((await admin.request(BillingDocument)).billing).toMatchObject({
      status: 'ACTIVE',
      stripeCustomerId: linked,
    });
    // The linked customer's events still apply.
    expect(
      (
        await deliver({
          ...deleted,
          id: 'evt_linked',
          data: { object: { ...deleted.data.object, customer: linked } },
        })
      ).body,
    ).toEqual({ received: true, applied: true });
    expect((await admin.request(BillingDocument)).billing.status).toBe('SUSPENDED');
  });

  it('answers GET with 405 naming POST', async () => {
    const response = await workerFetch(`${BASE_URL}/stripe/webhook`);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(await response.json()).toEqual({
      error: expect.objectContaining({ code: 'BAD_USER_INPUT', reason: 'METHOD_NOT_ALLOWED' }),
    });
  });

  it('answers 503 on a deployment without Stripe keys, and 413 over the body limit', async () => {
    const event = JSON.stringify(subscriptionEvent('evt_n', 'cus_x', 'active', 1));
    const unconfigured = await stripeWebhookRoute({
      request: new Request(`${BASE_URL}/stripe/webhook`, {
        method: 'POST',
        headers: { 'stripe-signature': 't=1,v1=x' },
        body: event,
      }),
      env: { ...env, STRIPE_SECRET_KEY: '', STRIPE_WEBHOOK_SECRET: '' },
      ctx: createExecutionContext(),
      params: {},
      principal: null,
      authError: null,
      providerKey: null,
      timings: new PhaseTimings(),
    });
    expect(unconfigured.status).toBe(503);
    expect(await unconfigured.json()).toEqual({
      error: {
        code: 'CONFIGURATION_ERROR',
        reason: 'STRIPE_NOT_CONFIGURED',
        message: 'Stripe webhooks are not configured on this deployment',
        variables: ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'],
      },
    });
    // One missing: only that one is named (before: both, whichever was missing).
    for (const [vars, missing] of [
      [{ STRIPE_WEBHOOK_SECRET: '' }, 'STRIPE_WEBHOOK_SECRET'],
      [{ STRIPE_SECRET_KEY: '' }, 'STRIPE_SECRET_KEY'],
    ] as const) {
      const half = await stripeWebhookRoute({
        request: new Request(`${BASE_URL}/stripe/webhook`, {
          method: 'POST',
          headers: { 'stripe-signature': 't=1,v1=x' },
          body: event,
        }),
        env: { ...env, ...vars },
        ctx: createExecutionContext(),
        params: {},
        principal: null,
        authError: null,
        providerKey: null,
        timings: new PhaseTimings(),
      });
      expect(half.status, missing).toBe(503);
      expect(((await half.json()) as { error: { variables: string[] } }).error.variables).toEqual([
        missing,
      ]);
    }

    const huge = JSON.stringify({ padding: 'x'.repeat(Number(env.MAX_REQUEST_BYTES)) });
    const response = await workerFetch(`${BASE_URL}/stripe/webhook`, {
      method: 'POST',
      headers: { 'stripe-signature': 't=1,v1=x' },
      body: huge,
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      error: {
        code: 'PAYLOAD_TOO_LARGE',
        reason: 'BODY_TOO_LARGE',
        message: `request body is larger than the limit of ${env.MAX_REQUEST_BYTES} bytes`,
      },
    });
  });
});
