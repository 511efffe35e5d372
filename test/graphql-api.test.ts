import { describe, expect, it } from 'vitest';
import {
  ClearVaultDocument,
  DeleteMemoryDocument,
  type GetVaultQuery,
  GetMemoryDocument,
  GetVaultDocument,
  ListVaultsDocument,
  MeDocument,
  SearchDocument,
  StoreMemoriesDocument,
  StoreMemoryDocument,
} from './generated/graphql';
import { newKey, post } from './helpers/graphql';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

describe('GraphQL API', () => {
  it('stores into core and session vaults and searches across them with windows', async () => {
    const { api } = await newKey();
    const now = Date.now();
    await api.request(StoreMemoriesDocument, {
      inputs: [
        { content: 'My favourite colour is teal', createdAt: iso(now - 10 * DAY) },
        { content: 'I am allergic to peanuts', metadata: { topic: 'health' } },
        {
          content: 'We are planning a trip to Kyoto in April',
          vault: { kind: 'SESSION', id: 'user-42' },
          createdAt: iso(now - 2 * DAY),
        },
      ],
    });
    const result = await api.request(SearchDocument, {
      input: {
        // A word of each memory it is to find: HYBRID returns only memories
        // with evidence for the query.
        query: 'what colour do I like and where is our trip',
        vaults: [{ kind: 'CORE' }, { kind: 'SESSION', id: 'user-42' }],
        windows: [
          { window: 'HOT', limit: 2 },
          { window: 'WORKING', limit: 2 },
          { window: 'LONG_TERM', limit: 2 },
        ],
      },
    });
    const found = result.search.hits.map((hit) => [
      hit.window,
      hit.memory.content,
      hit.memory.vault.kind,
    ]);
    expect(found).toContainEqual([
      'WORKING',
      'We are planning a trip to Kyoto in April',
      'SESSION',
    ]);
    expect(found).toContainEqual(['LONG_TERM', 'My favourite colour is teal', 'CORE']);
    // Best first across windows and vaults, each hit saying its window.
    const scores = result.search.hits.map((hit) => hit.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(result.search.memoryTokens).toBe(
      result.search.hits.reduce((sum, hit) => sum + hit.memory.tokens, 0),
    );
  });

  it('replays history from a reference time: `now` moves every window back', async () => {
    const { api } = await newKey();
    const now = Date.now();
    await api.request(StoreMemoriesDocument, {
      inputs: [
        { content: 'My favourite colour is teal', createdAt: iso(now - 10 * DAY) },
        { content: 'We are planning a trip to Kyoto in April', createdAt: iso(now - 2 * DAY) },
        { content: 'I am allergic to peanuts' },
      ],
    });
    const windows = (['HOT', 'WORKING', 'LONG_TERM', 'ARCHIVE'] as const).map((window) => ({
      window,
      limit: 5,
    }));
    const hitsAt = async (reference?: number) =>
      (
        await api.request(SearchDocument, {
          input: {
            query: 'colour trip peanuts',
            windows,
            ...(reference === undefined ? {} : { now: iso(reference) }),
          },
        })
      ).search.hits.map((hit) => [hit.window, hit.memory.content]);
    // Seen from nine days ago, the ten-day-old memory was a day old (WORKING),
    // and the two later ones did not exist yet.
    expect(await hitsAt(now - 9 * DAY)).toEqual([['WORKING', 'My favourite colour is teal']]);
    // Seen from now, each is where its age puts it (listed best first, each
    // with its window).
    const fromNow = await hitsAt();
    expect(fromNow).toHaveLength(3);
    expect(fromNow).toEqual(
      expect.arrayContaining([
        ['HOT', 'I am allergic to peanuts'],
        ['WORKING', 'We are planning a trip to Kyoto in April'],
        ['LONG_TERM', 'My favourite colour is teal'],
      ]),
    );
  });

  it('reads a memory back by id, and deletes it', async () => {
    const { api, secret } = await newKey();
    const { storeMemory } = await api.request(StoreMemoryDocument, {
      input: {
        content: 'The spare key is under the blue flowerpot',
        role: 'USER',
        metadata: { room: 'porch' },
      },
    });
    expect(storeMemory).toMatchObject({
      role: 'USER',
      metadata: { room: 'porch' },
      vault: { kind: 'CORE' },
    });
    expect(storeMemory.tokens).toBeGreaterThan(5);
    const { memory } = await api.request(GetMemoryDocument, { id: storeMemory.id });
    expect(memory?.content).toBe('The spare key is under the blue flowerpot');
    expect((await api.request(DeleteMemoryDocument, { id: storeMemory.id })).deleteMemory).toBe(
      true,
    );
    expect((await api.request(GetMemoryDocument, { id: storeMemory.id })).memory).toBeNull();
    const again = await post(DeleteMemoryDocument, { id: storeMemory.id }, secret);
    expect(again.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('pages through a vault without gaps or repeats', async () => {
    const { api } = await newKey();
    const base = Date.now() - DAY;
    await api.request(StoreMemoriesDocument, {
      inputs: Array.from({ length: 12 }, (_, i) => ({
        content: `journal entry ${i}`,
        vault: { kind: 'SESSION' as const, id: 'diary' },
        createdAt: iso(base + i * 60_000),
      })),
    });
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page++) {
      const { vault }: GetVaultQuery = await api.request(GetVaultDocument, {
        selector: { kind: 'SESSION', id: 'diary' },
        first: 5,
        after,
        order: 'OLDEST_FIRST',
      });
      expect(vault?.memories.totalCount).toBe(12);
      seen.push(...vault!.memories.edges.map((edge) => edge.node.content));
      if (!vault!.memories.pageInfo.hasNextPage) break;
      after = vault!.memories.pageInfo.endCursor;
    }
    expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => `journal entry ${i}`));
  });

  it('lists vaults and clears one', async () => {
    const { api } = await newKey();
    await api.request(StoreMemoriesDocument, {
      inputs: [
        { content: 'core fact' },
        { content: 'session fact', vault: { kind: 'SESSION', id: 's1' } },
        { content: 'conversation fact', vault: { kind: 'EPHEMERAL', id: 'c1' } },
      ],
    });
    // One call registers its three vaults concurrently: the list is in order of
    // registration, which concurrency does not fix, so compare as a set.
    const listed = (await api.request(ListVaultsDocument)).vaults.map((v) => [
      v.kind,
      v.externalId,
      v.memoryCount,
    ]);
    expect(listed).toHaveLength(3);
    expect(listed).toEqual(
      expect.arrayContaining([
        ['CORE', null, 1],
        ['SESSION', 's1', 1],
        ['EPHEMERAL', 'c1', 1],
      ]),
    );
    const { vault } = await api.request(GetVaultDocument, {
      selector: { kind: 'EPHEMERAL', id: 'c1' },
    });
    expect(Date.parse(vault!.expiresAt!)).toBeGreaterThan(Date.now() + 23 * HOUR);
    expect(
      (await api.request(ClearVaultDocument, { selector: { kind: 'SESSION', id: 's1' } }))
        .clearVault,
    ).toBe(1);
    expect((await api.request(ListVaultsDocument)).vaults.map((v) => v.kind).sort()).toEqual([
      'CORE',
      'EPHEMERAL',
    ]);
    expect(
      (await api.request(GetVaultDocument, { selector: { kind: 'SESSION', id: 's1' } })).vault,
    ).toBeNull();
  });

  it('answers me with the calling key', async () => {
    const { api, keyId } = await newKey('my app');
    expect((await api.request(MeDocument)).me).toMatchObject({
      id: keyId,
      name: 'my app',
      revokedAt: null,
    });
  });
});
