import { env } from 'cloudflare:workers';
import { serverAudits } from 'graphql-http';
import { describe, expect, it } from 'vitest';
import { BASE_URL, codes, newKey, post, workerFetch } from './helpers/graphql';

/** A GraphQL POST with a memory key, asking for the answer as `accept`. */
const postAccepting = (secret: string, accept: string, request: unknown) =>
  workerFetch(`${BASE_URL}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${secret}` },
    body: JSON.stringify(request),
  });

describe('GraphQL over HTTP', () => {
  for (const audit of serverAudits({ url: `${BASE_URL}/graphql`, fetchFn: workerFetch })) {
    it(`audit ${audit.id}: ${audit.name}`, async () => {
      const result = await audit.fn();
      expect(result.status, 'reason' in result ? result.reason : '').toBe('ok');
    });
  }

  it('serves GET queries and refuses mutations over GET', async () => {
    const { secret } = await newKey();
    const query = encodeURIComponent('{ me { id } }');
    const get = await workerFetch(`${BASE_URL}/graphql?query=${query}`, {
      headers: { authorization: `Bearer ${secret}`, accept: 'application/graphql-response+json' },
    });
    expect(get.status).toBe(200);
    expect(((await get.json()) as { data: { me: { id: string } } }).data.me.id).toMatch(/^key_/);
    const mutation = encodeURIComponent('mutation { storeMemory(input: { content: "x" }) { id } }');
    const refused = await workerFetch(`${BASE_URL}/graphql?query=${mutation}`, {
      headers: { authorization: `Bearer ${secret}`, accept: 'application/graphql-response+json' },
    });
    expect(refused.status).toBe(405);
  });

  it('refuses GET variables or extensions that are not a JSON object: 400, coded, not an unexpected error', async () => {
    const { secret } = await newKey();
    const query = encodeURIComponent('query($n: Int) { vaults(first: $n) { kind } }');
    for (const [name, value] of [
      ['variables', '{bad'],
      ['variables', '[1]'],
      ['extensions', 'nope'],
    ]) {
      const response = await workerFetch(
        `${BASE_URL}/graphql?query=${query}&${name}=${encodeURIComponent(value!)}`,
        { headers: { authorization: `Bearer ${secret}` } },
      );
      expect(response.status, `${name}=${value}`).toBe(400);
      const body = (await response.json()) as { errors: { message: string; extensions: object }[] };
      expect(body.errors[0]!.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'INVALID_JSON',
      });
      expect(body.errors[0]!.message).toContain(name);
    }
    const fine = await workerFetch(
      `${BASE_URL}/graphql?query=${query}&variables=${encodeURIComponent('{"n":1}')}`,
      { headers: { authorization: `Bearer ${secret}` } },
    );
    expect(fine.status).toBe(200);
  });

  it('says what to accept when nothing it answers is acceptable (406 with a coded body)', async () => {
    const { secret } = await newKey();
    const subscription = 'subscription { memoryEvents(vault: { kind: CORE }) { id } }';
    for (const [accept, request] of [
      ['application/json', { query: subscription }],
      ['application/graphql-response+json', { query: subscription }],
      ['image/png', { query: '{ me { id } }' }],
    ] as const) {
      const response = await postAccepting(secret, accept, request);
      expect(response.status, accept).toBe(406);
      const body = (await response.json()) as { errors: { message: string; extensions: object }[] };
      expect(body.errors[0]!.extensions, accept).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'NOT_ACCEPTABLE',
      });
      expect(body.errors[0]!.message).toContain('text/event-stream');
    }
  });

  it('refuses a body over the limit before parsing it', async () => {
    const limit = Number(env.MAX_REQUEST_BYTES);
    const huge = JSON.stringify({ query: '{ __typename }', padding: 'x'.repeat(limit) });
    const declared = await workerFetch(`${BASE_URL}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: huge,
    });
    expect(declared.status).toBe(413);
    expect(
      ((await declared.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!
        .extensions.code,
    ).toBe('PAYLOAD_TOO_LARGE');
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 5; i++)
          controller.enqueue(new TextEncoder().encode('x'.repeat(limit / 4)));
        controller.close();
      },
    });
    const chunked = await workerFetch(`${BASE_URL}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      // @ts-expect-error: workerd needs the duplex hint for a streamed request body
      duplex: 'half',
    });
    expect(chunked.status).toBe(413);
  });

  it('caps depth, aliases and tokens, saying which limit fired (only the alias limit with its number)', async () => {
    const { secret } = await newKey();
    const deep = `{ search(input: { query: "x" }) { hits { memory { vault { memories { edges { node { vault { memories { edges { node { vault { id } } } } } } } } } } } } }`;
    const aliases = `{ ${Array.from({ length: 20 }, (_, i) => `a${i}: me { id }`).join(' ')} }`;
    const tokens = `{ me { ${Array.from({ length: 2500 }, () => 'id').join(' ')} } }`;
    const cases: [string, string, string][] = [
      [deep, 'DEPTH_LIMIT', 'the operation nests fields too deeply (depth limit)'],
      [
        aliases,
        'ALIAS_LIMIT',
        'the operation uses more than 15 aliases (alias limit); to delete many memories at once use deleteMemories',
      ],
      [tokens, 'TOKEN_LIMIT', 'the operation is too long (token limit)'],
    ];
    for (const [query, reason, message] of cases) {
      // Before: every limit answered "Syntax Error: Query validation error.".
      const result = await post(query, {}, secret);
      expect(result.errors?.[0], reason).toMatchObject({
        message,
        extensions: { code: 'BAD_USER_INPUT', reason },
      });
      expect(result.data ?? null).toBeNull();
      // The alias limit is the one a client batching a field must size against.
      if (reason !== 'ALIAS_LIMIT')
        expect(JSON.stringify(result.errors)).not.toMatch(/\b(12|15|2000|5000)\b/);
    }
  });

  it('fires each limit just past its value, and not before', async () => {
    const { secret } = await newKey();
    const reason = async (query: string) =>
      (await post(query, {}, secret)).errors?.[0]?.extensions?.reason ?? null;
    const aliases = (n: number) =>
      `{ ${Array.from({ length: n }, (_, i) => `a${i}: me { id }`).join(' ')} }`;
    expect(await reason(aliases(15))).toBeNull();
    expect(await reason(aliases(16))).toBe('ALIAS_LIMIT');
    // Twelve levels of fields, then thirteen.
    const nested = (extra: string) =>
      `{ search(input: { query: "x" }) { hits { memory { vault { memories { edges { node { vault { memories { edges { node { ${extra} } } } } } } } } } } } }`;
    expect(await reason(nested('id'))).toBeNull();
    expect(await reason(nested('vault { id }'))).toBe('DEPTH_LIMIT');
    const tokens = (n: number) => `{ me { ${Array.from({ length: n }, () => 'id').join(' ')} } }`;
    expect(await reason(tokens(1_995))).not.toBe('TOKEN_LIMIT');
    expect(await reason(tokens(1_996))).toBe('TOKEN_LIMIT');
  });

  it('refuses an operation over any limit with 400 under graphql-response+json, 200 under application/json', async () => {
    const { secret } = await newKey();
    const limits: Record<string, string> = {
      DEPTH_LIMIT: `{ search(input: { query: "x" }) { hits { memory { vault { memories { edges { node { vault { memories { edges { node { vault { id } } } } } } } } } } } } }`,
      ALIAS_LIMIT: `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: me { id }`).join(' ')} }`,
      DIRECTIVE_LIMIT: `{ me ${'@include(if: true) '.repeat(11)}{ id } }`,
      TOKEN_LIMIT: `{ me { ${Array.from({ length: 2500 }, () => 'id').join(' ')} } }`,
      COST_LIMIT:
        '{ vaults(first: 1000) { memories(first: 100) { edges { node { id content vault { memories(first: 100) { edges { node { id } } } } } } } } }',
      VAULT_READ_LIMIT: `{ ${Array.from({ length: 3 }, (_, i) => `s${i}: search(input: { query: "x", vaults: [${Array.from({ length: 10 }, (_, v) => `{ kind: SESSION, id: "v${v}" }`).join(', ')}] }) { memoryTokens }`).join(' ')} }`,
    };
    for (const [reason, query] of Object.entries(limits)) {
      for (const [accept, status] of [
        // Before: 200 for all but TOKEN_LIMIT, an answer without `data` that
        // GraphQL over HTTP says must be a 4xx under this media type.
        ['application/graphql-response+json', 400],
        // GraphQL over HTTP keeps 200 for any well-formed request under application/json.
        ['application/json', 200],
      ] as const) {
        const response = await postAccepting(secret, accept, { query });
        expect(response.status, `${reason} ${accept}`).toBe(status);
        const body = (await response.json()) as Record<string, unknown>;
        expect(body, `${reason} ${accept}`).toEqual({
          errors: [
            {
              message: expect.any(String),
              extensions: {
                code: 'BAD_USER_INPUT',
                reason,
                requestId: expect.stringMatching(/^mrq_/),
              },
            },
          ],
        });
      }
    }
  });

  it('refuses variables it cannot read, or an operationName matching nothing, with 400 under graphql-response+json, 200 under application/json', async () => {
    const { secret } = await newKey();
    const search = 'query Q($i: SearchInput!) { search(input: $i) { memoryTokens } }';
    const cases: Record<string, { query: string; variables?: unknown; operationName?: string }> = {
      INVALID_ENUM_VALUE: {
        query: search,
        variables: { i: { query: 'teal', windows: [{ window: 'NOPE', limit: 3 }] } },
      },
      MISSING_VALUE: { query: search, variables: {} },
      UNKNOWN_FIELD: { query: search, variables: { i: { query: 'teal', colour: 'teal' } } },
      INVALID_DATE_TIME: { query: search, variables: { i: { query: 'teal', now: 'yesterday' } } },
      INVALID_VARIABLE: {
        query: 'query($n: Int!) { vaults(first: $n) { kind } }',
        variables: { n: 'abc' },
      },
      OPERATION_RESOLUTION_FAILURE: { query: '{ me { id } }', operationName: 'Nope' },
    };
    for (const [reason, request] of Object.entries(cases)) {
      for (const [accept, status] of [
        ['application/graphql-response+json', 400],
        // Before: 400 here too, though GraphQL over HTTP (and README, "Errors")
        // keeps 200 for every well-formed request under application/json.
        ['application/json', 200],
        ['*/*', 200],
      ] as const) {
        const response = await postAccepting(secret, accept, request);
        expect(response.status, `${reason} ${accept}`).toBe(status);
        const body = (await response.json()) as Record<string, unknown>;
        expect(body, `${reason} ${accept}`).toEqual({
          errors: [
            expect.objectContaining({
              message: expect.any(String),
              extensions: {
                code: 'BAD_USER_INPUT',
                reason,
                requestId: expect.stringMatching(/^mrq_/),
              },
            }),
          ],
        });
      }
    }
  });

  it('maps an operation it cannot pick to BAD_USER_INPUT', async () => {
    const { secret } = await newKey();
    // Before: extensions.code was OPERATION_RESOLUTION_FAILURE, outside the documented list.
    const result = await post('query A { me { id } } query B { me { name } }', {}, secret);
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'OPERATION_RESOLUTION_FAILURE',
    });
  });

  it('allows introspection in development', async () => {
    expect(codes(await post('{ __schema { queryType { name } } }'))).toEqual([]);
  });
});
