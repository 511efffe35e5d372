import { print } from 'graphql';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { vaultObjectName } from '../src/vaults/address';
import { ListVaultsDocument, StoreMemoriesDocument } from './generated/graphql';
import { countingWorker } from './helpers/account-calls';
import { BASE_URL, newKey } from './helpers/graphql';

describe('the account learns of a vault once, not on every write', () => {
  it('registers a vault on its first write only, and again after it was deleted elsewhere', async () => {
    const { api, secret, keyId, accountId } = await newKey();
    const worker = countingWorker();
    const store = async (content: string) => {
      const response = await worker.fetch(`${BASE_URL}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
        body: JSON.stringify({
          query: print(StoreMemoriesDocument),
          variables: { inputs: [{ content, vault: { kind: 'SESSION', id: 'notes' } }] },
        }),
      });
      expect(((await response.json()) as { errors?: unknown }).errors).toBeUndefined();
    };
    const listed = async () =>
      (await api.request(ListVaultsDocument)).vaults
        .filter((vault) => vault.kind === 'SESSION')
        .map((vault) => vault.externalId);

    await store('first');
    expect(worker.calls.get('registerVault')).toBe(1);
    for (const content of ['second', 'third', 'fourth']) await store(content);
    expect(worker.calls.get('registerVault')).toBe(1);
    expect(await listed()).toEqual(['notes']);

    // Deleted by another isolate: this one still remembers registering it.
    const address = { kind: 'SESSION' as const, keyId, externalId: 'notes' };
    const vault = env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address)));
    expect((await vault.clear(address)).ok).toBe(true);
    await env.ACCOUNT.get(env.ACCOUNT.idFromName(`account:${accountId}`)).forgetVault(
      keyId,
      'SESSION',
      'notes',
    );
    expect(await listed()).toEqual([]);
    // The vault says the write created it: registered again.
    await store('after the delete');
    expect(worker.calls.get('registerVault')).toBe(2);
    expect(await listed()).toEqual(['notes']);
  });
});
