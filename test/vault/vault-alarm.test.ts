import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  afterChange,
  armAlarm,
  CHECKPOINT_DELAY_MS,
  dueWork,
  nextAlarm,
  checkpointDeferral,
  snapshotDeferral,
  snapshotSpacing,
  type DueTimes,
} from '../../src/durable/vault/vault-alarm';
import { chunkSpans } from '../../src/text/chunks';
import { MetaTable, Sql } from '../../src/durable/sqlite/sql';
import type { HotIndex } from '../../src/durable/indexes/hot-index';
import { VaultMeta } from '../../src/durable/warm-tier/vault-meta';
import type { VaultObject } from '../../src/durable/vault/vault-object';
import {
  embedder,
  freshAddress,
  memory,
  ok,
  storeRequest,
  vaultStub,
  writeMetaBeneath,
} from '../helpers/vaults';
import { runAlarm } from '../helpers/alarms';
import { useOwnHotBudget } from '../helpers/hot-budget';

const none: DueTimes = { expiresAt: null, checkpointDueAt: null, snapshotDueAt: null };

describe('what the vault alarm finds due', () => {
  it('does what is due, and nothing else once the vault has expired', () => {
    const times = { expiresAt: 300, checkpointDueAt: 100, snapshotDueAt: 200 };
    const nothing = {
      expire: false,
      checkpoint: false,
      snapshot: false,
      reembed: false,
      usage: false,
      ftsRebuild: false,
    };
    expect(dueWork(times, 99)).toEqual(nothing);
    expect(dueWork(times, 100)).toEqual({ ...nothing, checkpoint: true });
    expect(dueWork(times, 250)).toEqual({ ...nothing, checkpoint: true, snapshot: true });
    expect(dueWork({ ...times, reembedDueAt: 280 }, 290)).toEqual({
      ...nothing,
      checkpoint: true,
      snapshot: true,
      reembed: true,
    });
    expect(dueWork({ ...times, reembedDueAt: 280 }, 300)).toEqual({ ...nothing, expire: true });
    expect(dueWork({ ...times, usageDueAt: 150 }, 160)).toEqual({
      ...nothing,
      checkpoint: true,
      usage: true,
    });
    expect(dueWork({ ...times, ftsRebuildDueAt: 150 }, 160)).toEqual({
      ...nothing,
      checkpoint: true,
      ftsRebuild: true,
    });
    expect(dueWork(none, Number.MAX_SAFE_INTEGER)).toEqual(nothing);
  });

  it('fires next at the earliest due time, or not at all', () => {
    expect(nextAlarm(none)).toBeNull();
    expect(nextAlarm({ ...none, snapshotDueAt: 7 })).toBe(7);
    expect(nextAlarm({ ...none, snapshotDueAt: 7, usageDueAt: 5 })).toBe(5);
    expect(nextAlarm({ ...none, snapshotDueAt: 7, ftsRebuildDueAt: 4 })).toBe(4);
    expect(nextAlarm({ expiresAt: 9, checkpointDueAt: 8, snapshotDueAt: 10 })).toBe(8);
    expect(
      nextAlarm({ expiresAt: 9, checkpointDueAt: 8, snapshotDueAt: 10, reembedDueAt: 6 }),
    ).toBe(6);
  });

  it('plans the snapshot once, and a checkpoint only when needed', () => {
    let asked = 0;
    const needed = (answer: boolean) => () => {
      asked++;
      return answer;
    };
    const change = { now: 1_000, snapshotDelayMs: 30_000 };
    expect(afterChange(none, { ...change, checkpointNeeded: needed(false) })).toEqual({
      checkpointDueAt: null,
      snapshotDueAt: 31_000,
    });
    expect(afterChange(none, { ...change, checkpointNeeded: needed(true) })).toEqual({
      checkpointDueAt: 1_000 + CHECKPOINT_DELAY_MS,
      snapshotDueAt: 31_000,
    });
    // What is planned stays where it is (a busy vault's writes touch neither meta nor
    // alarm), and counting rows is skipped.
    expect(
      afterChange(
        { ...none, checkpointDueAt: 500, snapshotDueAt: 900 },
        { ...change, checkpointNeeded: needed(true) },
      ),
    ).toEqual({ checkpointDueAt: 500, snapshotDueAt: 900 });
    expect(asked).toBe(2);
  });

  it('defers a due snapshot until the last write is snapshotDelayMs old', () => {
    expect(snapshotDeferral(null, 10_000, 30_000)).toBeNull();
    expect(snapshotDeferral(1_000, 10_000, 30_000)).toBe(31_000);
    expect(snapshotDeferral(1_000, 31_000, 30_000)).toBeNull();
  });

  it("spaces snapshots so they take at most 5% of the vault's time: a big vault is snapshotted less often", () => {
    expect(snapshotSpacing(null, 10_000)).toBeNull();
    // A 2 s snapshot that ended at 100 s: the next starts 38 s later at the earliest.
    expect(snapshotSpacing({ endedAt: 100_000, tookMs: 2_000 }, 101_000)).toBe(138_000);
    expect(snapshotSpacing({ endedAt: 100_000, tookMs: 2_000 }, 138_000)).toBeNull();
    // A 60 s snapshot of a big vault: 19 minutes later.
    expect(snapshotSpacing({ endedAt: 0, tookMs: 60_000 }, 1)).toBe(1_140_000);
  });

  it('a second write leaves the planned snapshot and the alarm as they were; the alarm then waits for writes to settle', async () => {
    const address = freshAddress('CORE');
    const vault = vaultStub(address);
    ok(await vault.store(address, storeRequest([memory('first')])));
    const planned = await runInDurableObject(vault, async (_, state) => ({
      due: new VaultMeta(new MetaTable(new Sql(state.storage.sql))).get('snapshotDueAt'),
      alarm: await state.storage.getAlarm(),
    }));
    expect(planned.due).not.toBeNull();
    expect(planned.alarm).toBe(planned.due);
    ok(await vault.store(address, storeRequest([memory('second')])));
    const after = await runInDurableObject(vault, async (object, state) => {
      const meta = new VaultMeta(new MetaTable(new Sql(state.storage.sql)));
      const seen = {
        due: meta.get('snapshotDueAt'),
        alarm: await state.storage.getAlarm(),
        lastWriteAt: meta.get('lastWriteAt')!,
      };
      // The planned time arrives while the last write is recent.
      writeMetaBeneath(object, state, (beneath) =>
        beneath.meta.set('snapshotDueAt', Date.now() - 1),
      );
      await state.storage.setAlarm(Date.now());
      return seen;
    });
    expect({ due: after.due, alarm: after.alarm }).toEqual(planned);
    expect(await runDurableObjectAlarm(vault)).toBe(true);
    const deferred = await runInDurableObject(vault, async (_, state) => ({
      due: new VaultMeta(new MetaTable(new Sql(state.storage.sql))).get('snapshotDueAt'),
      alarm: await state.storage.getAlarm(),
    }));
    // Not written: moved to the last write's time plus the delay, and the alarm with it.
    expect(deferred.due).toBe(after.lastWriteAt + 30_000); // SNAPSHOT_DELAY_SECONDS
    expect(deferred.alarm).toBe(deferred.due);
  });

  it('sets, moves and removes the object’s one alarm', async () => {
    const address = freshAddress();
    const alarms = await runInDurableObject(vaultStub(address), async (_, state) => {
      const seen: (number | null)[] = [];
      const at = Date.now() + 3_600_000;
      await armAlarm(state.storage, at);
      seen.push(await state.storage.getAlarm());
      await armAlarm(state.storage, at + 1);
      seen.push(await state.storage.getAlarm());
      await armAlarm(state.storage, null);
      seen.push(await state.storage.getAlarm());
      return { seen, at };
    });
    expect(alarms.seen).toEqual([alarms.at, alarms.at + 1, null]);
  });

  it('writes a due checkpoint and snapshot in one alarm, then re-arms for the expiry', async () => {
    const address = freshAddress('EPHEMERAL', 'due');
    const vault = vaultStub(address);
    ok(await vault.store(address, storeRequest([memory('one'), memory('two')])));
    const metaOf = (state: DurableObjectState) =>
      new VaultMeta(new MetaTable(new Sql(state.storage.sql)));
    await runInDurableObject(vault, async (_, state) => {
      // Both due, and the last write long enough ago for writes to have settled.
      metaOf(state).update({
        checkpointDueAt: Date.now() - 1,
        snapshotDueAt: Date.now() - 1,
        lastWriteAt: Date.now() - 60_000,
      });
      await state.storage.setAlarm(Date.now());
    });
    expect(await runDurableObjectAlarm(vault)).toBe(true);
    const after = await runInDurableObject(vault, async (_, state) => ({
      meta: metaOf(state).record(),
      alarm: await state.storage.getAlarm(),
    }));
    expect(after.meta).toMatchObject({
      checkpoint: { rows: 2 },
      checkpointDueAt: null,
      snapshotDueAt: null,
    });
    expect(after.alarm).toBe(after.meta.expiresAt);
    expect(ok(await vault.snapshots(address)).snapshots.map((snapshot) => snapshot.count)).toEqual([
      2,
    ]);
  });
});

