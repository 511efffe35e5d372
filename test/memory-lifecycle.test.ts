import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { vaultObjectName } from '../src/vaults/address';
import { newKey, post } from './helpers/graphql';
import { writeMetaBeneath } from './helpers/vaults';

/**
 * What an app needs around single memories: bulk delete, filtered listings,
 * and an honest idempotent replay after a delete. Through GraphQL against
 * real vault objects.
 */

const STORE = /* GraphQL */ `
  mutation Store($inputs: [StoreMemoryInput!]!, $key: String) {
    storeMemories(inputs: $inputs, idempotencyKey: $key) {
      id
      content
    }
  }
`;
const DELETE_MANY = /* GraphQL */ `
  mutation DeleteMany($ids: [ID!]!) {
    deleteMemories(ids: $ids) {
      count
      deletedIds
      notFoundIds
    }
  }
`;
const GET = /* GraphQL */ `
  query Get($id: ID!) {
    memory(id: $id) {
      id
    }
  }
`;
const LIST = /* GraphQL */ `
  query List($selector: VaultSelector!, $first: Int, $after: String, $filter: MemoryFilter) {
    vault(selector: $selector) {
      memoryCount
      memories(first: $first, after: $after, filter: $filter, order: OLDEST_FIRST) {
        edges {
          node {
            content
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
        totalCount
      }
    }
  }
`;

