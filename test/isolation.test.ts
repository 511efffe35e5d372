import { describe, expect, it } from 'vitest';
import {
  CreateMemoryKeyDocument,
  DeleteMemoryDocument,
  GetMemoryDocument,
  GetVaultDocument,
  ListVaultsDocument,
  SearchDocument,
  StoreMemoryDocument,
  UsageDocument,
} from './generated/graphql';
import { BASE_URL, client, codes, newKey, post, workerFetch } from './helpers/graphql';

describe('tenancy', () => {
  it('a second key sees nothing of the first key, by id, by search or by listing', async () => {
    const alice = await newKey('alice');
    const bob = await newKey('bob');
    const secret = 'the vault combination is 31-4-15';
    const core = (await alice.api.request(StoreMemoryDocument, { input: { content: secret } }))
      .storeMemory;
    const session = (
      await alice.api.request(StoreMemoryDocument, {
        input: { content: secret, vault: { kind: 'SESSION', id: 'shared-name' } },
      })
    ).storeMemory;

    for (const id of [core.id, session.id]) {
      expect((await bob.api.request(GetMemoryDocument, { id })).memory).toBeNull();
      expect(codes(await post(DeleteMemoryDocument, { id }, bob.secret))).toEqual(['NOT_FOUND']);
    }
    const search = await bob.api.request(SearchDocument, {
      input: {
        query: 'vault combination',
        vaults: [{ kind: 'CORE' }, { kind: 'SESSION', id: 'shared-name' }],
        windows: [
          { window: 'HOT', limit: 10 },
          { window: 'ARCHIVE', limit: 10 },
        ],
      },
    });
    expect(search.search.hits).toEqual([]);
    const vaults = (await bob.api.request(ListVaultsDocument)).vaults;
    expect(vaults.map((vault) => [vault.kind, vault.memoryCount])).toEqual([['CORE', 0]]);
    expect(
      (
        await bob.api.request(GetVaultDocument, {
          selector: { kind: 'SESSION', id: 'shared-name' },
        })
      ).vault,
    ).toBeNull();

    // Alice still has everything.
    expect((await alice.api.request(GetMemoryDocument, { id: session.id })).memory?.content).toBe(
      secret,
    );
  });

  it('keys of one account share nothing either, whatever the read', async () => {
    const first = await newKey('first');
    const created = await first.admin.request(CreateMemoryKeyDocument, { name: 'second' });
    const secondSecret = created.createMemoryKey.secret;
    const second = client(secondSecret);
    const secret = 'first key only: the safe opens with 4-8-15';
    const stored = [
      (await first.api.request(StoreMemoryDocument, { input: { content: secret } })).storeMemory,
      (
        await first.api.request(StoreMemoryDocument, {
          input: { content: secret, vault: { kind: 'SESSION', id: 'shared-name' } },
        })
      ).storeMemory,
      (
        await first.api.request(StoreMemoryDocument, {
          input: { content: secret, vault: { kind: 'EPHEMERAL', id: 'shared-chat' } },
        })
      ).storeMemory,
    ];
    const selectors = [
      { kind: 'CORE' as const },
      { kind: 'SESSION' as const, id: 'shared-name' },
      { kind: 'EPHEMERAL' as const, id: 'shared-chat' },
    ];
    // By id.
    for (const { id } of stored) {
      expect((await second.request(GetMemoryDocument, { id })).memory).toBeNull();
      expect(codes(await post(DeleteMemoryDocument, { id }, secondSecret))).toEqual(['NOT_FOUND']);
    }
    // By search, in every mode and window.
    for (const mode of ['TEXT', 'VECTOR', 'HYBRID'] as const) {
      const found = await second.request(SearchDocument, {
        input: {
          query: 'safe opens',
          vaults: selectors,
          mode,
          windows: ['HOT', 'WORKING', 'LONG_TERM', 'ARCHIVE'].map((window) => ({
            window: window as 'HOT',
            limit: 10,
          })),
        },
      });
      expect(found.search.hits, mode).toEqual([]);
    }
    // By listing vaults and their memories.
    expect((await second.request(ListVaultsDocument)).vaults).toEqual([
      expect.objectContaining({ kind: 'CORE', memoryCount: 0 }),
    ]);
    for (const selector of selectors) {
      const { vault } = await second.request(GetVaultDocument, { selector, first: 50 });
      expect(vault?.memories.edges ?? [], selector.kind).toEqual([]);
    }
    // By export: the second key's CORE is empty, and it has no session or
    // conversation of those names (404), whatever the first key holds.
    for (const path of ['core', 'session/shared-name', 'ephemeral/shared-chat']) {
      const exported = await workerFetch(`${BASE_URL}/v1/vaults/${path}/export`, {
        headers: { authorization: `Bearer ${secondSecret}` },
      });
      expect(exported.status, path).toBe(path === 'core' ? 200 : 404);
      const text = new TextDecoder().decode(await exported.arrayBuffer());
      expect(text, path).not.toContain('safe opens');
      if (path === 'core') expect(exported.headers.get('x-memory-count'), path).toBe('0');
      else expect(JSON.parse(text), path).toMatchObject({ error: { reason: 'VAULT_NOT_FOUND' } });
    }
    // By usage: a key sees no other key's figures.
    const usage = (await second.request(UsageDocument, {})).usage;
    expect(usage.keys.filter((key) => key.keyId !== created.createMemoryKey.key.id)).toEqual([]);
    // And the first key still has everything.
    for (const { id } of stored)
      expect((await first.api.request(GetMemoryDocument, { id })).memory?.content).toBe(secret);
  });
});
