import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { MetaTable, Sql } from '../../src/durable/sqlite/sql';
import { VaultMeta, type VaultMetaRecord } from '../../src/durable/warm-tier/vault-meta';
import { freshAddress, memory, ok, storeRequest, vaultStub } from '../helpers/vaults';

/** Runs `check` with the vault's typed meta record and the raw rows of its meta table. */
function withMeta<T>(
  check: (meta: VaultMeta, raw: () => Record<string, string>, state: DurableObjectState) => T,
) {
  const address = freshAddress('EPHEMERAL', 'meta');
  return runInDurableObject(vaultStub(address), (_, state) => {
    const sql = new Sql(state.storage.sql);
    const raw = () =>
      Object.fromEntries(
        sql
          .all<{ key: string; value: string }>('SELECT key, value FROM meta')
          .map((row) => [row.key, row.value]),
      );
    return check(new VaultMeta(new MetaTable(sql)), raw, state);
  });
}

describe('the vault meta record', () => {
  it('reads back every field with its type, from the keys vaults have always used', async () => {
    const written: Omit<VaultMetaRecord, 'schemaVersion'> = {
      address: { kind: 'SESSION', keyId: 'k1', externalId: 's1' },
      embeddingModel: 'model@1',
      dimensions: 384,
      lastWriteAt: 1_764_000_000_123,
      expiresAt: 1_764_086_400_000,
      checkpoint: { seq: 42, rows: 40 },
      checkpointDueAt: 1_764_000_005_000,
      textPagesVoices: 1,
      deleteSeq: 3,
      snapshotDueAt: 1_764_000_030_000,
      lastSnapshot: { endedAt: 1_764_000_031_500, tookMs: 1_500 },
      speakerMetadata: true,
      reembed: {
        state: 'RUNNING',
        model: 'model@2',
        dimensions: 768,
        fromModel: 'model@1',
        trigger: 'DEPLOYMENT',
        everyRow: true,
        startedAt: 1_764_000_000_000,
        finishedAt: null,
        done: 10,
        remaining: 30,
        cursor: 12,
        failures: 1,
        lastError: 'the embedding model did not answer',
        nextBatchAt: 1_764_000_001_000,
      },
      reembedDueAt: 1_764_000_001_000,
      usageDueAt: 1_764_000_002_000,
      usageFailures: 2,
      ftsRebuildDueAt: 1_764_000_003_000,
      snapshotsFrom: 1_764_000_003_000,
      snapshotPruneDueAt: 1_764_000_004_000,
      openImports: ['import-1', 'import-2'],
      importsEndedByRestore: ['import-0'],
      snapshotUpload: { key: 'vaults/x/snapshots/1.jsonl', uploadId: 'upload-1' },
      restoreJob: null,
      restoreEnded: null,
    };
    const { record, raw } = await withMeta((meta, raw) => {
      meta.update(written);
      return { record: meta.record(), raw: raw() };
    });
    expect(record).toEqual({ ...written, schemaVersion: expect.any(Number) });
    expect(record.schemaVersion).toBeGreaterThanOrEqual(5);
    expect(raw).toEqual({
      schema_version: String(record.schemaVersion),
      address: JSON.stringify(written.address),
      embedding_model: 'model@1',
      dimensions: '384',
      last_write_at: '1764000000123',
      expires_at: '1764086400000',
      hot_checkpoint_seq: '42',
      hot_checkpoint_rows: '40',
      checkpoint_due_at: '1764000005000',
      text_pages_voices: '1',
      delete_seq: '3',
      snapshot_due_at: '1764000030000',
      snapshot_ended_at: '1764000031500',
      snapshot_took_ms: '1500',
      speaker_metadata: '1',
      reembed: JSON.stringify(written.reembed),
      reembed_due_at: '1764000001000',
      usage_due_at: '1764000002000',
      usage_failures: '2',
      fts_rebuild_due_at: '1764000003000',
      snapshots_from: '1764000003000',
      snapshot_prune_due_at: '1764000004000',
      open_imports: JSON.stringify(['import-1', 'import-2']),
      imports_ended_by_restore: JSON.stringify(['import-0']),
      snapshot_upload: JSON.stringify(written.snapshotUpload),
    });
  });

  it('keeps no row for an unset field, and reads a missing row as unset', async () => {
    const { record, raw } = await withMeta((meta, raw) => {
      meta.update({
        expiresAt: 5,
        checkpoint: { seq: 1, rows: 1 },
        speakerMetadata: true,
        deleteSeq: 2,
      });
      meta.update({ expiresAt: null, checkpoint: null, speakerMetadata: false, deleteSeq: 0 });
      return { record: meta.record(), raw: raw() };
    });
    expect(Object.keys(raw)).toEqual(['schema_version']);
    expect(record).toMatchObject({
      address: null,
      embeddingModel: null,
      dimensions: null,
      expiresAt: null,
      checkpoint: null,
      deleteSeq: 0,
      speakerMetadata: false,
    });
  });

  it('agrees field by field with the whole record, and with SQLite after a rollback', async () => {
    const after = await withMeta((meta, _raw, state) => {
      meta.update({ lastWriteAt: 10, deleteSeq: 1 });
      try {
        state.storage.transactionSync(() => {
          meta.update({ lastWriteAt: 20, deleteSeq: 2 });
          throw new Error('abandoned');
        });
      } catch {
        // rolled back
      }
      const record = meta.record();
      return {
        record: { lastWriteAt: record.lastWriteAt, deleteSeq: record.deleteSeq },
        fields: { lastWriteAt: meta.get('lastWriteAt'), deleteSeq: meta.get('deleteSeq') },
      };
    });
    expect(after.record).toEqual({ lastWriteAt: 10, deleteSeq: 1 });
    expect(after.fields).toEqual(after.record);
  });

  it('is what a vault writes: its address, model, dimensions and times', async () => {
    const address = freshAddress('EPHEMERAL', 'written');
    const vault = vaultStub(address);
    const before = Date.now();
    ok(await vault.store(address, storeRequest([memory('one', { metadata: { speaker: 'Ann' } })])));
    const record = await runInDurableObject(vault, (_, state) =>
      new VaultMeta(new MetaTable(new Sql(state.storage.sql))).record(),
    );
    expect(record).toMatchObject({
      address,
      dimensions: 384,
      speakerMetadata: true,
      checkpoint: null,
    });
    expect(record.lastWriteAt).toBeGreaterThanOrEqual(before);
    expect(record.expiresAt).toBeGreaterThan(record.lastWriteAt!);
    expect(record.snapshotDueAt).toBeGreaterThan(record.lastWriteAt!);
  });
});
