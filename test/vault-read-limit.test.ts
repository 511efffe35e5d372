import { GraphQLScalarType } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { MAX_VAULT_READS, useVaultReadLimit } from '../src/http/graphql/use-vault-read-limit';

/**
 * The vault read limit counts an operation's vault reads before it runs; it
 * needs the variables only for fields that read vaults, and coerces them
 * only when their raw values could put the operation over the limit.
 * Otherwise a variable value is parsed once per request (by execution): a
 * bulk storeMemories (100 inputs), and later every search under the limit,
 * used to be coerced twice.
 */
function server() {
  const parsed: unknown[] = [];
  const Counted = new GraphQLScalarType({
    name: 'Counted',
    parseValue: (value) => {
      parsed.push(value);
      if (typeof value !== 'string') throw new TypeError('a string, please');
      return value;
    },
  });
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: /* GraphQL */ `
        scalar Counted
        input Item {
          at: Counted!
        }
        input SearchInput {
          vaults: [Counted!]
        }
        input ChatInput {
          sessionId: String
          conversationId: String
        }
        type Query {
          search(input: SearchInput!): Int!
          chat(input: ChatInput): Int!
        }
        type Mutation {
          store(inputs: [Item!]!): Int!
        }
      `,
      resolvers: {
        Counted,
        Query: { search: (_root, { input }) => input.vaults?.length ?? 1, chat: () => 1 },
        Mutation: { store: (_root, { inputs }) => inputs.length },
      },
    }),
    plugins: [useVaultReadLimit()],
    maskedErrors: false,
  });
  const post = async (
    query: string,
    variables: Record<string, unknown>,
    operationName?: string,
  ) => {
    const response = await yoga.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables, operationName }),
    });
    return (await response.json()) as {
      data?: Record<string, number>;
      errors?: { message: string; extensions?: { reason?: string } }[];
    };
  };
  return { parsed, post };
}

