import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { MetaTable, Sql } from '../../src/durable/sqlite/sql';
import { VaultMeta } from '../../src/durable/warm-tier/vault-meta';
import type { VaultAddress } from '../../src/vaults/address';
import {
  allTime,
  failed,
  freshAddress,
  memory,
  ok,
  searchRequest,
  storeRequest,
  vaultStub,
} from '../helpers/vaults';

const MODES = ['VECTOR', 'TEXT', 'HYBRID'] as const;

/** Contents of every hit, per search mode, for one query over all time. */
async function found(address: VaultAddress, query: string) {
  const searched = ok(
    await vaultStub(address).search(
      address,
      MODES.map((mode) => searchRequest(query, [allTime(10)], { mode })),
    ),
  );
  return Object.fromEntries(
    MODES.map((mode, i) => [
      mode,
      searched.results[i]![0]!.hits.map((hit) => hit.memory.content).sort(),
    ]),
  );
}

function internals(address: VaultAddress) {
  return runInDurableObject(vaultStub(address), async (_, state) => {
    const sql = new Sql(state.storage.sql);
    const tables = ['hot_pages', 'hot_tombstones', 'text_pages', 'restore_staging'];
    return {
      meta: new VaultMeta(new MetaTable(sql)).record(),
      rows: tables.map(
        (table) => sql.first<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`)!.n,
      ),
      alarm: await state.storage.getAlarm(),
    };
  });
}

describe('restoring a vault from its snapshot', () => {
  it('replaces what the vault holds, in memory too, and wakes up on the restored rows', async () => {
    const address = freshAddress('EPHEMERAL', 'restore');
    const vault = vaultStub(address);
    ok(
      await vault.store(
        address,
        storeRequest([memory('the garden gate is blue'), memory('the garden shed is red')]),
      ),
    );
    const { snapshot } = ok(await vault.snapshot(address));
    // After the snapshot: a write and a delete, the index and timeline loaded and checkpointed.
    const [later] = ok(
      await vault.store(address, storeRequest([memory('the garden pond is green')])),
    ).memories;
    await found(address, 'garden');
    await runInDurableObject(vault, (instance) =>
      (instance as unknown as { checkpoint(): void }).checkpoint(),
    );
    const before = await internals(address);

    const restored = ok(await vault.restore(address, null));
    expect(restored).toEqual({ ok: true, restored: 2, key: snapshot.key, job: null });
    const expected = ['the garden gate is blue', 'the garden shed is red'];
    expect(await found(address, 'garden')).toEqual({
      VECTOR: expected,
      TEXT: expected,
      HYBRID: expected,
    });
    expect(ok(await vault.get(address, [later!.id])).memories).toEqual([]);

    const after = await internals(address);
    expect(after.rows).toEqual([0, 0, 0, 0]);
    expect(after.meta).toMatchObject({
      address,
      checkpoint: null,
      checkpointDueAt: null,
      deleteSeq: before.meta.deleteSeq + 1,
      dimensions: 384,
    });
    // A restore is a write: the EPHEMERAL vault lives its full time again, and the alarm knows.
    expect(after.meta.lastWriteAt).toBeGreaterThanOrEqual(before.meta.lastWriteAt!);
    expect(after.meta.expiresAt).toBeGreaterThanOrEqual(before.meta.expiresAt!);
    expect(after.alarm).not.toBeNull();
    expect(after.alarm!).toBeLessThanOrEqual(after.meta.expiresAt!);

    // Later writes and a restart keep to the restored rows.
    ok(await vault.store(address, storeRequest([memory('the garden bench is new')])));
    await evictDurableObject(vault);
    expect((await found(address, 'garden')).VECTOR).toEqual(
      [...expected, 'the garden bench is new'].sort(),
    );
  });

  it('serves only the vault it holds, and only that vault’s snapshots', async () => {
    const address = freshAddress('SESSION', 'owner');
    const vault = vaultStub(address);
    ok(await vault.store(address, storeRequest([memory('the owner note')])));
    expect(failed(await vault.restore(address, null))).toMatchObject({ code: 'NOT_FOUND' });
    const { snapshot } = ok(await vault.snapshot(address));

    // Another address reaching this object (a name-derivation bug) is refused before anything is read.
    expect(failed(await vault.restore({ ...address, keyId: 'someone-else' }, null)).code).toBe(
      'FORBIDDEN',
    );

    // Another vault's snapshot key is not this vault's to restore.
    const other = freshAddress('SESSION', 'other');
    ok(await vaultStub(other).store(other, storeRequest([memory('the other note')])));
    expect(failed(await vaultStub(other).restore(other, snapshot.key))).toMatchObject({
      code: 'NOT_FOUND',
    });

    // A file under this vault's prefix that describes another vault is refused, and changes nothing.
    const stranger = snapshot.key.replace(/\/[^/]+$/, '/999999999999999-1.jsonl');
    const text = await (await env.SNAPSHOTS.get(snapshot.key))!.text();
    await env.SNAPSHOTS.put(
      stranger,
      text.replace('"externalId":"owner"', '"externalId":"not-owner"'),
    );
    expect(failed(await vault.restore(address, stranger))).toMatchObject({
      reason: 'SNAPSHOT_MISMATCH',
    });
    expect(await found(address, 'note')).toMatchObject({ TEXT: ['the owner note'] });
    expect((await internals(address)).rows[3]).toBe(0); // nothing left staged
  });
});