describe('checkpoint planning on a busy vault', () => {
  const dueAt = (_: unknown, state: DurableObjectState) =>
    new VaultMeta(new MetaTable(new Sql(state.storage.sql))).get('checkpointDueAt');
  /** Stores `count` memories in calls of at most 100 (a vault's batch limit); the ids written. */
  async function store(address: ReturnType<typeof freshAddress>, count: number, tag: string) {
    const ids: string[] = [];
    for (let from = 0; from < count; from += 100) {
      const size = Math.min(100, count - from);
      const request = storeRequest(
        Array.from({ length: size }, (_, i) => memory(`${tag} ${from + i}`)),
      );
      ids.push(...ok(await vaultStub(address).store(address, request)).memories.map((m) => m.id));
    }
    return ids;
  }

  /** Runs the alarm with the planned checkpoint due now: it writes the checkpoint. */
  async function writeCheckpoint(vault: ReturnType<typeof vaultStub>) {
    await runInDurableObject(vault, async (object, state) => {
      writeMetaBeneath(object, state, ({ meta }) => meta.set('checkpointDueAt', Date.now() - 1));
      await state.storage.setAlarm(Date.now());
    });
    expect(await runDurableObjectAlarm(vault)).toBe(true);
    expect(await runInDurableObject(vault, dueAt)).toBeNull();
  }

  /** Writes a checkpoint now, as the alarm would (the vault project's vaults hold at most 300). */
  const checkpointNow = (vault: ReturnType<typeof vaultStub>) =>
    runInDurableObject(vault, (instance: VaultObject) => instance.checkpoint());

  it('plans the next checkpoint at the same write as counting the rows would', async () => {
    const address = freshAddress('CORE');
    const vault = vaultStub(address);
    await store(address, 20, 'first');
    await checkpointNow(vault);
    // 256 memories after the checkpoint make it due (MIN_CHECKPOINT_LAG; a vault's size / 8 is less).
    await store(address, 200, 'second');
    await store(address, 55, 'third');
    expect(await runInDurableObject(vault, dueAt)).toBeNull(); // 255 behind
    await store(address, 1, 'fourth');
    expect(await runInDurableObject(vault, dueAt)).not.toBeNull(); // 256 behind
    await writeCheckpoint(vault);
    await store(address, 1, 'fifth');
    expect(await runInDurableObject(vault, dueAt)).toBeNull(); // 1 behind the new one
  });

  it('counts a delete the checkpoint holds, and counts again from the rows after a wake-up', async () => {
    const address = freshAddress('CORE');
    const vault = vaultStub(address);
    const [gone] = await store(address, 20, 'first');
    await checkpointNow(vault);
    expect(ok(await vault.remove(address, gone!)).deleted).toBe(true); // a tombstone: 1 behind
    await store(address, 254, 'second');
    expect(await runInDurableObject(vault, dueAt)).toBeNull(); // 255 behind
    // A wake-up forgets what was counted in memory.
    await runInDurableObject(vault, (instance: VaultObject) => {
      (instance as unknown as { hot: HotIndex }).hot.forget();
    });
    await store(address, 1, 'third');
    expect(await runInDurableObject(vault, dueAt)).not.toBeNull(); // 256 behind
  });
});

