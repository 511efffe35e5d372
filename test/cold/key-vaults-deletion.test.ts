import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { StoreMemoriesDocument } from '../generated/graphql';
import { adminToken, newKey, post } from '../helpers/graphql';
import { vaultObjectName, type VaultAddress } from '../../src/vaults/address';
import { accountStub } from '../../src/durable/rpc/stubs';
import { KEY_VAULTS_PER_CALL } from '../../src/resolvers/delete-key-vaults';
import { runAlarm } from '../helpers/alarms';
import { snapshotKeys, writeMetaBeneath } from '../helpers/vaults';
import { eventually, fakeCalls, releaseHeld, resetFakes, scriptFake } from '../helpers/fakes';
import { openAiClient } from '../helpers/drop-in';
import { settleWorkerTasks } from '../helpers/worker-tasks';

const stubOf = (address: VaultAddress) =>
  env.VAULT.get(env.VAULT.idFromName(vaultObjectName(address)));

/** The vault's writes have settled and its snapshot is due: its alarm writes it. */
const settle = (state: DurableObjectState, object: unknown) =>
  writeMetaBeneath(object, state, ({ sql }) => {
    sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('snapshot_due_at', '0')");
    sql.exec("UPDATE meta SET value = '0' WHERE key = 'last_write_at'");
  });

const DELETE = `mutation($id: ID!) {
  deleteKeyVaults(id: $id) { vaultsCleared memoriesRemoved vaultsRemaining }
}`;
const REVOKE = 'mutation($id: ID!) { revokeMemoryKey(id: $id) }';
const SNAPSHOTS = `query($k: ID!, $v: VaultSelector!) { vaultSnapshots(keyId: $k, vault: $v) { key } }`;

