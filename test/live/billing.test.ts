import { SignJWT } from 'jose';
import { describe, expect, inject, it } from 'vitest';

// Billing end to end under `wrangler dev`: the Worker's STRIPE_API_BASE points
// at the Stripe fake (scripts/fake-stripe.mjs, started by setup/live-worker.ts
// with METER_FLUSH_SECONDS 1), so linking a customer, the meter flush by the
// account's own alarm and the signed webhook run as deployed, offline.

interface GraphQLAnswer<T> {
  data?: T;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
  extensions?: { memory?: { memoryTokens?: number } };
}

async function graphql<T>(
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphQLAnswer<T>> {
  const response = await fetch(`${inject('liveUrl')}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLAnswer<T>;
}

/** The data of an operation that must succeed. */
async function data<T>(token: string, query: string, variables?: Record<string, unknown>) {
  const answer = await graphql<T>(token, query, variables);
  if (answer.errors) throw new Error(JSON.stringify(answer.errors));
  return { data: answer.data!, metered: answer.extensions?.memory?.memoryTokens ?? 0 };
}

const adminToken = (account: string) => {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(account)
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(new TextEncoder().encode(inject('adminSecret')));
};

interface StripeState {
  customers: { id: string; metadata: Record<string, string> }[];
  meterEvents: {
    event_name: string;
    identifier: string;
    payload: { stripe_customer_id: string; value: string };
    timestamp: number;
  }[];
}

async function stripeState(): Promise<StripeState> {
  return (await (await fetch(`${inject('stripeFakeUrl')}/_stripe`)).json()) as StripeState;
}

/** Asks the fake to sign an event (with the Worker's secret unless told) and deliver it. */
async function deliverWebhook(what: {
  type: string;
  customer: string;
  secret?: string;
}): Promise<{ event: { id: string }; delivered: { status: number; body: unknown } }> {
  const response = await fetch(`${inject('stripeFakeUrl')}/_stripe/webhook`, {
    method: 'POST',
    body: JSON.stringify(what),
  });
  return (await response.json()) as {
    event: { id: string };
    delivered: { status: number; body: unknown };
  };
}

/**
 * Polls until `read` answers something `done` accepts; after 30 s (the
 * meter flushes a second after usage reaches the account) fails with the
 * last answer.
 */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`still waiting: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const BILLING = '{ billing { status stripeCustomerId pendingMeterEvents unbilledMemoryTokens } }';

describe('billing under wrangler dev, against the Stripe fake', () => {
  it('links a customer, sends metered usage as meter events once, and takes signed webhooks only', async () => {
    const account = `live-billing-${process.pid}-${Date.now().toString(36)}`;
    const admin = await adminToken(account);
    const { data: created } = await data<{ createMemoryKey: { secret: string } }>(
      admin,
      'mutation { createMemoryKey(name: "live billing") { secret } }',
    );
    const key = created.createMemoryKey.secret;

    // Linking creates the customer in the fake, the account in its metadata.
    const { data: linked } = await data<{ createBillingCustomer: { stripeCustomerId: string } }>(
      admin,
      'mutation { createBillingCustomer(email: "ops@example.com") { stripeCustomerId } }',
    );
    const customer = linked.createBillingCustomer.stripeCustomerId;
    expect(customer).toMatch(/^cus_fake\d+$/);
    expect((await stripeState()).customers).toContainEqual(
      expect.objectContaining({ id: customer, metadata: { memoryrouter_account: account } }),
    );

    // Metered calls: two stores and a search, each saying what it metered.
    let metered = 0;
    let stored = 0;
    for (const content of [
      'The billing rehearsal runs against a local Stripe fake',
      'Meter events carry stable identifiers',
    ]) {
      const answer = await data<{ storeMemory: { tokens: number } }>(
        key,
        'mutation ($content: String!) { storeMemory(input: { content: $content }) { tokens } }',
        { content },
      );
      stored += answer.data.storeMemory.tokens;
      metered += answer.metered;
    }
    const searched = await data<{ search: { memoryTokens: number } }>(
      key,
      '{ search(input: { query: "billing rehearsal" }) { memoryTokens } }',
    );
    metered += searched.metered;
    expect(stored).toBeGreaterThan(0);
    expect(searched.data.search.memoryTokens).toBeGreaterThan(0);
    expect(metered).toBe(stored + searched.data.search.memoryTokens);

    // The account's alarm seals the usage into meter events and sends them:
    // wait until the fake holds all of it and the account has nothing left.
    const ours = (state: StripeState) =>
      state.meterEvents.filter((event) => event.payload.stripe_customer_id === customer);
    const sum = (state: StripeState) =>
      ours(state).reduce((total, event) => total + Number(event.payload.value), 0);
    await until(stripeState, (state) => sum(state) >= metered);
    const billing = await until(
      async () =>
        (
          await data<{ billing: { pendingMeterEvents: number; unbilledMemoryTokens: number } }>(
            admin,
            BILLING,
          )
        ).data.billing,
      (state) => state.pendingMeterEvents === 0 && state.unbilledMemoryTokens === 0,
    );
    expect(billing).toMatchObject({ status: 'ACTIVE', stripeCustomerId: customer });
    const { data: usage } = await data<{ usage: { memoryTokens: number } }>(
      admin,
      '{ usage { memoryTokens } }',
    );
    expect(usage.usage.memoryTokens).toBe(metered);
    // Every token once: the fake keeps every event it accepted, so a double send shows.
    const events = ours(await stripeState());
    expect(events.reduce((total, event) => total + Number(event.payload.value), 0)).toBe(metered);
    expect(new Set(events.map((event) => event.identifier)).size).toBe(events.length);
    for (const event of events) {
      expect(event.event_name).toBe('memory_tokens');
      expect(event.identifier).toMatch(/^mr_[A-Za-z0-9_-]+_\d+$/);
      expect(Math.abs(event.timestamp - Date.now() / 1000)).toBeLessThan(600);
    }

    // A webhook signed with another secret is refused, coded, and changes nothing.
    const forged = await deliverWebhook({
      type: 'invoice.payment_failed',
      customer,
      secret: 'whsec_not_the_workers',
    });
    expect(forged.delivered).toMatchObject({
      status: 400,
      body: { error: { code: 'BAD_USER_INPUT', reason: 'INVALID_SIGNATURE' } },
    });
    expect((await data<{ billing: { status: string } }>(admin, BILLING)).data.billing.status).toBe(
      'ACTIVE',
    );

    // Signed with the Worker's secret, it is applied: the account is suspended,
    // and its key's metered calls are refused.
    const failed = await deliverWebhook({ type: 'invoice.payment_failed', customer });
    expect(failed.delivered).toEqual({ status: 200, body: { received: true, applied: true } });
    expect((await data<{ billing: { status: string } }>(admin, BILLING)).data.billing.status).toBe(
      'SUSPENDED',
    );
    const refused = await graphql(
      key,
      'mutation { storeMemory(input: { content: "not while suspended" }) { tokens } }',
    );
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: 'PAYMENT_REQUIRED',
      reason: 'ACCOUNT_SUSPENDED',
    });

    const paid = await deliverWebhook({ type: 'invoice.paid', customer });
    expect(paid.delivered).toEqual({ status: 200, body: { received: true, applied: true } });
    expect((await data<{ billing: { status: string } }>(admin, BILLING)).data.billing.status).toBe(
      'ACTIVE',
    );
  });
});
