import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { MetaTable, Sql } from '../../src/durable/sqlite/sql';
import { VaultMeta, type VaultMetaRecord } from '../../src/durable/warm-tier/vault-meta';
import type { VaultAddress } from '../../src/vaults/address';
import { VAULT_MIGRATIONS } from '../../src/durable/warm-tier/vault-schema';
import { runAlarm } from '../helpers/alarms';
import {
  freshAddress,
  memory,
  ok,
  storeRequest,
  vaultStub,
  writeMetaBeneath,
} from '../helpers/vaults';

/**
 * A vault keeps the meta record its calls open with between its own writes
 * (vault-meta.ts) instead of decoding the table on every call. These check
 * that the kept record never disagrees with the table.
 */
describe('the meta record a vault keeps between writes', () => {
  it('is kept until a write, never kept from a plain read, and forgets a rolled-back write', async () => {
    const address = freshAddress('SESSION', 'kept-unit');
    const seen = await runInDurableObject(vaultStub(address), (_, state) => {
      const meta = new VaultMeta(new MetaTable(new Sql(state.storage.sql)));
      meta.set('lastWriteAt', 1);
      const first = meta.current();
      const again = meta.current();
      const fresh = meta.record();
      meta.set('lastWriteAt', 2);
      const afterWrite = meta.current().lastWriteAt;
      // A transaction that writes and then fails: SQLite rolls the write back,
      // and the record answered after it is the table's, not the failed write's.
      try {
        state.storage.transactionSync(() => {
          meta.set('lastWriteAt', 3);
          throw new Error('refused part way');
        });
      } catch {
        // expected
      }
      const afterRollback = meta.current().lastWriteAt;
      return {
        same: first === again,
        freshIsKept: fresh === first,
        frozen: Object.isFrozen(first),
        afterWrite,
        afterRollback,
      };
    });
    expect(seen).toEqual({
      same: true,
      freshIsKept: false,
      frozen: true,
      afterWrite: 2,
      afterRollback: 2,
    });
  });

  it('is forgotten by a wake-up whose migration throws part-way', async () => {
    const address = freshAddress('SESSION', 'kept-migrate');
    const vault = vaultStub(address);
    ok(await vault.store(address, storeRequest([memory('a fact')])));
    const latest = VAULT_MIGRATIONS.at(-1)!.version;
    // The last migration whose statements fail when run twice: one adding a
    // column (a later one may check before it changes anything, or only
    // delete rows, and so not fail).
    const rerun = VAULT_MIGRATIONS.findLast((migration) =>
      migration.statements.some((statement) => /\bADD COLUMN\b/i.test(statement)),
    )!;
    const seen = await runInDurableObject(vault, (object, state) => {
      const instance = object as unknown as { meta: VaultMeta; life: { wake(): void } };
      const kept = instance.meta.current().lastWriteAt;
      // Beneath the object without telling it, on purpose: its kept record is
      // now stale, and the schema back before `rerun`, so a wake-up runs it
      // again, which fails (its column exists).
      /* eslint-disable no-restricted-syntax -- the stale record is the point */
      state.storage.sql.exec("UPDATE meta SET value = '1' WHERE key = 'last_write_at'");
      state.storage.sql.exec(
        "UPDATE meta SET value = ? WHERE key = 'schema_version'",
        rerun.version - 1,
      );
      /* eslint-enable no-restricted-syntax */
      let thrown: unknown = null;
      try {
        instance.life.wake();
      } catch (error) {
        thrown = error;
      }
      const afterFailedWake = instance.meta.current().lastWriteAt;
      writeMetaBeneath(object, state, ({ meta }) => meta.set('schemaVersion', latest));
      instance.life.wake();
      return { kept, thrown: thrown !== null, afterFailedWake };
    });
    expect(seen.kept).toBeGreaterThan(1);
    expect(seen.thrown).toBe(true);
    expect(seen.afterFailedWake).toBe(1);
    // The vault still answers after its schema is whole again.
    expect(ok(await vault.read(address, [{ type: 'stats' }])).stats.memoryCount).toBe(1);
  });

  it('follows the vault through stores, deletes, snapshots, a restore, a clear and its expiry', async () => {
    const address = freshAddress('EPHEMERAL', 'kept-life');
    const vault = vaultStub(address);
    /** The stats a call answers (from the kept record) and the table's own record. */
    const agree = async (step: string) => {
      const stats = ok(await vault.read(address, [{ type: 'stats' }])).stats;
      const table = await runInDurableObject(vault, (_, state) =>
        new VaultMeta(new MetaTable(new Sql(state.storage.sql))).record(),
      );
      expect({ step, stats: statsFields(stats) }).toEqual({ step, stats: expected(table) });
      return stats;
    };
    expect((await agree('never written')).exists).toBe(false);
    const [first] = ok(await vault.store(address, storeRequest([memory('first fact')]))).memories;
    expect((await agree('after a store')).exists).toBe(true);
    ok(await vault.store(address, storeRequest([memory('second fact')])));
    await agree('after a second store');
    const { key } = ok(await vault.snapshot(address)).snapshot;
    await agree('after a snapshot');
    ok(await vault.remove(address, first!.id));
    await agree('after a delete');
    ok(await vault.restore(address, key));
    expect((await agree('after a restore')).memoryCount).toBe(2);
    ok(await vault.clear(address));
    expect((await agree('after a clear')).exists).toBe(false);
    ok(await vault.store(address, storeRequest([memory('a later fact')])));
    expect((await agree('written again')).exists).toBe(true);
    // Its time runs out: the alarm removes it, and the next call sees it gone.
    await runAlarm(vault, (state, object) =>
      writeMetaBeneath(object, state, ({ sql }) =>
        sql.exec("UPDATE meta SET value = ? WHERE key = 'expires_at'", String(Date.now() - 1)),
      ),
    );
    expect(await agree('after its expiry')).toMatchObject({ exists: false, memoryCount: 0 });
  });
});

function statsFields(stats: {
  exists: boolean;
  embeddingModel: string | null;
  dimensions: number | null;
  lastWriteAt: number | null;
  expiresAt: number | null;
  reembed: unknown;
}) {
  const { exists, embeddingModel, dimensions, lastWriteAt, expiresAt, reembed } = stats;
  return { exists, embeddingModel, dimensions, lastWriteAt, expiresAt, reembed };
}

function expected(record: VaultMetaRecord): ReturnType<typeof statsFields> {
  return statsFields({ ...record, exists: (record.address as VaultAddress | null) !== null });
}