describe('deleteKeyVaults: an admin deletes a memory key’s memories', () => {
  it('empties every vault of a revoked key and deletes their snapshots', async () => {
    const { api, keyId, adminToken: admin } = await newKey('leaver');
    await api.request(StoreMemoriesDocument, {
      inputs: [
        { content: 'Leaver private note: my PIN is 4821' },
        { content: 'a session fact', vault: { kind: 'SESSION' as const, id: 's1' } },
        { content: 'another session fact', vault: { kind: 'SESSION' as const, id: 's1' } },
      ],
    });
    const core: VaultAddress = { kind: 'CORE', keyId, externalId: null };
    const session: VaultAddress = { kind: 'SESSION', keyId, externalId: 's1' };
    for (const address of [core, session]) await runAlarm(stubOf(address), settle);
    expect(await snapshotKeys(core)).toHaveLength(1);
    expect(await snapshotKeys(session)).toHaveLength(1);
    expect((await post(REVOKE, { id: keyId }, admin)).errors).toBeUndefined();

    // Before: no admin operation deleted by key id, and the key itself is refused.
    const deleted = await post(DELETE, { id: keyId }, admin);
    expect(deleted.errors).toBeUndefined();
    expect(deleted.data).toEqual({
      deleteKeyVaults: { vaultsCleared: 2, memoriesRemoved: 3, vaultsRemaining: 0 },
    });
    expect(await snapshotKeys(core)).toEqual([]);
    expect(await snapshotKeys(session)).toEqual([]);
    expect((await post(SNAPSHOTS, { k: keyId, v: { kind: 'CORE' } }, admin)).data).toEqual({
      vaultSnapshots: [],
    });
    // Nothing of the vaults left to read: the stats say they do not exist.
    for (const address of [core, session]) {
      const stats = await stubOf(address).stats(address);
      expect(stats).toMatchObject({ ok: true, stats: { exists: false } });
    }
    // Twice is safe.
    expect((await post(DELETE, { id: keyId }, admin)).data).toEqual({
      deleteKeyVaults: { vaultsCleared: 1, memoriesRemoved: 0, vaultsRemaining: 0 },
    });
  });

  it('revoke, then delete: a chat under way on the key stores nothing once it ends, facts included', async () => {
    await resetFakes();
    const { api, keyId, secret, adminToken: admin } = await newKey('offboarded');
    await api.request(StoreMemoriesDocument, {
      inputs: [{ content: 'Olga private note', vault: { kind: 'SESSION' as const, id: 'off-1' } }],
    });
    // The answer streams at once; the model extracting the turn's facts is
    // still working (held) when the admin revokes the key and deletes its vaults.
    await scriptFake({ host: 'api.openai.com' });
    await scriptFake({
      host: 'api.openai.com',
      mode: 'held',
      toolArguments: JSON.stringify({ facts: ['Olga keeps a secret drop-in question'] }),
    });
    const client = openAiClient(secret, { 'x-session-id': 'off-1', 'x-memory-extract': 'true' });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Olga secret drop-in question' }],
      stream: true,
    });
    for await (const chunk of stream) void chunk;
    await eventually(async () =>
      expect((await fakeCalls()).filter((call) => call.host === 'api.openai.com')).toHaveLength(2),
    );
    expect((await post(REVOKE, { id: keyId }, admin)).errors).toBeUndefined();
    expect((await post(DELETE, { id: keyId }, admin)).data).toEqual({
      deleteKeyVaults: { vaultsCleared: 2, memoriesRemoved: 1, vaultsRemaining: 0 },
    });
    await releaseHeld();
    await settleWorkerTasks();

    // Before: the turn and its fact landed in the emptied vaults, and a
    // second deleteKeyVaults removed them.
    for (const address of [
      { kind: 'CORE', keyId, externalId: null },
      { kind: 'SESSION', keyId, externalId: 'off-1' },
    ] satisfies VaultAddress[]) {
      const stats = await stubOf(address).stats(address);
      expect(stats).toMatchObject({ ok: true, stats: { exists: false } });
    }
    expect((await post(DELETE, { id: keyId }, admin)).data).toEqual({
      deleteKeyVaults: { vaultsCleared: 1, memoriesRemoved: 0, vaultsRemaining: 0 },
    });
  });

  it('says what is left of a key with more vaults than one call clears, and clears it on the next call', async () => {
    const { api, keyId, accountId, adminToken: admin } = await newKey('many sessions');
    // Two memories, wherever the registry's order puts their vaults.
    const last = `s${KEY_VAULTS_PER_CALL}`;
    await api.request(StoreMemoriesDocument, {
      inputs: [
        { content: 'a core note' },
        { content: 'kept for the second call', vault: { kind: 'SESSION' as const, id: last } },
      ],
    });
    // CORE and KEY_VAULTS_PER_CALL sessions: one more vault than a call clears.
    const account = accountStub(env, accountId);
    for (let index = 1; index < KEY_VAULTS_PER_CALL; index += 1)
      await account.registerVault(keyId, 'SESSION', `s${index}`);
    const first = await post(DELETE, { id: keyId }, admin);
    expect(first.errors).toBeUndefined();
    // Before (with vaultsRemaining always 0): the operator is told it is done.
    expect(first.data).toMatchObject({
      deleteKeyVaults: { vaultsCleared: KEY_VAULTS_PER_CALL, vaultsRemaining: 1 },
    });
    const second = await post(DELETE, { id: keyId }, admin);
    // The one left (CORE with it when CORE was cleared first: clearing is idempotent).
    expect(second.data).toMatchObject({ deleteKeyVaults: { vaultsRemaining: 0 } });
    const memoriesRemoved = [first, second].map(
      (result) =>
        (result.data as { deleteKeyVaults: { memoriesRemoved: number } }).deleteKeyVaults
          .memoriesRemoved,
    );
    expect(memoriesRemoved[0]! + memoriesRemoved[1]!).toBe(2);
    for (const address of [
      { kind: 'CORE', keyId, externalId: null },
      { kind: 'SESSION', keyId, externalId: last },
    ] satisfies VaultAddress[]) {
      const stats = await stubOf(address).stats(address);
      expect(stats).toMatchObject({ ok: true, stats: { exists: false } });
    }
  }, 120_000);

  it('refuses a key id the account does not have, another account’s included, and a memory key', async () => {
    const owner = await newKey('owner');
    await owner.api.request(StoreMemoriesDocument, { inputs: [{ content: 'owner note' }] });
    const stranger = await adminToken(`acct-stranger-${Date.now().toString(36)}`);
    for (const id of [owner.keyId, 'key_00000000000000000000000000000000']) {
      const refused = await post(DELETE, { id }, stranger);
      expect(refused.errors?.[0]?.extensions).toMatchObject({
        code: 'NOT_FOUND',
        reason: 'KEY_NOT_FOUND',
      });
    }
    expect(
      (await post(DELETE, { id: owner.keyId }, owner.secret)).errors?.[0]?.extensions,
    ).toMatchObject({
      code: 'FORBIDDEN',
    });
    // The owner's memory is still there.
    const core: VaultAddress = { kind: 'CORE', keyId: owner.keyId, externalId: null };
    expect(await stubOf(core).stats(core)).toMatchObject({ ok: true, stats: { exists: true } });
  });
});
