import { describe, expect, it } from 'vitest';
import { MeDocument } from '../generated/graphql';
import { BASE_URL, codes, newKey, post, workerFetch } from '../helpers/graphql';

// This project runs the Worker with ENVIRONMENT = "production".
describe('production policy', () => {
  const introspection = '{ __schema { queryType { name } } }';

  it('refuses introspection without credentials', async () => {
    expect(codes(await post(introspection))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await post('{ __type(name: "Memory") { name } }'))).toEqual(['UNAUTHENTICATED']);
  });

  it('allows introspection with a memory key or an admin token', async () => {
    const { secret, adminToken } = await newKey();
    for (const token of [secret, adminToken]) {
      const result = await post(introspection, {}, token);
      expect(result.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    }
    expect(codes(await post(MeDocument, {}, secret))).toEqual([]);
  });

  it("serves no GraphiQL page: a browser gets GraphQL's own refusal", async () => {
    // Only HTML is acceptable: there is nothing to send (development sends the page).
    const html = await workerFetch(`${BASE_URL}/graphql`, { headers: { accept: 'text/html' } });
    expect(html.status).toBe(406);
    expect(await html.text()).toBe('');
    // A browser's Accept also takes anything: the GraphQL-over-HTTP answer to a GET without a query.
    const browser = await workerFetch(`${BASE_URL}/graphql`, {
      headers: {
        accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
      },
    });
    expect(browser.status).toBe(200); // application/json: errors travel with a 200
    expect(browser.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await browser.json()).toEqual({
      errors: [
        {
          message: 'Must provide query string.',
          extensions: { code: 'BAD_USER_INPUT', reason: 'BAD_REQUEST' },
        },
      ],
    });
  });
});

describe('bench:api:edge diagnostics', () => {
  it('never sends the Worker’s clock (x-debug-epoch) in production, even when asked', async () => {
    const response = await workerFetch(`${BASE_URL}/health`, { headers: { 'x-debug-epoch': '1' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-debug-epoch')).toBeNull();
  });
});
