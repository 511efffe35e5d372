import { describe, expect, it } from 'vitest';
import { encodeText } from '../src/core/encoding';
import { decodeMemoryId } from '../src/vaults/ids';
import { withoutRequestId, newKey, post } from './helpers/graphql';

/**
 * Memories stored in one batch without `createdAt` share a timestamp; they
 * list in the order they were stored (ids are random, so they cannot be the
 * tiebreak), in both orders and across pages.
 */

const STORE = /* GraphQL */ `
  mutation Store($inputs: [StoreMemoryInput!]!) {
    storeMemories(inputs: $inputs) {
      id
      createdAt
    }
  }
`;
const LIST = /* GraphQL */ `
  query List($selector: VaultSelector!, $first: Int, $after: String, $order: MemoryOrder) {
    vault(selector: $selector) {
      memories(first: $first, after: $after, order: $order) {
        edges {
          cursor
          node {
            content
            createdAt
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`;

interface Page {
  vault: {
    memories: {
      edges: { cursor: string; node: { content: string; createdAt: string } }[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  };
}

const contents = (count: number, from = 0) =>
  Array.from({ length: count }, (_, i) => `turn ${from + i}`);

async function storeBatch(secret: string, vault: object, texts: string[]) {
  const stored = await post<{ storeMemories: { id: string; createdAt: string }[] }>(
    STORE,
    { inputs: texts.map((content) => ({ vault, content })) },
    secret,
  );
  expect(stored.errors).toBeUndefined();
  return stored.data!.storeMemories;
}

async function listAll(
  secret: string,
  selector: object,
  order: 'OLDEST_FIRST' | 'NEWEST_FIRST',
  first: number,
  after: string | null = null,
): Promise<string[]> {
  const seen: string[] = [];
  for (let cursor = after; ;) {
    const result = await post<Page>(LIST, { selector, first, after: cursor, order }, secret);
    expect(result.errors).toBeUndefined();
    const { edges, pageInfo } = result.data!.vault.memories;
    seen.push(...edges.map((edge) => edge.node.content));
    if (!pageInfo.hasNextPage) return seen;
    cursor = pageInfo.endCursor;
  }
}

describe('memories of the same time list in the order they were stored', () => {
  it('one batch of 25, both orders, in one page and in pages of 7', async () => {
    const { secret } = await newKey();
    const vault = { kind: 'SESSION', id: 'turns' };
    const stored = await storeBatch(secret, vault, contents(25));
    expect(new Set(stored.map((memory) => memory.createdAt)).size).toBe(1);
    const oldest = contents(25);
    const newest = [...oldest].reverse();
    expect(await listAll(secret, vault, 'OLDEST_FIRST', 25)).toEqual(oldest);
    expect(await listAll(secret, vault, 'NEWEST_FIRST', 25)).toEqual(newest);
    expect(await listAll(secret, vault, 'OLDEST_FIRST', 7)).toEqual(oldest);
    expect(await listAll(secret, vault, 'NEWEST_FIRST', 7)).toEqual(newest);
  });

  it('ties across batches and times keep stored order; a later batch at an earlier time sorts by time', async () => {
    const { secret } = await newKey();
    const vault = { kind: 'SESSION', id: 'mixed' };
    const at = new Date(Date.now() - 60_000).toISOString();
    const earlier = new Date(Date.now() - 120_000).toISOString();
    const batch = (texts: string[], createdAt: string) =>
      post(STORE, { inputs: texts.map((content) => ({ vault, content, createdAt })) }, secret);
    await batch(contents(6, 0), at);
    await batch(contents(6, 6), at);
    await batch(contents(3, 12), earlier);
    const oldest = [...contents(3, 12), ...contents(12, 0)];
    expect(await listAll(secret, vault, 'OLDEST_FIRST', 4)).toEqual(oldest);
    expect(await listAll(secret, vault, 'NEWEST_FIRST', 5)).toEqual([...oldest].reverse());
  });

  it('a cursor of the earlier form (time and id) still pages on without gaps', async () => {
    const { secret } = await newKey();
    const vault = { kind: 'SESSION', id: 'legacy' };
    const stored = await storeBatch(secret, vault, contents(10));
    // The cursor main handed out before: the time and local id of the last edge.
    const fifth = stored[4]!;
    const legacy = encodeText(
      `${new Date(fifth.createdAt).getTime()}:${decodeMemoryId(fifth.id).localId}`,
    );
    expect(await listAll(secret, vault, 'OLDEST_FIRST', 3, legacy)).toEqual(contents(5, 5));
    const sixth = stored[5]!;
    const newestLegacy = encodeText(
      `${new Date(sixth.createdAt).getTime()}:${decodeMemoryId(sixth.id).localId}`,
    );
    expect(await listAll(secret, vault, 'NEWEST_FIRST', 3, newestLegacy)).toEqual(
      contents(5).reverse(),
    );
  });
});

const FILTERED = /* GraphQL */ `
  query Filtered($selector: VaultSelector!, $after: String, $filter: MemoryFilter) {
    vault(selector: $selector) {
      memories(first: 2, after: $after, filter: $filter) {
        edges {
          node {
            content
          }
        }
        pageInfo {
          endCursor
        }
      }
    }
  }
`;

/** The error a listing answers for `after`, or null when it answered a page. */
async function refusal(secret: string, variables: Record<string, unknown>, document = LIST) {
  const result = await post<Page>(document, variables, secret);
  if (result.errors === undefined) return null;
  expect(result.data?.vault ?? null).toBeNull();
  const [error] = result.errors;
  return { message: error!.message, ...withoutRequestId(error!.extensions) };
}

describe('a cursor pages on only the listing it came from', () => {
  it('is refused with INVALID_CURSOR, saying why, in another order, vault or filter', async () => {
    const { secret } = await newKey();
    const here = { kind: 'SESSION', id: 'here' };
    const there = { kind: 'SESSION', id: 'there' };
    await storeBatch(secret, here, contents(6));
    await storeBatch(secret, there, contents(6, 100));
    const page = await post<Page>(
      LIST,
      { selector: here, first: 2, order: 'NEWEST_FIRST' },
      secret,
    );
    const cursor = page.data!.vault.memories.pageInfo.endCursor!;

    // Before: each of these answered a page from that position.
    expect(
      await refusal(secret, { selector: here, first: 2, after: cursor, order: 'OLDEST_FIRST' }),
    ).toEqual({
      code: 'BAD_USER_INPUT',
      reason: 'INVALID_CURSOR',
      message: expect.stringMatching(/NEWEST_FIRST/),
    });
    expect(
      await refusal(secret, { selector: there, first: 2, after: cursor, order: 'NEWEST_FIRST' }),
    ).toEqual({
      code: 'BAD_USER_INPUT',
      reason: 'INVALID_CURSOR',
      message: expect.stringMatching(/another vault/),
    });
    expect(
      await refusal(secret, { selector: { kind: 'CORE' }, after: cursor }, FILTERED),
    ).toMatchObject({ reason: 'INVALID_CURSOR', message: expect.stringMatching(/another vault/) });
    expect(
      await refusal(secret, { selector: here, after: cursor, filter: { role: 'USER' } }, FILTERED),
    ).toEqual({
      code: 'BAD_USER_INPUT',
      reason: 'INVALID_CURSOR',
      message: expect.stringMatching(/filter/),
    });

    // The listing it came from still pages on from it.
    expect(await listAll(secret, here, 'NEWEST_FIRST', 2, cursor)).toEqual(contents(4).reverse());
  });

  it('pages on with the same filter, however its metadata keys are ordered', async () => {
    const { secret } = await newKey();
    const vault = { kind: 'SESSION', id: 'tagged' };
    await post(
      STORE,
      {
        inputs: contents(5).map((content) => ({ vault, content, metadata: { a: 1, b: 'x' } })),
      },
      secret,
    );
    const first = await post<Page>(
      FILTERED,
      { selector: vault, filter: { metadata: { a: 1, b: 'x' } } },
      secret,
    );
    const cursor = first.data!.vault.memories.pageInfo.endCursor!;
    const next = await post<Page>(
      FILTERED,
      { selector: vault, after: cursor, filter: { metadata: { b: 'x', a: 1 } } },
      secret,
    );
    expect(next.errors).toBeUndefined();
    expect(next.data!.vault.memories.edges.map((edge) => edge.node.content)).toEqual(
      contents(3).reverse().slice(0, 2),
    );
    // A value of another type is another filter: "1" does not match 1.
    expect(
      await refusal(
        secret,
        { selector: vault, after: cursor, filter: { metadata: { a: '1', b: 'x' } } },
        FILTERED,
      ),
    ).toMatchObject({ reason: 'INVALID_CURSOR', message: expect.stringMatching(/filter/) });
  });
});