describe('vault read limit and variables', () => {
  it('parses a mutation’s input list once when no field reads vaults', async () => {
    const { parsed, post } = server();
    const inputs = Array.from({ length: 100 }, (_, i) => ({ at: `t${i}` }));
    const result = await post('mutation($i: [Item!]!) { store(inputs: $i) }', { i: inputs });
    expect(result).toEqual({ data: { store: 100 } });
    expect(parsed).toEqual(inputs.map(({ at }) => at));
  });

  it('still refuses too many vault reads named through variables', async () => {
    const { post } = server();
    const vaults = Array.from({ length: MAX_VAULT_READS + 1 }, (_, i) => `v${i}`);
    const result = await post('query($v: [Counted!]) { search(input: { vaults: $v }) }', {
      v: vaults,
    });
    expect(result.data).toBeUndefined();
    expect(result.errors?.map((error) => error.extensions?.reason)).toEqual(['VAULT_READ_LIMIT']);

    const allowed = await post('query($v: [Counted!]) { search(input: { vaults: $v }) }', {
      v: vaults.slice(1),
    });
    expect(allowed).toEqual({ data: { search: MAX_VAULT_READS } });
  });

  it('leaves invalid variables to execution, which names them', async () => {
    const { post } = server();
    const result = await post('query($v: [Counted!]) { search(input: { vaults: $v }) }', {
      v: [1, 2],
    });
    expect(result.data).toBeUndefined();
    expect(result.errors).toHaveLength(2);
    expect(result.errors![0]!.message).toContain('Variable "$v" got invalid value 1');
    expect(result.errors![0]!.extensions?.reason).toBeUndefined();
  });

  it('parses a search’s vault list once when the raw variables show it under the limit', async () => {
    const { parsed, post } = server();
    const vaults = ['v1', 'v2', 'v3'];
    const whole = await post('query($i: SearchInput!) { search(input: $i) }', {
      i: { vaults },
    });
    expect(whole).toEqual({ data: { search: 3 } });
    expect(parsed).toEqual(vaults);
    parsed.length = 0;
    const inside = await post('query($v: [Counted!]) { search(input: { vaults: $v }) }', {
      v: vaults,
    });
    expect(inside).toEqual({ data: { search: 3 } });
    expect(parsed).toEqual(vaults);
  });

  it('refuses as before however the vaults are written', async () => {
    const { post } = server();
    const names = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`);
    const refused = ['VAULT_READ_LIMIT'];
    const reasons = (result: Awaited<ReturnType<typeof post>>) =>
      result.errors?.map((error) => error.extensions?.reason);

    // The whole input as a variable.
    const byInput = 'query($i: SearchInput!) { search(input: $i) }';
    expect(reasons(await post(byInput, { i: { vaults: names(MAX_VAULT_READS + 1) } }))).toEqual(
      refused,
    );
    expect(await post(byInput, { i: { vaults: names(MAX_VAULT_READS) } })).toEqual({
      data: { search: MAX_VAULT_READS },
    });
    // A list written in the document.
    const literal = `{ search(input: { vaults: ${JSON.stringify(names(MAX_VAULT_READS + 1))} }) }`;
    expect(reasons(await post(literal, {}))).toEqual(refused);
    // Aliased searches add up; a search without vaults reads one.
    const two =
      'query($a: [Counted!], $b: [Counted!]) { a: search(input: { vaults: $a }) b: search(input: { vaults: $b }) c: search(input: {}) }';
    expect(reasons(await post(two, { a: names(10), b: names(10) }))).toEqual(refused);
    expect(await post(two, { a: names(10), b: names(9) })).toEqual({
      data: { a: 10, b: 9, c: 1 },
    });
    // A variable's default, not sent: counted from the default.
    const defaulted = `query($v: [Counted!] = ${JSON.stringify(names(MAX_VAULT_READS + 1))}) { search(input: { vaults: $v }) }`;
    expect(reasons(await post(defaulted, {}))).toEqual(refused);
    // A single value stands for a list of one.
    expect(
      await post('query($v: [Counted!]) { search(input: { vaults: $v }) }', { v: 'one' }),
    ).toEqual({
      data: { search: 1 },
    });
  });

  it('leaves invalid variables to execution even when they name too many vaults', async () => {
    const { post } = server();
    const result = await post('query($v: [Counted!]) { search(input: { vaults: $v }) }', {
      v: Array.from({ length: MAX_VAULT_READS + 1 }, (_, i) => i),
    });
    expect(result.data).toBeUndefined();
    expect(result.errors![0]!.message).toContain('Variable "$v" got invalid value 0');
    expect(result.errors!.map((error) => error.extensions?.reason)).not.toContain(
      'VAULT_READ_LIMIT',
    );
  });

  it('counts each operation of a document on its own', async () => {
    const { post } = server();
    const many = JSON.stringify(Array.from({ length: MAX_VAULT_READS + 1 }, (_, i) => `v${i}`));
    const document = `query Many { search(input: { vaults: ${many} }) } query One { search(input: { vaults: ["v"] }) }`;
    for (let round = 0; round < 2; round++) {
      const refused = await post(document, {}, 'Many');
      expect(refused.errors?.map((error) => error.extensions?.reason)).toEqual([
        'VAULT_READ_LIMIT',
      ]);
      expect(await post(document, {}, 'One')).toEqual({ data: { search: 1 } });
    }
  });

  it('counts fields with a bound of their own (chat: up to three vaults) exactly near the limit', async () => {
    const { post } = server();
    const chats = (input: string) =>
      `{ ${Array.from({ length: 7 }, (_, i) => `c${i}: chat(input: ${input})`).join(' ')} }`;
    const refused = await post(chats('{ sessionId: "s", conversationId: "c" }'), {});
    expect(refused.errors?.map((error) => error.extensions?.reason)).toEqual(['VAULT_READ_LIMIT']);
    const allowed = await post(chats('{}'), {});
    expect(allowed.errors).toBeUndefined();
  });
});