type Stored = { id: string; content: string };
type Deleted = { deleteMemories: { count: number; deletedIds: string[]; notFoundIds: string[] } };
type Listed = {
  vault: {
    memoryCount: number;
    memories: {
      edges: { node: { content: string } }[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
      totalCount: number;
    };
  };
};

async function store(secret: string, inputs: object[], key?: string) {
  const result = await post<{ storeMemories: Stored[] }>(STORE, { inputs, key }, secret);
  expect(result.errors).toBeUndefined();
  return result.data!.storeMemories;
}

async function memoryCount(secret: string, selector: object) {
  const result = await post<Listed>(LIST, { selector, first: 1 }, secret);
  return result.data!.vault?.memoryCount ?? 0;
}

describe('deleteMemories', () => {
  it('deletes across vaults in one call, skipping and naming ids it does not hold', async () => {
    const { secret } = await newKey();
    const a = { kind: 'SESSION', id: 'bulk-a' };
    const b = { kind: 'SESSION', id: 'bulk-b' };
    const inA = await store(
      secret,
      Array.from({ length: 30 }, (_, i) => ({ vault: a, content: `note a${i}` })),
    );
    const inB = await store(
      secret,
      Array.from({ length: 10 }, (_, i) => ({ vault: b, content: `note b${i}` })),
    );
    const [gone] = await store(secret, [{ vault: b, content: 'deleted already' }]);
    await post(`mutation($id: ID!) { deleteMemory(id: $id) }`, { id: gone!.id }, secret);

    const ids = [...inA.slice(0, 20), ...inB.slice(0, 5)].map(({ id }) => id);
    // 25 ids: more than the 15 aliases one operation may hold.
    const result = await post<Deleted>(DELETE_MANY, { ids: [...ids, gone!.id, ids[0]] }, secret);
    expect(result.errors).toBeUndefined();
    expect(result.data!.deleteMemories).toEqual({
      count: 25,
      deletedIds: ids,
      notFoundIds: [gone!.id],
    });
    expect(await memoryCount(secret, a)).toBe(10);
    expect(await memoryCount(secret, b)).toBe(5);
    const first = await post<{ memory: unknown }>(GET, { id: ids[0] }, secret);
    expect(first.data!.memory).toBeNull();

    // Another key's ids are not found for this key, and stay.
    const other = await newKey();
    const foreign = await post<Deleted>(DELETE_MANY, { ids: [inA[25]!.id] }, other.secret);
    expect(foreign.data!.deleteMemories).toMatchObject({ count: 0, notFoundIds: [inA[25]!.id] });
    expect(await memoryCount(secret, a)).toBe(10);
  });

  it('refuses more than 100 ids, or a malformed one, before deleting anything', async () => {
    const { secret } = await newKey();
    const vault = { kind: 'SESSION', id: 'bulk-limits' };
    const stored = await store(secret, [
      { vault, content: 'one' },
      { vault, content: 'two' },
    ]);
    const ids = stored.map(({ id }) => id);
    const tooMany = await post<Deleted>(
      DELETE_MANY,
      { ids: [...ids, ...Array.from({ length: 99 }, () => ids[0])] },
      secret,
    );
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(tooMany.errors?.[0]?.message).toMatch(/100/);
    const malformed = await post<Deleted>(DELETE_MANY, { ids: [ids[0], 'not-an-id'] }, secret);
    expect(malformed.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(malformed.errors?.[0]?.message).toMatch(/^ids\[1\]/);
    expect(await memoryCount(secret, vault)).toBe(2);
  });
});

describe('Vault.memories(filter)', () => {
  const vault = { kind: 'SESSION', id: 'filtered' };
  const day = (d: number) => `2026-03-${String(d).padStart(2, '0')}T12:00:00Z`;

  async function seed(secret: string) {
    await store(
      secret,
      Array.from({ length: 12 }, (_, i) => ({
        vault,
        content: `m${i}`,
        role: i % 3 === 0 ? 'ASSISTANT' : 'USER',
        createdAt: day(i + 1),
        metadata: { topic: i % 2 === 0 ? 'work' : 'home', pinned: i % 4 === 0, rank: i % 2 },
      })),
    );
  }

  /** Every page of a filtered listing, `first` at a time, and the totalCount each page gave. */
  async function listAll(secret: string, filter: object, first = 2) {
    const contents: string[] = [];
    const totals = new Set<number>();
    let after: string | null = null;
    for (let pages = 0; pages < 20; pages++) {
      const result: { data?: Listed; errors?: unknown } = await post<Listed>(
        LIST,
        { selector: vault, first, after, filter },
        secret,
      );
      expect(result.errors).toBeUndefined();
      const page = result.data!.vault.memories;
      contents.push(...page.edges.map((edge) => edge.node.content));
      totals.add(page.totalCount);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    return { contents, totals: [...totals] };
  }

  it('keeps only memories matching role, time range and metadata, page after page', async () => {
    const { secret } = await newKey();
    await seed(secret);
    expect(await listAll(secret, { role: 'ASSISTANT' })).toEqual({
      contents: ['m0', 'm3', 'm6', 'm9'],
      totals: [4],
    });
    expect(await listAll(secret, { createdAfter: day(3), createdBefore: day(7) })).toEqual({
      contents: ['m3', 'm4', 'm5'],
      totals: [3],
    });
    expect(await listAll(secret, { metadata: { topic: 'work', pinned: true } })).toEqual({
      contents: ['m0', 'm4', 'm8'],
      totals: [3],
    });
    // The search's rule: a JSON 1 is not true, and "1" is not 1.
    expect((await listAll(secret, { metadata: { rank: 1 } })).contents).toHaveLength(6);
    expect((await listAll(secret, { metadata: { rank: true } })).contents).toEqual([]);
    expect((await listAll(secret, { metadata: { rank: '1' } })).contents).toEqual([]);
    expect(
      await listAll(secret, { role: 'USER', metadata: { topic: 'home' }, createdAfter: day(6) }),
    ).toEqual({ contents: ['m7', 'm11'], totals: [2] });
    // No filter: every memory, totalCount the vault's.
    expect(await listAll(secret, {}, 5)).toMatchObject({ totals: [12] });
  });

  it('filters on any key a store accepts: dots, spaces, accents and quotes, typed as ever', async () => {
    const { secret } = await newKey();
    const keys = ['user.id', 'user id', 'thème', 'say "hi"', 'a\\b', '$.topic', '__proto__'];
    await store(
      secret,
      keys.flatMap((key, i) => [
        { vault, content: `match ${i}`, metadata: { [key]: 'yes', topic: 'x' } },
        { vault, content: `other ${i}`, metadata: { [key]: 'no', [`${key}.x`]: 'yes' } },
        { vault, content: `number ${i}`, metadata: { [key]: 1 } },
      ]),
    );
    for (const [i, key] of keys.entries()) {
      expect((await listAll(secret, { metadata: { [key]: 'yes' } })).contents, key).toEqual([
        `match ${i}`,
      ]);
      expect((await listAll(secret, { metadata: { [key]: 1 } })).contents, key).toEqual([
        `number ${i}`,
      ]);
      expect((await listAll(secret, { metadata: { [key]: '1' } })).contents, key).toEqual([]);
      const found = await post<{ search: { hits: { memory: { content: string } }[] } }>(
        'query($s: SearchInput!) { search(input: $s) { hits { memory { content } } } }',
        {
          s: {
            query: `match ${i}`,
            vaults: [vault],
            mode: 'TEXT',
            metadata: { [key]: 'yes', topic: 'x' },
          },
        },
        secret,
      );
      expect(
        found.data!.search.hits.map((hit) => hit.memory.content),
        key,
      ).toEqual([`match ${i}`]);
    }
  });

  it('refuses a filter the search would refuse', async () => {
    const { secret } = await newKey();
    await seed(secret);
    for (const metadata of [[1], { '': 1 }, { 'tab\tkey': 1 }, { nested: { a: 1 } }]) {
      const result = await post<Listed>(LIST, { selector: vault, filter: { metadata } }, secret);
      expect(result.errors?.[0]?.extensions, JSON.stringify(metadata)).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'INVALID_FILTER',
      });
    }
  });
});

describe('an idempotent replay after a delete', () => {
  it('answers the first call again and says which memories were deleted since', async () => {
    const { secret } = await newKey();
    const inputs = [{ content: 'first of the batch' }, { content: 'second of the batch' }];
    const first = await store(secret, inputs, 'replay-after-delete');
    await post(`mutation($id: ID!) { deleteMemory(id: $id) }`, { id: first[0]!.id }, secret);

    const replay = await post<{ storeMemories: Stored[] }>(
      STORE,
      { inputs, key: 'replay-after-delete' },
      secret,
    );
    expect(replay.errors).toBeUndefined();
    expect(replay.data!.storeMemories).toEqual(first);
    expect(replay.extensions?.memory).toMatchObject({
      memoryTokens: 0,
      replay: { deletedSince: [first[0]!.id] },
    });
    // Nothing was stored again: the delete stands.
    const get = await post<{ memory: unknown }>(GET, { id: first[0]!.id }, secret);
    expect(get.data!.memory).toBeNull();
    expect(await memoryCount(secret, { kind: 'CORE' })).toBe(1);

    // A replay with nothing deleted says so too.
    const kept = await store(secret, inputs, 'replay-untouched');
    const again = await post(STORE, { inputs, key: 'replay-untouched' }, secret);
    expect(again.data).toEqual({ storeMemories: kept });
    expect(again.extensions?.memory).toMatchObject({ replay: { deletedSince: [] } });
  });

  it('answers the first call again after clearVault, storing and billing nothing', async () => {
    const { secret } = await newKey();
    const inputs = [{ content: 'kept through a clear' }, { content: 'also through a clear' }];
    const first = await store(secret, inputs, 'replay-after-clear');
    const cleared = await post(`mutation { clearVault(selector: { kind: CORE }) }`, {}, secret);
    expect(cleared.data).toEqual({ clearVault: 2 });

    // Before: the clear forgot the key, so the retry stored (and billed) both again.
    const replay = await post<{ storeMemories: Stored[] }>(
      STORE,
      { inputs, key: 'replay-after-clear' },
      secret,
    );
    expect(replay.errors).toBeUndefined();
    expect(replay.data!.storeMemories).toEqual(first);
    expect(replay.extensions?.memory).toMatchObject({
      memoryTokens: 0,
      replay: { deletedSince: first.map(({ id }) => id) },
    });
    expect(await memoryCount(secret, { kind: 'CORE' })).toBe(0);
    // The key still guards its inputs: other inputs under it are refused.
    const reused = await post(
      STORE,
      { inputs: [{ content: 'other' }], key: 'replay-after-clear' },
      secret,
    );
    expect(reused.errors?.[0]?.extensions).toMatchObject({ reason: 'IDEMPOTENCY_KEY_REUSED' });
  });

  it('answers the first call again after an EPHEMERAL vault expired', async () => {
    const { secret, keyId } = await newKey();
    const vault = { kind: 'EPHEMERAL', id: 'replay-expired' };
    const inputs = [{ vault, content: 'said in a chat that expired' }];
    const first = await store(secret, inputs, 'replay-after-expiry');
    const name = vaultObjectName({ kind: 'EPHEMERAL', keyId, externalId: vault.id });
    const object = env.VAULT.get(env.VAULT.idFromName(name));
    await runInDurableObject(object, async (vaultObject, state) => {
      writeMetaBeneath(vaultObject, state, ({ meta }) =>
        meta.update({ expiresAt: Date.now() - 1 }),
      );
      await state.storage.setAlarm(Date.now());
    });
    expect(await runDurableObjectAlarm(object)).toBe(true);
    expect(await memoryCount(secret, vault)).toBe(0);

    const replay = await post<{ storeMemories: Stored[] }>(
      STORE,
      { inputs, key: 'replay-after-expiry' },
      secret,
    );
    expect(replay.data!.storeMemories).toEqual(first);
    expect(replay.extensions?.memory).toMatchObject({
      memoryTokens: 0,
      replay: { deletedSince: [first[0]!.id] },
    });
    expect(await memoryCount(secret, vault)).toBe(0);
  });
});
