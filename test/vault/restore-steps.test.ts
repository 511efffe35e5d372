import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { RESTORE_ENDED_KEPT_MS } from '../../src/durable/cold-tier/snapshot-restore';
import { describe, expect, it } from 'vitest';
import type { RestoreJob } from '../../src/durable/warm-tier/vault-meta';
import { restoreInSteps } from '../../src/durable/rpc/restore-in-steps';
import type { VaultAddress } from '../../src/vaults/address';
import { runAlarm } from '../helpers/alarms';
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

/** Every hit (id and score, in order), per search mode, for one query over all time. */
async function answers(address: VaultAddress, query: string) {
  const searched = await vaultStub(address).search(
    address,
    MODES.map((mode) => searchRequest(query, [allTime(50)], { mode })),
  );
  if (!searched.ok) return searched;
  return searched.results.map((result) =>
    result[0]!.hits.map((hit) => [hit.memory.id, hit.memory.content, hit.score]),
  );
}

type Restorer = {
  restorer: { stageRows: number; swapRows: number; job(): RestoreJob | null };
};

/** What became of one R2 read of the restore: its range, and whether its body was read to the end or cancelled. */
type Read = { range: unknown; done: boolean; cancelled: boolean };

/**
 * Puts a watch on the restorer's R2 reads (and, given, its window sizes and
 * the reads, by number from 1, that throw); answers a function that lists
 * the reads made since.
 */
async function watchReads(
  vault: DurableObjectStub,
  windowBytes?: { first: number; min: number; max: number },
  failing: number[] = [],
) {
  await runInDurableObject(vault, (instance) => {
    const restorer = (instance as unknown as { restorer: Record<string, unknown> }).restorer;
    const bucket = restorer.bucket as R2Bucket;
    const reads: Read[] = [];
    if (windowBytes) restorer.windowBytes = windowBytes;
    restorer.bucket = {
      get: async (key: string, options?: R2GetOptions) => {
        if (failing.includes(reads.length + 1)) {
          reads.push({ range: options?.range, done: true, cancelled: false });
          throw new Error('R2 is down (scripted)');
        }
        const object = await bucket.get(key, options);
        if (object === null) return null;
        const read: Read = { range: options?.range, done: false, cancelled: false };
        reads.push(read);
        const reader = object.body.getReader();
        const body = new ReadableStream<Uint8Array>({
          async pull(controller) {
            const next = await reader.read();
            if (next.done) {
              read.done = true;
              controller.close();
            } else controller.enqueue(next.value);
          },
          cancel(reason) {
            read.cancelled = true;
            return reader.cancel(reason);
          },
        });
        return { ...object, body, text: () => new Response(body).text() };
      },
    };
    (instance as unknown as { watchedReads: Read[] }).watchedReads = reads;
  });
  return () =>
    runInDurableObject(vault, (instance) => [
      ...(instance as unknown as { watchedReads: Read[] }).watchedReads,
    ]);
}

type Meta = { meta: { get(f: string): unknown; set(f: string, v: unknown): void } };

/** Before an alarm: the job's caller went away long ago, so the alarm runs its next step. */
const leftLongAgo = (_: DurableObjectState, object: unknown) => {
  const job = (object as Restorer).restorer.job();
  if (job !== null) (object as Meta).meta.set('restoreJob', { ...job, steppedAt: 0 });
};

/** A vault of 30 memories, snapshotted, then changed (one more, one deleted); restores take steps of `rows`. */
async function changedSinceSnapshot(name: string, rows: number) {
  const address = freshAddress('SESSION', name);
  const vault = vaultStub(address);
  const stored = ok(
    await vault.store(
      address,
      storeRequest(
        Array.from({ length: 30 }, (_, i) =>
          memory(`${i % 3 ? 'garden' : 'kitchen'} note ${i}: café ${i} 東京`, {
            createdAt: Date.now() - i * 3_600_000,
          }),
        ),
      ),
    ),
  ).memories;
  const snapshot = ok(await vault.snapshot(address)).snapshot;
  const atSnapshot = await answers(address, 'garden note');
  ok(await vault.store(address, storeRequest([memory('garden note written after')])));
  ok(await vault.remove(address, stored[1]!.id));
  const changed = await answers(address, 'garden note');
  expect(changed).not.toEqual(atSnapshot);
  await runInDurableObject(vault, (instance) => {
    const { restorer } = instance as unknown as Restorer;
    restorer.stageRows = rows;
    restorer.swapRows = rows;
  });
  const phase = () =>
    runInDurableObject(
      vault,
      (instance) => (instance as unknown as Restorer).restorer.job()?.phase ?? null,
    );
  return { address, vault, snapshot, atSnapshot, changed, phase };
}

