import { describe, expect, it } from 'vitest';
import {
  DeleteMemoryDocument,
  GetMemoryDocument,
  GetVaultDocument,
  ListVaultsDocument,
  SearchDocument,
  StoreMemoryDocument,
} from './generated/graphql';
import { codes, newKey, post } from './helpers/graphql';

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

  it('keys of one account share nothing either', async () => {
    const first = await newKey('first');
    const createdBySameAdmin = await first.admin.request(
      (await import('./generated/graphql')).CreateMemoryKeyDocument,
      { name: 'second' },
    );
    const second = (await import('./helpers/graphql')).client(
      createdBySameAdmin.createMemoryKey.secret,
    );
    const stored = (
      await first.api.request(StoreMemoryDocument, { input: { content: 'first key only' } })
    ).storeMemory;
    expect((await second.request(GetMemoryDocument, { id: stored.id })).memory).toBeNull();
  });
});
