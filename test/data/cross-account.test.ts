import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { runAlarm } from '../helpers/alarms';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import {
  GetVaultDocument,
  MigrateKvVaultsDocument,
  RestoreVaultDocument,
  StoreMemoriesDocument,
  VaultSnapshotsDocument,
} from '../generated/graphql';
import { codes, newKey, post } from '../helpers/graphql';
import { vaultObjectName, type VaultAddress } from '../../src/vaults/address';
import { writeMetaBeneath } from '../helpers/vaults';

const legacy = () => (env as unknown as { LEGACY_KV: KVNamespace }).LEGACY_KV;
const stubOf = (address: VaultAddress) =>
  env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address)));

async function snapshotNow(address: VaultAddress) {
  await runAlarm(stubOf(address), (state, object) =>
    writeMetaBeneath(object, state, ({ sql }) => {
      sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('snapshot_due_at', '0')");
      // Writes have settled: the alarm writes a due snapshot only then.
      sql.exec("UPDATE meta SET value = '0' WHERE key = 'last_write_at'");
    }),
  );
}

/** Two tenants: `victim` has a session vault with a snapshot; `intruder` is another account's admin. */
async function twoTenants() {
  const victim = await newKey('victim');
  const intruder = await newKey('intruder');
  await victim.api.request(StoreMemoriesDocument, {
    inputs: ['the safe code is 1234', 'the spare key is under the mat'].map((content) => ({
      content,
      vault: { kind: 'SESSION' as const, id: 'home' },
    })),
  });
  const address: VaultAddress = { kind: 'SESSION', keyId: victim.keyId, externalId: 'home' };
  await snapshotNow(address);
  return { victim, intruder, address };
}

const count = async (key: Awaited<ReturnType<typeof newKey>>) =>
  (await key.api.request(GetVaultDocument, { selector: { kind: 'SESSION', id: 'home' } })).vault
    ?.memoryCount ?? 0;

