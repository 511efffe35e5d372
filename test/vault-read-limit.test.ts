import { GraphQLScalarType } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { MAX_VAULT_READS, useVaultReadLimit } from '../src/http/graphql/use-vault-read-limit';

/**
 * The vault read limit counts an operation's vault reads before it runs; it
 * needs the variables only for fields that read vaults. A variable value is
 * parsed once per request (by execution) unless such a field needs it: a bulk
 * storeMemories (100 inputs) used to be coerced twice.
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
        type Query {
          search(input: SearchInput!): Int!
        }
        type Mutation {
          store(inputs: [Item!]!): Int!
        }
      `,
      resolvers: {
        Counted,
        Query: { search: (_root, { input }) => input.vaults?.length ?? 1 },
        Mutation: { store: (_root, { inputs }) => inputs.length },
      },
    }),
    plugins: [useVaultReadLimit()],
    maskedErrors: false,
  });
  const post = async (query: string, variables: Record<string, unknown>) => {
    const response = await yoga.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
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
});
