import type { RestoreJob, SnapshotTiming, VaultMetaRecord } from '../warm-tier/vault-meta';
import { RESTORE_LEFT_MS } from '../cold-tier/snapshot-restore';

/**
 * What a vault's one alarm has to do, and when. Four things fall due: the
 * expiry of an EPHEMERAL vault, the hot index's checkpoint, the R2
 * snapshot, the next batch of a re-embedding (vault-reembed.ts) and the
 * hand-over of recorded memory tokens to the account (vault-usage.ts). Their times live in the vault's meta record; these functions only
 * read and plan them, so the vault object does the work and stays in charge
 * of the order (an expired vault is deleted and nothing else runs).
 */

/** Writes settle for this long before the hot index checkpoint is rewritten. */
export const CHECKPOINT_DELAY_MS = 5_000;

export type DueTimes = Pick<VaultMetaRecord, 'expiresAt' | 'checkpointDueAt' | 'snapshotDueAt'> &
  Partial<
    Pick<
      VaultMetaRecord,
      'reembedDueAt' | 'usageDueAt' | 'ftsRebuildDueAt' | 'snapshotPruneDueAt' | 'restoreJob'
    >
  >;

export interface DueWork {
  expire: boolean;
  checkpoint: boolean;
  snapshot: boolean;
  reembed: boolean;
  usage: boolean;
  ftsRebuild: boolean;
}

export const isDue = (time: number | null, now: number) => time !== null && time <= now;

export function isExpired(times: Pick<DueTimes, 'expiresAt'>, now: number): boolean {
  return isDue(times.expiresAt, now);
}

/** What is due at `now`. Expiry deletes the vault, so nothing else is due with it. */
export function dueWork(times: DueTimes, now: number): DueWork {
  if (isExpired(times, now))
    return {
      expire: true,
      checkpoint: false,
      snapshot: false,
      reembed: false,
      usage: false,
      ftsRebuild: false,
    };
  return {
    expire: false,
    checkpoint: isDue(times.checkpointDueAt, now),
    snapshot: isDue(times.snapshotDueAt, now),
    reembed: isDue(times.reembedDueAt ?? null, now),
    usage: isDue(times.usageDueAt ?? null, now),
    ftsRebuild: isDue(times.ftsRebuildDueAt ?? null, now),
  };
}

/** When the alarm goes on with a restore, should its caller leave it (snapshot-restore.ts). */
export function restoreLeftAt(job: RestoreJob | null): number | null {
  return job === null ? null : job.steppedAt + RESTORE_LEFT_MS;
}

/** When the alarm should fire next: the earliest due time, or null when nothing is planned. */
export function nextAlarm(times: DueTimes): number | null {
  // A restore swapping its rows holds every other piece of work back
  // (vault-upkeep.ts): the alarm is due only when the swap would count as left.
  if (times.restoreJob?.phase === 'SWAP') return restoreLeftAt(times.restoreJob);
  const due = [
    times.expiresAt,
    times.checkpointDueAt,
    times.snapshotDueAt,
    times.reembedDueAt ?? null,
    times.usageDueAt ?? null,
    times.ftsRebuildDueAt ?? null,
    times.snapshotPruneDueAt ?? null,
    restoreLeftAt(times.restoreJob ?? null),
  ].filter((time): time is number => time !== null);
  return due.length === 0 ? null : Math.min(...due);
}

/**
 * The due times after a write or delete: a checkpoint once enough has
 * changed (unless one is already planned), and a snapshot planned once, a
 * delay after the first change since the last one. A busy vault's writes
 * leave both as they are, so they touch neither the meta table nor the
 * alarm: the snapshot's debounce is applied when the alarm fires
 * (`snapshotDeferral`), from the last write's time, which every write
 * records anyway.
 */
export function afterChange(
  times: DueTimes,
  /** `checkpointNeeded` is asked only when no checkpoint is planned (it counts rows). */
  change: { checkpointNeeded: () => boolean; now: number; snapshotDelayMs: number },
): Pick<DueTimes, 'checkpointDueAt' | 'snapshotDueAt'> {
  return {
    checkpointDueAt:
      times.checkpointDueAt ??
      (change.checkpointNeeded() ? change.now + CHECKPOINT_DELAY_MS : null),
    snapshotDueAt: times.snapshotDueAt ?? change.now + change.snapshotDelayMs,
  };
}

/**
 * When a due snapshot should wait: writes have not settled while the last
 * one is less than `snapshotDelayMs` old, so the snapshot moves to then
 * (null: write it now).
 */
export function snapshotDeferral(
  lastWriteAt: number | null,
  now: number,
  snapshotDelayMs: number,
): number | null {
  if (lastWriteAt === null) return null;
  const settled = lastWriteAt + snapshotDelayMs;
  return settled > now ? settled : null;
}

/**
 * The most of a vault's time its snapshots may take: after one that took
 * `tookMs`, the next waits until that is this share of the time since the
 * last began. A snapshot costs time in proportion to the vault (a
 * 250,000-memory vault is about 580 MB of lines to read, encode, hash and
 * upload twice), so a big vault with steady writes is snapshotted less
 * often, and never spends more than this share of its object's time on
 * it; a small vault's snapshot takes well under the write delay, which
 * then decides alone. Measured by the last attempt's wall time, so a
 * loaded isolate spaces them further.
 */
export const SNAPSHOT_TIME_SHARE = 0.05;

/** When the next snapshot may start after `last` (null: now), per SNAPSHOT_TIME_SHARE. */
export function snapshotSpacing(last: SnapshotTiming | null, now: number): number | null {
  if (last === null) return null;
  const next = last.endedAt + Math.round(last.tookMs * (1 / SNAPSHOT_TIME_SHARE - 1));
  return next > now ? next : null;
}

/**
 * When a due checkpoint should wait: writes are still arriving (the last one
 * is less than CHECKPOINT_DELAY_MS old) and the checkpoint is not far behind
 * (`farBehind`, hot-checkpoint.ts `checkpointLagFar`), so it moves to when
 * they will have settled (null: write it now). A bulk import then rewrites
 * the whole index at most each time it grows by half, not by an eighth.
 */
export function checkpointDeferral(
  lastWriteAt: number | null,
  now: number,
  farBehind: boolean,
): number | null {
  return farBehind ? null : snapshotDeferral(lastWriteAt, now, CHECKPOINT_DELAY_MS);
}

/** Sets the object's alarm to `next` (none for null), touching storage only when that changes it. */
export async function armAlarm(storage: DurableObjectStorage, next: number | null): Promise<void> {
  const current = await storage.getAlarm();
  if (next === null) {
    if (current !== null) await storage.deleteAlarm();
  } else if (current !== next) {
    await storage.setAlarm(next);
  }
}