describe('a restore in steps', () => {
  it('takes one call per step of rows, answers as before until the swap, refuses calls during it (RESTORE_IN_PROGRESS), and ends with the snapshot’s exact answers', async () => {
    const { address, vault, snapshot, atSnapshot, changed, phase } = await changedSinceSnapshot(
      'steps',
      8,
    );
    let answer = ok(await vault.restore(address, null));
    const seen: (string | null)[] = [];
    let calls = 1;
    while (answer.job !== null && calls < 200) {
      const now = await phase();
      seen.push(now);
      if (now === 'STAGE' || now === 'VERIFY') {
        // Staging: the vault answers as it stands.
        expect(await answers(address, 'garden note')).toEqual(changed);
      } else {
        // Half of each: refused, with a code and a time to retry.
        expect(failed((await answers(address, 'garden note')) as { ok: boolean })).toMatchObject({
          code: 'RATE_LIMITED',
          reason: 'RESTORE_IN_PROGRESS',
        });
        expect(
          failed(await vault.store(address, storeRequest([memory('written mid-swap')]))),
        ).toMatchObject({ reason: 'RESTORE_IN_PROGRESS' });
      }
      answer = ok(await vault.restore(address, answer.key, answer.job));
      calls++;
    }
    // 30 lines in steps of 8 (4 calls), then the checksum, then 31 rows
    // deleted and 30 copied 8 at a time: no one call did more.
    expect(calls).toBeGreaterThanOrEqual(10);
    expect(seen).toContain('STAGE');
    expect(seen).toContain('SWAP');
    expect(answer).toEqual({ ok: true, restored: 30, key: snapshot.key, job: null });
    expect(await phase()).toBeNull();
    expect(await answers(address, 'garden note')).toEqual(atSnapshot);
  });

  it('is finished by the alarm when its caller goes away', async () => {
    const { address, vault, snapshot, atSnapshot, changed, phase } = await changedSinceSnapshot(
      'left',
      8,
    );
    const first = ok(await vault.restore(address, null));
    expect(first.job).not.toBeNull();
    expect(await answers(address, 'garden note')).toEqual(changed);
    for (let alarm = 0; alarm < 40 && (await phase()) !== null; alarm++) {
      await runAlarm(vault, leftLongAgo);
    }
    expect(await phase()).toBeNull();
    expect(await answers(address, 'garden note')).toEqual(atSnapshot);
    // Its caller, back, is told the restore succeeded, with its count, as
    // if it had stayed (before: RESTORE_GONE, for a restore that succeeded),
    // and so is the resolver driving it.
    const back = { ok: true, restored: 30, key: snapshot.key, job: null };
    expect(await vault.restore(address, snapshot.key, first.job)).toEqual(back);
    const driver = {
      restore: async (...args: Parameters<typeof vault.restore>) =>
        args[2] === null ? { ...first } : vault.restore(...args),
    };
    expect(await restoreInSteps(driver, address, null)).toEqual({
      ok: true,
      restored: 30,
      key: snapshot.key,
    });
    // A day later the record is gone: the id is unknown.
    await runInDurableObject(vault, (instance) => {
      const { meta } = instance as unknown as Meta;
      const ended = meta.get('restoreEnded') as { endedAt: number };
      meta.set('restoreEnded', { ...ended, endedAt: Date.now() - RESTORE_ENDED_KEPT_MS - 1 });
    });
    expect(failed(await vault.restore(address, snapshot.key, first.job))).toMatchObject({
      code: 'NOT_FOUND',
      reason: 'RESTORE_GONE',
    });
  });

  it('answers a left job the alarm gave up with the coded failure it ended on, and RESTORE_GONE for an id the vault never had', async () => {
    const { address, vault, snapshot, changed, phase } = await changedSinceSnapshot(
      'left-damaged',
      8,
    );
    // A line altered after the snapshot was taken: the checksum fails at VERIFY.
    const text = await (await env.SNAPSHOTS.get(snapshot.key))!.text();
    await env.SNAPSHOTS.put(snapshot.key, text.replace('garden note 1:', 'garden note 9:'));
    const first = ok(await vault.restore(address, null));
    expect(first.job).not.toBeNull();
    for (let alarm = 0; alarm < 40 && (await phase()) !== null; alarm++) {
      await runAlarm(vault, leftLongAgo);
    }
    expect(await phase()).toBeNull();
    expect(await answers(address, 'garden note')).toEqual(changed);
    expect(failed(await vault.restore(address, snapshot.key, first.job))).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'SNAPSHOT_DAMAGED',
      message: expect.stringContaining('does not match its header'),
    });
    expect(failed(await vault.restore(address, snapshot.key, crypto.randomUUID()))).toMatchObject({
      code: 'NOT_FOUND',
      reason: 'RESTORE_GONE',
    });
  });

  it('is not taken over by an alarm that fires while its caller is swapping', async () => {
    // Before: an alarm due for other work (a snapshot, a checkpoint) during a
    // caller's SWAP rushed the job itself and finished it; the caller's next
    // call answered RESTORE_GONE for a restore that had succeeded
    // (seen in `npm run bench -- snapshot`).
    const { address, vault, snapshot, atSnapshot, phase } = await changedSinceSnapshot(
      'alarm-mid-swap',
      8,
    );
    let answer = ok(await vault.restore(address, null));
    while (answer.job !== null && (await phase()) !== 'SWAP')
      answer = ok(await vault.restore(address, answer.key, answer.job));
    expect(await phase()).toBe('SWAP');
    for (let alarm = 0; alarm < 20; alarm++) await runAlarm(vault);
    // Still the caller's, and where the caller left it.
    expect(await phase()).toBe('SWAP');
    let calls = 0;
    while (answer.job !== null && calls++ < 50)
      answer = ok(await vault.restore(address, answer.key, answer.job));
    expect(answer).toEqual({ ok: true, restored: 30, key: snapshot.key, job: null });
    expect(await answers(address, 'garden note')).toEqual(atSnapshot);
  });

  it('ends the imports open on the vault as it begins (VAULT_RESTORED in every phase, and after), and lets none open while it runs', async () => {
    // Before: an import's batches went on landing while the restore staged
    // (stored, counted imported, then replaced by the swap), were refused
    // RESTORE_IN_PROGRESS line by line during it, and were stored into the
    // restored vault after it: half an import, mixed into the snapshot.
    const { address, vault, snapshot, atSnapshot, phase } = await changedSinceSnapshot(
      'imports',
      8,
    );
    const { importId } = ok(await vault.openImport(address));
    const batch = (content: string) => ({ ...storeRequest([memory(content)]), importId });
    ok(await vault.store(address, batch('garden note imported before the restore')));
    let answer = ok(await vault.restore(address, null));
    const refusedIn = new Set<string | null>();
    while (answer.job !== null) {
      const now = await phase();
      refusedIn.add(now);
      expect(
        failed(await vault.store(address, batch(`garden note imported in ${now}`))),
      ).toMatchObject({ code: 'NOT_FOUND', reason: 'VAULT_RESTORED' });
      expect(failed(await vault.openImport(address))).toMatchObject({
        code: 'RATE_LIMITED',
        reason: 'RESTORE_IN_PROGRESS',
      });
      answer = ok(await vault.restore(address, answer.key, answer.job));
    }
    expect(refusedIn).toContain('STAGE');
    expect(refusedIn).toContain('SWAP');
    expect(answer).toEqual({ ok: true, restored: 30, key: snapshot.key, job: null });
    expect(failed(await vault.store(address, batch('garden note imported after')))).toMatchObject({
      reason: 'VAULT_RESTORED',
    });
    // The vault is the snapshot's, nothing of the import mixed in.
    expect(await answers(address, 'garden note')).toEqual(atSnapshot);
    // A new import opens and writes into the restored vault.
    const next = ok(await vault.openImport(address)).importId;
    ok(
      await vault.store(address, {
        ...storeRequest([memory('garden note new import')]),
        importId: next,
      }),
    );
    expect(await answers(address, 'garden note')).not.toEqual(atSnapshot);
  });

  it('reads every R2 body it opens to its end: a step that stops mid-file cancels none (no "pump canceled")', async () => {
    // Before: each STAGE step read the rest of the file as one range and
    // cancelled it after its lines, which workerd logs as "disconnected:
    // pump canceled", once per step.
    const { address, vault, atSnapshot } = await changedSinceSnapshot('bodies', 8);
    const reads = await watchReads(vault);
    ok(await restoreInSteps(vault, address, null));
    const seen = await reads();
    expect(seen.length).toBeGreaterThan(4);
    expect(seen.filter((read) => read.cancelled || !read.done)).toEqual([]);
    expect(await answers(address, 'garden note')).toEqual(atSnapshot);
  });

  it('keeps the lines a step read when R2 fails between two of its range reads, and goes on from them', async () => {
    const { address, vault, snapshot, atSnapshot } = await changedSinceSnapshot('r2-mid-step', 8);
    // Windows of 4 KiB (a line is under 1 KiB): a step of 8 lines takes
    // several range reads; the fourth read of all (the header's, then the
    // first step's third window) fails.
    const reads = await watchReads(vault, { first: 4096, min: 4096, max: 4096 }, [4]);
    const first = ok(await vault.restore(address, null));
    expect(first.job).not.toBeNull();
    // The call went on (not SNAPSHOT_STORAGE_FAILED): the lines of the
    // windows before were kept, and the next read starts at the line the
    // failed one would have finished, not at the first line again.
    const [, firstWindow, , failed, next] = (await reads()).map(
      (read) => (read.range as { offset: number }).offset,
    );
    expect(next).toBeGreaterThan(firstWindow!);
    expect(next).toBeLessThanOrEqual(failed!);
    let answer = first;
    for (let calls = 0; answer.job !== null && calls < 50; calls++)
      answer = ok(await vault.restore(address, answer.key, answer.job));
    expect(answer).toEqual({ ok: true, restored: 30, key: snapshot.key, job: null });
    expect(await answers(address, 'garden note')).toEqual(atSnapshot);
    expect((await reads()).filter((read) => read.cancelled)).toEqual([]);
  });

  it('restoreInSteps drives it to the end and answers as one call did', async () => {
    const { address, vault, snapshot, atSnapshot } = await changedSinceSnapshot('driven', 5);
    expect(await restoreInSteps(vault, address, null)).toEqual({
      ok: true,
      restored: 30,
      key: snapshot.key,
    });
    expect(await answers(address, 'garden note')).toEqual(atSnapshot);
  });
  it('restores a snapshot of an emptied vault: the rows written since go', async () => {
    const address = freshAddress('SESSION', 'emptied');
    const vault = vaultStub(address);
    const stored = ok(
      await vault.store(
        address,
        storeRequest([memory('garden note one'), memory('garden note two')]),
      ),
    ).memories;
    ok(
      await vault.removeMany(
        address,
        stored.map((row) => row.id),
      ),
    );
    const snapshot = ok(await vault.snapshot(address)).snapshot;
    expect(snapshot.count).toBe(0);
    ok(await vault.store(address, storeRequest([memory('garden note written after')])));
    expect(await restoreInSteps(vault, address, snapshot.key)).toEqual({
      ok: true,
      restored: 0,
      key: snapshot.key,
    });
    // Before: with nothing staged the swap counted as done at once, and the
    // row written after the snapshot stayed.
    expect(await answers(address, 'garden note')).toEqual([[], [], []]);
  });
});
