import { env } from 'cloudflare:workers';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { MeDocument } from '../generated/graphql';
import { BASE_URL, codes, newKey, post, workerFetch } from '../helpers/graphql';
import { useWorkerVars } from '../helpers/worker-vars';

// The Worker runs with ENVIRONMENT = "production" for each test here
// (useWorkerVars, in the development project: the Worker reads ENVIRONMENT
// per request, and nothing else here differs from development).
useWorkerVars({ ENVIRONMENT: 'production' });

describe('production policy', () => {
  const introspection = '{ __schema { queryType { name } } }';

  it('refuses introspection without credentials', async () => {
    expect(codes(await post(introspection))).toEqual(['UNAUTHENTICATED']);
    const typeQuery = await post('{ __type(name: "Memory") { name } }');
    expect(codes(typeQuery)).toEqual(['UNAUTHENTICATED']);
    expect(typeQuery.errors![0]!.extensions).toMatchObject({ reason: expect.any(String) });
  });

  it('refuses introspection with a bad credential for that credential’s own reason, as other fields do', async () => {
    const { accountId, secret } = await newKey();
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(accountId)
      .setIssuedAt(Math.floor(Date.now() / 1000) - 3_600)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(env.ADMIN_JWT_SECRET));
    const unknownKey = `${secret.slice(0, secret.lastIndexOf('.'))}.${'A'.repeat(43)}`;
    const credentials: [string, string][] = [
      // Before: all three answered NO_CREDENTIAL, "introspection needs credentials".
      [expired, 'ADMIN_TOKEN_EXPIRED'],
      [unknownKey, 'KEY_UNKNOWN'],
      ['mk_bad.x', 'MALFORMED_CREDENTIAL'],
      ['not-a-token', 'MALFORMED_CREDENTIAL'],
      ['aaa.bbb.ccc', 'ADMIN_TOKEN_INVALID'],
    ];
    for (const [token, reason] of credentials) {
      const refused = await post(introspection, {}, token);
      expect(refused.errors, token).toEqual([
        {
          message: expect.any(String),
          extensions: {
            code: 'UNAUTHENTICATED',
            reason,
            requestId: expect.stringMatching(/^mrq_/),
          },
        },
      ]);
      expect(refused.data, token).toBeUndefined();
      // The same reason a field that needs a credential gives for it.
      const field = await post('{ memoryKeys { id } }', {}, token);
      expect(field.errors?.[0]?.extensions, token).toEqual({
        code: 'UNAUTHENTICATED',
        reason,
        requestId: expect.stringMatching(/^mrq_/),
      });
    }
    const none = await post(introspection);
    expect(none.errors?.[0]?.extensions).toEqual({
      code: 'UNAUTHENTICATED',
      reason: 'NO_CREDENTIAL',
      requestId: expect.stringMatching(/^mrq_/),
    });
    expect(none.errors?.[0]?.message).toMatch(/memory key .* or an admin token/);
  });

  it('answers a refused introspection 401 under graphql-response+json, 200 under application/json', async () => {
    // Before: 200 for both, though the answer has no `data`.
    for (const [accept, status] of [
      ['application/graphql-response+json', 401],
      ['application/json', 200],
    ] as const) {
      for (const authorization of [undefined, 'Bearer mk_bad.x']) {
        const response = await workerFetch(`${BASE_URL}/graphql`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept,
            ...(authorization ? { authorization } : {}),
          },
          body: JSON.stringify({ query: introspection }),
        });
        expect(response.status, `${accept} ${authorization}`).toBe(status);
        const body = (await response.json()) as { errors: { extensions: object }[] };
        expect(Object.keys(body)).toEqual(['errors']);
        expect(body.errors[0]!.extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
      }
    }
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
        requestId: expect.stringMatching(/^mrq_/),
      });
      expect(body.errors[0]!.message).toMatch(/POST \/graphql/);
    }
    // A browser's GET that carries a query (a shared GraphiQL link) passes the
    // route's check, which looks for a page request without one: Yoga itself
    // must serve no page either, and answer the query in GraphQL's shape.
    const link = await workerFetch(
      `${BASE_URL}/graphql?query=${encodeURIComponent('{ __typename }')}`,
      {
        headers: { accept: 'text/html,application/json;q=0.9' },
      },
    );
    expect(link.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
    expect(await link.json()).toEqual({ data: { __typename: 'Query' } });
    // A GET without a query from a client that takes JSON: a 400 saying what is missing.
    const missing = await workerFetch(`${BASE_URL}/graphql`, {
      headers: { accept: 'application/json' },
    });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({
      errors: [
        {
          message: 'Must provide query string.',
          extensions: {
            code: 'BAD_USER_INPUT',
            reason: 'BAD_REQUEST',
            requestId: expect.stringMatching(/^mrq_/),
          },
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
