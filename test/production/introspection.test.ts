import { describe, expect, it } from 'vitest';
import { MeDocument } from '../generated/graphql';
import { BASE_URL, codes, newKey, post, workerFetch } from '../helpers/graphql';

// This project runs the Worker with ENVIRONMENT = "production".
describe('production policy', () => {
  const introspection = '{ __schema { queryType { name } } }';

  it('refuses introspection without credentials', async () => {
    expect(codes(await post(introspection))).toEqual(['UNAUTHENTICATED']);
    const typeQuery = await post('{ __type(name: "Memory") { name } }');
    expect(codes(typeQuery)).toEqual(['UNAUTHENTICATED']);
    expect(typeQuery.errors![0]!.extensions).toMatchObject({ reason: expect.any(String) });
  });

  it('suggests no names of the hidden schema: fields, enum values, types', async () => {
    const inline = await post(
      '{ search(input: { query: "pin", mode: FULLTEXT }) { memoryTokens } }',
    );
    const variable = await post(
      'query ($mode: SearchMode) { search(input: { query: "pin", mode: $mode }) { memoryTokens } }',
      { mode: 'FULLTEXT' },
    );
    const field = await post('{ serch(input: { query: "pin" }) { memoryTokens } }');
    const type = await post('query ($mode: SearchMod) { me { id } }', { mode: 'TEXT' });
    for (const result of [inline, variable, field, type]) {
      expect(new Set(codes(result))).toEqual(new Set(['BAD_USER_INPUT']));
      const messages = result.errors!.map((error) => error.message).join('\n');
      expect(messages).not.toMatch(/did you mean|"TEXT"|"search"|"SearchMode"\?/i);
    }
    expect(inline.errors![0]!.message).toMatch(/FULLTEXT/);
  });

  it('allows introspection with a memory key or an admin token', async () => {
    const { secret, adminToken } = await newKey();
    for (const token of [secret, adminToken]) {
      const result = await post(introspection, {}, token);
      expect(result.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    }
    expect(codes(await post(MeDocument, {}, secret))).toEqual([]);
  });

  it('serves no GraphiQL page: a browser is told so, coded, in GraphQL’s shape', async () => {
    for (const accept of [
      'text/html',
      'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
    ]) {
      const page = await workerFetch(`${BASE_URL}/graphql`, { headers: { accept } });
      expect(page.status, accept).toBe(404);
      expect(page.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await page.json()) as {
        errors: { message: string; extensions: Record<string, unknown> }[];
      };
      expect(body.errors[0]!.extensions).toEqual({
        code: 'NOT_FOUND',
        reason: 'GRAPHIQL_DISABLED',
      });
      expect(body.errors[0]!.message).toMatch(/POST \/graphql/);
    }
    // A GET without a query from a client that takes JSON: a 400 saying what is missing.
    const missing = await workerFetch(`${BASE_URL}/graphql`, {
      headers: { accept: 'application/json' },
    });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({
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
