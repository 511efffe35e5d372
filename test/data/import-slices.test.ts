import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  ClearVaultDocument,
  GetVaultDocument,
  ListVaultsDocument,
  RestoreVaultDocument,
  StoreMemoriesDocument,
} from '../generated/graphql';
import { newKey } from '../helpers/graphql';
import {
  IMPORT_BATCH as BATCH,
  importAcross,
  importLines,
  openImport,
} from '../helpers/import-stream';
import { ok, vaultStub } from '../helpers/vaults';

/** The restorer's step sizes (rows per call), set small so a restore takes several calls. */
type Restorer = {
  restorer: { stageRows: number; swapRows: number; job(): { phase: string } | null };
};

/**
 * A big import shares its isolate and ends at a clear of its vault
 * (review267 F2, review269, review269 F7), through the public import route.
 */

describe('a clear of the vault ends an import into it', () => {
  it('ends with VAULT_CLEARED in the progress stream; nothing sent after the clear is stored or listed', async () => {
    // Before: the import went on storing every batch after clearVault, and
    // its report counted them all; the vault held them again afterwards.
    const { secret, api } = await newKey();
    const selector = { kind: 'SESSION' as const, id: 'cleared-mid' };
    const { last, upload } = await importAcross(
      secret,
      selector.id,
      async () =>
        expect((await api.request(ClearVaultDocument, { selector })).clearVault).toBe(BATCH),
      BATCH * 2,
    );
    expect(last).toEqual({
      type: 'error',
      error: expect.objectContaining({ code: 'NOT_FOUND', reason: 'VAULT_CLEARED' }),
    });
    expect(upload.events.filter((event) => Number(event.imported) > BATCH)).toEqual([]);
    // The vault is as the clear left it: empty, and not listed.
    expect((await api.request(GetVaultDocument, { selector })).vault).toBeNull();
    const listed = (await api.request(ListVaultsDocument)).vaults;
    expect(listed.map((vault) => vault.externalId)).not.toContain(selector.id);
  });

  it('also ends an import that had stored nothing yet, into a vault never written', async () => {
    // A clear of a vault that was never written was a no-op, and the import
    // into it went on to fill it after the clear had answered.
    const { secret, api } = await newKey();
    const selector = { kind: 'SESSION' as const, id: 'cleared-before-first-batch' };
    const upload = await openImport(secret, selector.id);
    // A thousand refused lines: the import reports progress, having stored nothing.
    await upload.send('not json\n'.repeat(1000));
    await upload.readUntil((event) => event.type === 'progress' && event.failed === 1000);
    expect((await api.request(ClearVaultDocument, { selector })).clearVault).toBe(0);
    await upload.send(importLines(0, BATCH));
    await upload.close();
    const last = await upload.readUntil((event) => event.type !== 'progress');
    expect(last).toMatchObject({ type: 'error', error: { reason: 'VAULT_CLEARED' } });
    expect((await api.request(GetVaultDocument, { selector })).vault).toBeNull();
  });

  it('leaves an import into another vault of the key alone', async () => {
    const { secret, api } = await newKey();
    const { last } = await importAcross(secret, 'kept', () =>
      api.request(ClearVaultDocument, { selector: { kind: 'SESSION', id: 'other' } }),
    );
    expect(last).toMatchObject({
      type: 'report',
      imported: BATCH * 2,
    });
  });
});

describe('a restore of the vault ends an import into it', () => {
  it('ends with VAULT_RESTORED in the progress stream; the vault holds the snapshot, nothing sent after', async () => {
    // Before: the batches after restoreVault were stored into the restored
    // vault, and the report counted them: half a file mixed into a snapshot.
    const { secret, admin, keyId } = await newKey();
    const selector = { kind: 'SESSION' as const, id: 'restored-mid' };
    const address = { kind: 'SESSION' as const, keyId, externalId: selector.id };
    const { last, upload } = await importAcross(secret, selector.id, async () => {
      ok(await vaultStub(address).snapshot(address));
      expect(
        (await admin.request(RestoreVaultDocument, { keyId, vault: selector })).restoreVault,
      ).toMatchObject({ restored: BATCH });
    });
    expect(last).toEqual({
      type: 'error',
      error: expect.objectContaining({ code: 'NOT_FOUND', reason: 'VAULT_RESTORED' }),
    });
    expect(upload.events.filter((event) => Number(event.imported) > BATCH)).toEqual([]);
    const { stats } = ok(await vaultStub(address).stats(address));
    expect(stats.memoryCount).toBe(BATCH);
  });
});

