import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import worker from '../src/index';
import { stripeClient } from '../src/billing/stripe';
import { configurationProblems } from '../src/core/config-check';
import { fakeCalls, resetFakes } from './helpers/fakes';
import { BASE_URL } from './helpers/graphql';

describe('STRIPE_API_BASE', () => {
  beforeEach(resetFakes);

  it('sends the Stripe SDK’s calls to the origin it names, and to api.stripe.com by default', async () => {
    // Before: the SDK's default host whatever the deployment said, so a local
    // fake could not stand in for Stripe under `wrangler dev`.
    const local = await stripeClient({ ...env, STRIPE_API_BASE: 'http://stripe.local.test:12111' });
    const customer = await local!.customers.create({ email: 'local@example.com' });
    expect(customer.id).toMatch(/^cus_fake/);
    const byDefault = await stripeClient({ ...env, STRIPE_API_BASE: '' });
    await byDefault!.customers.retrieve(customer.id);
    const shipped = await stripeClient(env);
    await shipped!.customers.retrieve(customer.id);
    expect((await fakeCalls()).map((call) => `${call.host}${call.path}`)).toEqual([
      'stripe.local.test:12111/v1/customers',
      `api.stripe.com/v1/customers/${customer.id}`,
      `api.stripe.com/v1/customers/${customer.id}`,
    ]);
  });

  it('must be an http(s) origin: anything else is the coded configuration problem of the other base URLs', () => {
    const vars = {
      ...env,
      KEY_HMAC_SECRET: 'a-long-enough-secret',
      ADMIN_JWT_SECRET: 'another-long-secret',
      ENVIRONMENT: 'development',
      VAULT_MAX_MEMORIES: '40000',
    };
    for (const good of ['https://api.stripe.com', 'http://127.0.0.1:12111', 'http://[::1]:9112/'])
      expect(configurationProblems({ ...vars, STRIPE_API_BASE: good }), good).toEqual([]);
    expect(configurationProblems({ ...vars, STRIPE_API_BASE: 'api.stripe.com' })).toEqual([
      {
        variable: 'STRIPE_API_BASE',
        problem: 'must be an http(s) URL',
        reason: 'STRIPE_API_BASE_INVALID',
      },
    ]);
    // The SDK adds /v1/ itself and has no place for a path: it would be dropped.
    for (const withPath of [
      'http://127.0.0.1:12111/v1',
      'https://api.stripe.com/?mode=test',
      'https://user:pass@api.stripe.com',
    ]) {
      expect(configurationProblems({ ...vars, STRIPE_API_BASE: withPath }), withPath).toEqual([
        {
          variable: 'STRIPE_API_BASE',
          problem: 'must be an http(s) origin, without a path (the Stripe SDK adds /v1/)',
          reason: 'STRIPE_API_BASE_INVALID',
        },
      ]);
    }
  });

  it('answers every request 503 CONFIGURATION_ERROR while it is not one, naming it, never its value', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const response = await worker.fetch(
      new Request(`${BASE_URL}/stripe/webhook`, {
        method: 'POST',
        body: '{}',
      }) as Request<unknown, IncomingRequestCfProperties>,
      { ...env, STRIPE_API_BASE: 'stripe-fake.internal:12111/v1' },
      createExecutionContext(),
    );
    const log = logged.mock.calls.flat().join(' ');
    logged.mockRestore();
    expect(log).toContain('configuration error: STRIPE_API_BASE must be an http(s) URL');
    expect(response.status).toBe(503);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({
      error: {
        code: 'CONFIGURATION_ERROR',
        reason: 'STRIPE_API_BASE_INVALID',
        variables: ['STRIPE_API_BASE'],
      },
    });
    expect(text + log).not.toContain('stripe-fake.internal');
  });
});
