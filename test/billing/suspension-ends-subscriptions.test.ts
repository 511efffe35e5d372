import { print } from 'graphql';
import Stripe from 'stripe';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  BillingDocument,
  ChatStreamDocument,
  CreateBillingCustomerDocument,
  MemoryEventsDocument,
  StoreMemoryDocument,
} from '../generated/graphql';
import { eventually, fakeCalls, resetFakes, scriptFake } from '../helpers/fakes';
import { BASE_URL, newKey, workerFetch } from '../helpers/graphql';
import { usageTokens } from '../helpers/drop-in';
import { chatSseClient } from '../helpers/graphql-chat';

const stripe = new Stripe('sk_test_fake', { httpClient: Stripe.createFetchHttpClient() });

/** Suspends the key's account as Stripe does: a signed subscription.updated (past_due). */
async function suspendThroughStripe(admin: Awaited<ReturnType<typeof newKey>>['admin']) {
  const customer = (await admin.request(CreateBillingCustomerDocument, {})).createBillingCustomer
    .stripeCustomerId!;
  const payload = JSON.stringify({
    id: `evt_suspend_${customer}`,
    object: 'event',
    type: 'customer.subscription.updated',
    created: Math.floor(Date.now() / 1000),
    data: { object: { id: 'sub_1', object: 'subscription', customer, status: 'past_due' } },
  });
  const header = await stripe.webhooks.generateTestHeaderStringAsync({
    payload,
    secret: 'whsec_test_secret',
  });
  const response = await workerFetch(`${BASE_URL}/stripe/webhook`, {
    method: 'POST',
    headers: { 'stripe-signature': header, 'content-type': 'application/json' },
    body: payload,
  });
  expect(await response.json()).toEqual({ received: true, applied: true });
  expect((await admin.request(BillingDocument)).billing.status).toBe('SUSPENDED');
}

const SUSPENDED = expect.objectContaining({
  extensions: expect.objectContaining({ code: 'PAYMENT_REQUIRED', reason: 'ACCOUNT_SUSPENDED' }),
});

describe('a billing suspension ends the account’s open subscriptions', () => {
  beforeEach(resetFakes);

  it('memoryEvents and a streaming chat end with PAYMENT_REQUIRED / ACCOUNT_SUSPENDED, and the chat’s provider call stops', async () => {
    // Before: both stayed open for good (a revoked key ended memoryEvents only).
    // The check runs every STANDING_CHECK_MS (a second in the tests, 15 s in
    // production; test/standing-watch.test.ts covers the rules and the bound).
    const { secret, api, admin } = await newKey();
    await api.request(StoreMemoryDocument, { input: { content: 'seen before suspension' } });
    const billedBefore = await usageTokens({ secret });
    // The provider keeps the chat open (text-less events) until it is cancelled.
    await scriptFake({ host: 'api.openai.com', mode: 'trickle' });
    const client = chatSseClient(secret);
    try {
      const events = client.iterate({
        query: print(MemoryEventsDocument),
        variables: { vault: { kind: 'CORE' }, lastEventId: '0' },
      });
      expect((await events.next()).value?.data).toMatchObject({
        memoryEvents: { content: 'seen before suspension' },
      });
      const chat = client.iterate({
        query: print(ChatStreamDocument),
        variables: {
          input: {
            model: 'openai/gpt-4o',
            messages: [{ role: 'USER', content: 'what was seen before suspension?' }],
          },
        },
      });
      expect((await chat.next()).value?.data).toMatchObject({
        chat: { delta: expect.stringContaining('Fake'), done: false },
      });

      await suspendThroughStripe(admin);

      const [eventsEnd, chatEnd] = await Promise.all([events.next(), chat.next()]);
      expect(eventsEnd.value?.errors).toEqual([SUSPENDED]);
      expect(chatEnd.value?.errors).toEqual([SUSPENDED]);
      // The memory injected was billed, and the error says how much (review275
      // F3; before: no extensions.memory on it).
      const receipt = chatEnd.value?.extensions?.memory as { memoryTokens: number } | undefined;
      expect(receipt?.memoryTokens).toBeGreaterThan(0);
      await eventually(async () =>
        expect(await usageTokens({ secret })).toBe(billedBefore + receipt!.memoryTokens),
      );
      expect((await events.next()).done).toBe(true);
      expect((await chat.next()).done).toBe(true);
      await eventually(async () => {
        const calls = (await fakeCalls()).filter((call) => call.host === 'api.openai.com');
        expect(calls.map((call) => call.cancelled)).toEqual([true]);
      });

      // Nor can a suspended account open a new one (reading its data still works).
      const again = await client
        .iterate({
          query: print(MemoryEventsDocument),
          variables: { vault: { kind: 'CORE' }, lastEventId: '0' },
        })
        .next();
      expect(again.value?.errors).toEqual([SUSPENDED]);
    } finally {
      client.dispose();
    }
  });
});