describe('a due checkpoint while writes keep arriving', () => {
  // Row counts of whole indexes: with the isolate's budget nearly full (the
  // files before it in a shared runner), an index keeps codes for its newest
  // rows only and the checkpoint holds those ({ rows: 256 } for 320, seen in a
  // full run; a 26 KiB budget does the same), whatever the deferral does.
  useOwnHotBudget();
  const metaOf = (state: DurableObjectState) =>
    new VaultMeta(new MetaTable(new Sql(state.storage.sql)));

  it('waits for writes to settle unless it is far behind (pure rule)', () => {
    expect(checkpointDeferral(10_000, 12_000, false)).toBe(10_000 + CHECKPOINT_DELAY_MS);
    expect(checkpointDeferral(10_000, 10_000 + CHECKPOINT_DELAY_MS, false)).toBeNull();
    expect(checkpointDeferral(10_000, 12_000, true)).toBeNull();
    expect(checkpointDeferral(null, 12_000, false)).toBeNull();
  });

  it('is planned again for when writes settle, then written', async () => {
    const address = freshAddress('SESSION', 'busy-checkpoint');
    const vault = vaultStub(address);
    // The index outgrows the memory count (the vault project's vaults hold at
    // most 300) with memories indexed in chunks: 40 of 8 chunks each.
    const sentence = (n: number) => `Sentence ${n} of a long document about harbour trips. `;
    const long = (i: number) => Array.from({ length: 240 }, (_, n) => sentence(n + i)).join('');
    const chunks = chunkSpans(long(0)).length;
    expect(chunks).toBeGreaterThanOrEqual(8);
    const documents = Array.from({ length: 40 }, (_, i) => ({
      ...memory(long(i)),
      chunkVectors: chunkSpans(long(i)).map((_, c) => embedder.embedOne(`part ${c} of ${i}`)),
    }));
    for (const from of [0, 20])
      ok(await vault.store(address, storeRequest(documents.slice(from, from + 20))));
    await runInDurableObject(vault, (instance: VaultObject) => instance.checkpoint());
    const rows = documents.reduce((sum, { chunkVectors }) => sum + chunkVectors.length, 0);
    const storeShort = async (count: number, tag: string) => {
      for (let from = 0; from < count; from += 100) {
        const size = Math.min(100, count - from);
        const batch = Array.from({ length: size }, (_, i) => memory(`${tag} ${from + i}`));
        ok(await vault.store(address, storeRequest(batch)));
      }
    };
    // 256 behind (due: MIN_CHECKPOINT_LAG), under half of the index's rows.
    await storeShort(256, 'short');
    expect(256).toBeLessThan((rows + 256) / 2);
    const alarmWhileBusy = () =>
      runAlarm(vault, (state, object) =>
        writeMetaBeneath(object, state, ({ meta }) => meta.set('checkpointDueAt', Date.now() - 1)),
      );
    const rearmed = await alarmWhileBusy();
    const waiting = await runInDurableObject(vault, (_, state) => metaOf(state).record());
    expect(waiting.checkpoint).toMatchObject({ rows });
    expect(waiting.checkpointDueAt).toBe(waiting.lastWriteAt! + CHECKPOINT_DELAY_MS);
    expect(rearmed).toBe(nextAlarm(waiting));

    // Writes settled (the last one long enough ago): written.
    await runAlarm(vault, (state, object) =>
      writeMetaBeneath(object, state, ({ meta }) =>
        meta.update({ checkpointDueAt: Date.now() - 1, lastWriteAt: Date.now() - 60_000 }),
      ),
    );
    const settled = await runInDurableObject(vault, (_, state) => metaOf(state).record());
    expect(settled.checkpoint).toMatchObject({ rows: rows + 256 });
    expect(settled.checkpointDueAt).toBeNull();
  });

  it('is written at once in a vault that has none yet, however recent the last write', async () => {
    const address = freshAddress('SESSION', 'first-checkpoint');
    const vault = vaultStub(address);
    const batch = (from: number, size: number) =>
      Array.from({ length: size }, (_, i) => memory(`first import ${from + i}`));
    for (const [from, size] of [
      [0, 100],
      [100, 100],
      [200, 56],
    ] as const)
      ok(await vault.store(address, storeRequest(batch(from, size))));
    const checkpointDueAt = await runInDurableObject(vault, (_, state) =>
      metaOf(state).get('checkpointDueAt'),
    );
    expect(checkpointDueAt).not.toBeNull();
    await runAlarm(vault, (state, object) =>
      writeMetaBeneath(object, state, ({ meta }) => meta.set('checkpointDueAt', Date.now() - 1)),
    );
    const after = await runInDurableObject(vault, (_, state) => metaOf(state).record());
    expect(after.checkpoint).toMatchObject({ rows: 256 });
    expect(after.checkpointDueAt).toBeNull();
  });
});