describe("an admin cannot reach another account's data", () => {
  it("vaultSnapshots and restoreVault refuse another account's key id", async () => {
    const { victim, intruder } = await twoTenants();
    const vault = { kind: 'SESSION' as const, id: 'home' };
    const listed = await post(
      VaultSnapshotsDocument,
      { keyId: victim.keyId, vault },
      intruder.adminToken,
    );
    expect(codes(listed)).toEqual(['NOT_FOUND']);
    expect(listed.data ?? null).toBeNull();
    const restored = await post(
      RestoreVaultDocument,
      { keyId: victim.keyId, vault },
      intruder.adminToken,
    );
    expect(codes(restored)).toEqual(['NOT_FOUND']);
    expect(await count(victim)).toBe(2);
    // The victim's own admin still can.
    expect(
      (await victim.admin.request(VaultSnapshotsDocument, { keyId: victim.keyId, vault }))
        .vaultSnapshots,
    ).toHaveLength(1);
  });

  it("restoreVault refuses another vault's snapshot key, and keeps the vault as it was", async () => {
    const { victim, intruder } = await twoTenants();
    const [snapshot] = (
      await victim.admin.request(VaultSnapshotsDocument, {
        keyId: victim.keyId,
        vault: { kind: 'SESSION', id: 'home' },
      })
    ).vaultSnapshots;
    // The intruder names the victim's snapshot for a vault of its own key.
    await intruder.api.request(StoreMemoriesDocument, {
      inputs: [{ content: 'mine', vault: { kind: 'SESSION', id: 'home' } }],
    });
    const result = await post(
      RestoreVaultDocument,
      { keyId: intruder.keyId, vault: { kind: 'SESSION', id: 'home' }, snapshot: snapshot!.key },
      intruder.adminToken,
    );
    expect(codes(result)).toEqual(['NOT_FOUND']);
    const { vault } = await intruder.api.request(GetVaultDocument, {
      selector: { kind: 'SESSION', id: 'home' },
      first: 10,
    });
    expect(vault!.memories.edges.map((edge) => edge.node.content)).toEqual(['mine']);
  });

  it("migrateKvVaults refuses prefixes not recorded as the account's, and other accounts' keys", async () => {
    const victim = await newKey('kv-victim');
    const intruder = await newKey('kv-intruder');
    const memories = [{ id: 'kv1', content: 'victim data from the KV era', timestamp: Date.now() }];
    await legacy().put('tenant-v/core', JSON.stringify({ version: 1, memories }));
    await legacy().put('tenant-u/core', JSON.stringify({ version: 1, memories }));
    await legacy().put('memoryrouter-owner:tenant-v/', victim.accountId);

    // Before: any prefix was imported into the caller's key.
    const stolen = await post(
      MigrateKvVaultsDocument,
      { keyId: intruder.keyId, prefix: 'tenant-v/' },
      intruder.adminToken,
    );
    expect(stolen.errors?.[0]?.extensions).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'PREFIX_NOT_OWNED',
    });
    // A shorter prefix covering the victim's is not recorded either.
    expect(
      codes(
        await post(
          MigrateKvVaultsDocument,
          { keyId: intruder.keyId, prefix: 'tenant-' },
          intruder.adminToken,
        ),
      ),
    ).toEqual(['FORBIDDEN']);
    // An unrecorded prefix is refused to everyone.
    expect(
      codes(
        await post(
          MigrateKvVaultsDocument,
          { keyId: victim.keyId, prefix: 'tenant-u/' },
          victim.adminToken,
        ),
      ),
    ).toEqual(['FORBIDDEN']);
    // The owner cannot pour its data into another account's key.
    expect(
      codes(
        await post(
          MigrateKvVaultsDocument,
          { keyId: intruder.keyId, prefix: 'tenant-v/' },
          victim.adminToken,
        ),
      ),
    ).toEqual(['NOT_FOUND']);
    const core = async (key: typeof victim) =>
      (await key.api.request(GetVaultDocument, { selector: { kind: 'CORE' } })).vault!.memoryCount;
    expect(await core(intruder)).toBe(0);
    expect(await core(victim)).toBe(0);

    const run = await victim.admin.request(MigrateKvVaultsDocument, {
      keyId: victim.keyId,
      prefix: 'tenant-v/',
    });
    expect(run.migrateKvVaults.vaults.map((v) => v.report.imported)).toEqual([1]);
    expect(await core(victim)).toBe(1);
  });
});

describe('restore keeps each vault kind’s lifetime', () => {
  it('a restored EPHEMERAL vault expires EPHEMERAL_TTL_HOURS after the restore', async () => {
    const { api, admin, keyId } = await newKey();
    await api.request(StoreMemoriesDocument, {
      inputs: [{ content: 'passing remark', vault: { kind: 'EPHEMERAL', id: 'chat-1' } }],
    });
    const address: VaultAddress = { kind: 'EPHEMERAL', keyId, externalId: 'chat-1' };
    await snapshotNow(address);
    // Disaster: the object's storage is gone.
    await runInDurableObject(stubOf(address), (_, state) => state.storage.deleteAll());
    await evictDurableObject(stubOf(address));
    const before = Date.now();
    await admin.request(RestoreVaultDocument, {
      keyId,
      vault: { kind: 'EPHEMERAL', id: 'chat-1' },
    });
    const { vault } = await api.request(GetVaultDocument, {
      selector: { kind: 'EPHEMERAL', id: 'chat-1' },
    });
    // Before: no expiry at all, so the vault never went away.
    const ttl = Number(env.EPHEMERAL_TTL_HOURS) * 3_600_000;
    const expiresAt = new Date(vault!.expiresAt as string).getTime();
    expect(expiresAt).toBeGreaterThanOrEqual(before + ttl);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + ttl);
    expect(await runInDurableObject(stubOf(address), (_, state) => state.storage.getAlarm())).toBe(
      expiresAt,
    );
  });
});