describe('a restore parked mid-swap ends an import into it as VAULT_RESTORED', () => {
  it('its check of the ids the vault holds hears that the restore ended it, not to try again', async () => {
    // Before: the import's lines carry ids, so before each batch it asks the
    // vault which it holds; during the swap that read was refused as every
    // call is (RATE_LIMITED / RESTORE_IN_PROGRESS, retry in 5 s) and ended
    // the import with that code, though the restore had ended it for good.
    const { secret, keyId } = await newKey();
    const selector = { kind: 'SESSION' as const, id: 'restored-in-swap' };
    const address = { kind: 'SESSION' as const, keyId, externalId: selector.id };
    const lines = (from: number, count: number) =>
      Array.from(
        { length: count },
        (_, i) =>
          `${JSON.stringify({ id: `line-${from + i}`, content: `imported line ${from + i}` })}\n`,
      ).join('');
    const upload = await openImport(secret, selector.id);
    await upload.send(lines(0, BATCH));
    await upload.readUntil((event) => event.type === 'progress' && event.imported === BATCH);

    // A restore in small steps, left by its caller in its swap.
    const vault = vaultStub(address);
    ok(await vault.snapshot(address));
    await runInDurableObject(vault, (instance) => {
      const { restorer } = instance as unknown as Restorer;
      restorer.stageRows = 8;
      restorer.swapRows = 8;
    });
    const phase = () =>
      runInDurableObject(
        vault,
        (instance) => (instance as unknown as Restorer).restorer.job()?.phase ?? null,
      );
    let answer = ok(await vault.restore(address, null));
    while ((await phase()) !== 'SWAP') {
      expect(answer.job).not.toBeNull();
      answer = ok(await vault.restore(address, answer.key, answer.job));
    }

    await upload.send(lines(BATCH, BATCH));
    await upload.close();
    const last = await upload.readUntil((event) => event.type !== 'progress');
    expect(last).toEqual({
      type: 'error',
      error: expect.objectContaining({ code: 'NOT_FOUND', reason: 'VAULT_RESTORED' }),
    });
    // The restore goes on and ends with the snapshot's rows, none of the import's after it.
    while (answer.job !== null) answer = ok(await vault.restore(address, answer.key, answer.job));
    expect(ok(await vault.stats(address)).stats.memoryCount).toBe(BATCH);
  });
});

describe('an import shares the isolate', () => {
  it('hands the event loop back between batches, with the whole file already there', async () => {
    // Before: with the body all there, the import never gave the event loop
    // a turn until it ended, so its progress lines and every other request
    // of the isolate waited for its end (review267 F2, review269). A timer
    // set once the first progress line is read fires only on such a turn:
    // it must fire while the import still runs, before its report.
    const { secret, api } = await newKey();
    const selector = { kind: 'SESSION' as const, id: 'shared' };
    // Three batches: all a vault holds in the tests (VAULT_MAX_MEMORIES 300).
    const total = BATCH * 3;
    const upload = await openImport(secret, selector.id);
    await upload.send(importLines(0, total));
    await upload.close();
    await upload.readUntil((event) => event.type === 'progress');
    const seenAtTurn = new Promise<string[]>((resolve) =>
      setTimeout(() => resolve(upload.events.map((event) => String(event.type))), 0),
    );
    const ended = upload.readUntil((event) => event.type !== 'progress');
    expect(await seenAtTurn).not.toContain('report');
    expect(await ended).toMatchObject({ type: 'report', imported: total });
    // Progress came batch by batch.
    expect(upload.events.filter((event) => event.type === 'progress').length).toBe(3);
    expect((await api.request(GetVaultDocument, { selector })).vault?.memoryCount).toBe(total);
  });
});

describe('a clear racing a store keeps the listing true', () => {
  it('lists the vault whenever it holds memories, and only then', async () => {
    // Before: a store that landed after the clear's wipe registered the
    // vault, and the clear's forgetVault then took it out of `vaults`
    // although it held the store's memory.
    const { api } = await newKey();
    const selector = { kind: 'SESSION' as const, id: 'raced' };
    const store = (n: number) =>
      api.request(StoreMemoriesDocument, {
        inputs: [{ vault: selector, content: `raced memory ${n}`, role: 'USER' }],
      });
    await store(0);
    for (let round = 1; round <= 6; round++) {
      await Promise.all([api.request(ClearVaultDocument, { selector }), store(round)]);
      const held = (await api.request(GetVaultDocument, { selector })).vault?.memoryCount ?? 0;
      const listed = (await api.request(ListVaultsDocument)).vaults.some(
        (vault) => vault.externalId === selector.id,
      );
      expect({ round, listed }).toEqual({ round, listed: held > 0 });
      if (held === 0) await store(round);
    }
  });
});
