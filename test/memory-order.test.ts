import { describe, expect, it } from 'vitest';
import { encodeText } from '../src/core/encoding';
import { decodeMemoryId } from '../src/vaults/ids';
import { newKey, post } from './helpers/graphql';

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
