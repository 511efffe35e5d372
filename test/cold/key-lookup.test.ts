import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { CreateMemoryKeyDocument, StoreMemoriesDocument } from '../generated/graphql';
import { newKey, post } from '../helpers/graphql';
import { AccountObject } from '../../src/durable/account/account-object';

const REVOKE = 'mutation($id: ID!) { revokeMemoryKey(id: $id) }';
const SNAPSHOTS = `query($k: ID!) { vaultSnapshots(keyId: $k, vault: { kind: CORE }) { key } }`;
const DELETE = `mutation($id: ID!) { deleteKeyVaults(id: $id) { vaultsCleared memoriesRemoved } }`;
const MIGRATE = `mutation($k: ID!, $p: String!) { migrateKvVaults(keyId: $k, prefix: $p) { done } }`;

/** Counts the account objects' `listKeys` calls where they arrive (the objects run in this isolate). */
function countListKeys() {
  const original = AccountObject.prototype.listKeys;
  const counted = { calls: 0, stop: () => (AccountObject.prototype.listKeys = original) };
  AccountObject.prototype.listKeys = function (this: AccountObject) {
    counted.calls += 1;
    return original.call(this);
  };
  return counted;
}

describe('admin fields that name one memory key find it by its id', () => {
  it('without loading every key of the account (revoked keys accumulate), same answers', async () => {
    const { api, admin, adminToken, keyId, accountId } = await newKey('kept');
    await api.request(StoreMemoriesDocument, { inputs: [{ content: 'a note to delete' }] });
    // An old account: keys made and revoked over the years.
    for (let index = 0; index < 3; index += 1) {
      const made = await admin.request(CreateMemoryKeyDocument, { name: `old ${index}` });
      await post(REVOKE, { id: made.createMemoryKey.key.id }, adminToken);
    }
    const legacy = (env as unknown as { LEGACY_KV: KVNamespace }).LEGACY_KV;
    const prefix = `lookup-${accountId}/`;
    await legacy.put(`memoryrouter-owner:${prefix}`, accountId);

    const listed = countListKeys();
    try {
      expect((await post(SNAPSHOTS, { k: keyId }, adminToken)).data).toEqual({
        vaultSnapshots: [],
      });
      expect((await post(MIGRATE, { k: keyId, p: prefix }, adminToken)).data).toEqual({
        migrateKvVaults: { done: true },
      });
      expect((await post(DELETE, { id: keyId }, adminToken)).data).toEqual({
        deleteKeyVaults: { vaultsCleared: 1, memoriesRemoved: 1 },
      });
      // A key the account does not have is still refused, by each of them.
      const missing = 'key_00000000000000000000000000000000';
      for (const [document, variables] of [
        [SNAPSHOTS, { k: missing }],
        [MIGRATE, { k: missing, p: prefix }],
        [DELETE, { id: missing }],
      ] as const) {
        expect((await post(document, variables, adminToken)).errors?.[0]?.extensions).toMatchObject(
          { code: 'NOT_FOUND', reason: 'KEY_NOT_FOUND' },
        );
      }
    } finally {
      listed.stop();
    }
    expect(listed.calls).toBe(0);
  });
});
