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

  it('serves no GraphiQL page', async () => {
    const response = await workerFetch(`${BASE_URL}/graphql`, { headers: { accept: 'text/html' } });
    expect(await response.text()).not.toMatch(/graphiql/i);
  });
});
