import { failure, type Failure, type Result } from '../../core/errors';
import type { VaultAddress } from '../../vaults/address';
import type { SnapshotHeader } from '../../vaults/jsonl';
import type { Sql } from '../sqlite/sql';
import type { VaultMeta, VaultMetaRecord } from '../warm-tier/vault-meta';
import { Sha256Stream } from '../../core/sha256-stream';
import { trailerLine } from '../../vaults/jsonl';
import type { ExportViews } from '../warm-tier/export-views';
import { nextTurn } from '../../core/next-turn';
import { abortUpload, buildHeader, PartWriter } from './vault-snapshot';
import type { VaultStorage } from '../warm-tier/vault-storage';

/** How long after R2 failed to abort a snapshot's upload the alarm tries again. */
export const UPLOAD_ABORT_RETRY_MS = 60_000;

/** Snapshots kept in R2 per vault; older ones are deleted. */
export const SNAPSHOTS_KEPT = 3;

export interface SnapshotInfo {
  key: string;
  count: number;
  checksum: string;
  bytes: number;
  /** When it was taken (ms since the epoch): the time its key starts with. */
  createdAt: number;
}

/** The time a snapshot key names (`…/snapshots/{time}-{seq}.jsonl`); the upload time for any other key. */
function takenAt(object: R2Object): number {
  const match = /\/(\d{15})-\d+\.jsonl$/.exec(object.key);
  return match ? Number(match[1]) : object.uploaded.getTime();
}

const encoder = new TextEncoder();

const r2Failed = (): Failure =>
  failure(
    'UPSTREAM_ERROR',
    'the snapshot storage (R2) did not answer; try again',
    'SNAPSHOT_STORAGE_FAILED',
  );

const running = (): Failure => ({
  ...failure(
    'RATE_LIMITED',
    'a snapshot of this vault is being written; try again once it is done',
    'SNAPSHOT_RUNNING',
  ),
  details: { retryAfter: 10 },
});

const raced = (): Failure =>
  failure('UPSTREAM_ERROR', 'the vault changed during the snapshot; try again', 'SNAPSHOT_RACED');

/**
 * The COLD tier of one vault: its JSONL snapshots in R2 (format and streaming
 * in vault-snapshot.ts). Writes them, lists and prunes them, and stages one
 * for a restore. Keys hold the object's opaque id, never a memory key or a
 * session id: `vaults/{object id}/snapshots/{time}-{seq}.jsonl`.
 */
export class SnapshotStore {
  private readonly prefix: string;
  /** Whether this object is writing a snapshot now: its recorded upload is live, not left over. */
  private writing = false;

  constructor(
    private readonly bucket: R2Bucket,
    objectId: string,
    private readonly sql: Sql,
    private readonly storage: VaultStorage,
    private readonly meta: VaultMeta,
    private readonly views: ExportViews,
  ) {
    this.prefix = `vaults/${objectId}/snapshots/`;
  }

  /** This vault's snapshots, oldest first. */
  async list(): Promise<R2Object[]> {
    const objects: R2Object[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.bucket.list({
        prefix: this.prefix,
        include: ['customMetadata'],
        ...(cursor ? { cursor } : {}),
      });
      objects.push(...page.objects);
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
    return objects.sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  /**
   * Snapshots of the vault as it has been since its last clear, oldest
   * first: one taken before (a clear whose R2 delete failed left it) is never
   * listed or restored, and the next prune deletes it.
   */
  private async current(): Promise<R2Object[]> {
    const from = this.meta.get('snapshotsFrom') ?? 0;
    return (await this.list()).filter((object) => takenAt(object) >= from);
  }

  /** Newest first, as the API lists them. */
  async infos(): Promise<SnapshotInfo[]> {
    const objects = (await this.current()).reverse();
    return Promise.all(
      objects.map(async (object) => ({
        key: object.key,
        count: Number(object.customMetadata?.count ?? 0),
        checksum: object.customMetadata?.checksum ?? (await this.trailerChecksum(object)),
        bytes: object.size,
        createdAt: takenAt(object),
      })),
    );
  }

  /**
   * The checksum a one-pass snapshot states in its trailer, its last line
   * (R2 metadata is fixed when the upload starts, before the checksum is
   * known): read from the file's last bytes, well over a trailer's length.
   */
  private async trailerChecksum(object: R2Object): Promise<string> {
    const tail = await this.bucket.get(object.key, {
      range: { suffix: Math.min(object.size, 512) },
    });
    const lines = ((await tail?.text()) ?? '').trimEnd().split('\n');
    try {
      const trailer = JSON.parse(lines.at(-1) ?? '') as { trailer?: boolean; checksum?: unknown };
      return trailer.trailer === true && typeof trailer.checksum === 'string'
        ? trailer.checksum
        : '';
    } catch {
      return '';
    }
  }

  /** Deletes all but the newest `keep` snapshots, and every one taken before the last clear. */
  async prune(keep: number): Promise<void> {
    const from = this.meta.get('snapshotsFrom') ?? 0;
    const objects = await this.list();
    const stale = objects.filter((object) => takenAt(object) < from);
    const current = objects.filter((object) => takenAt(object) >= from);
    const old = [...stale, ...current.slice(0, Math.max(0, current.length - keep))].map(
      (object) => object.key,
    );
    if (old.length > 0) await this.bucket.delete(old);
  }

  /**
   * Writes a snapshot of the vault as it is, in one pass (vault-snapshot.ts),
   * and prunes old ones. Rows written meanwhile are left for the next
   * snapshot; rows changed meanwhile are written as they were when it began.
   * A delete or an edit meanwhile (`deleteSeq`), a restore, or a wipe (the
   * view is gone, the newest seq falls back) voids it (SNAPSHOT_RACED): the
   * upload is aborted, or the object deleted, so a wiped vault's memories
   * never come back through a snapshot finishing after the wipe.
   */
  async write(address: VaultAddress): Promise<Result<{ snapshot: SnapshotInfo }>> {
    if (this.writing) return running();
    // An upload left by an object that died mid-snapshot goes first: the
    // record holds one upload at a time.
    if (!(await this.abortLeftover())) return r2Failed();
    this.writing = true;
    try {
      return await this.writeOnce(address);
    } finally {
      this.writing = false;
    }
  }

  /**
   * Aborts the multipart upload a snapshot left (`snapshotUpload`: the
   * object died mid-snapshot, or R2 failed the abort), unless this object is
   * writing it now. True when none is left.
   */
  async abortLeftover(): Promise<boolean> {
    const left = this.meta.get('snapshotUpload');
    if (left === null || this.writing) return true;
    if (!(await abortUpload(this.bucket.resumeMultipartUpload(left.key, left.uploadId))))
      return false;
    this.meta.set('snapshotUpload', null);
    return true;
  }

  private async writeOnce(address: VaultAddress): Promise<Result<{ snapshot: SnapshotInfo }>> {
    const deletesAtStart = this.meta.get('deleteSeq');
    const maxSeq = this.storage.maxSeq();
    const changed = () =>
      this.meta.get('deleteSeq') !== deletesAtStart || this.storage.maxSeq() < maxSeq;
    const createdAt = Date.now();
    const view = this.views.open(createdAt);
    const header = buildHeader(
      address,
      this.meta.get('embeddingModel'),
      this.meta.get('dimensions'),
      view.count,
      createdAt,
    );
    const key = `${this.prefix}${String(createdAt).padStart(15, '0')}-${maxSeq}.jsonl`;
    let multipart: R2MultipartUpload;
    try {
      multipart = await this.bucket.createMultipartUpload(key, {
        httpMetadata: { contentType: 'application/x-ndjson' },
        customMetadata: { count: String(view.count) },
      });
    } catch (error) {
      this.views.close(view.id);
      throw error;
    }
    // Recorded before any part is sent: if the object dies from here on, a
    // later alarm (or the next snapshot) aborts it (`abortLeftover`). A wipe
    // meanwhile deletes the record with the rest, and this write aborts it.
    this.meta.set('snapshotUpload', { key, uploadId: multipart.uploadId });
    const upload = new PartWriter(multipart);
    /** Gives the upload up; its record stays for the alarm when R2 fails the abort. */
    const abort = async () => {
      if (await upload.abort()) this.meta.set('snapshotUpload', null);
      else this.meta.set('snapshotPruneDueAt', Date.now() + UPLOAD_ABORT_RETRY_MS);
    };
    const digest = new Sha256Stream();
    let count = 0;
    let gone = false;
    let completed = false;
    try {
      await upload.write(encoder.encode(header));
      for (;;) {
        const page = this.views.page(view.id, Date.now());
        if (page === null || page.done) {
          gone = page === null;
          break;
        }
        const bytes = encoder.encode(page.lines);
        count += page.rows;
        await digest.write(bytes);
        await upload.write(bytes);
        await nextTurn();
      }
      const checksum = await digest.finish();
      if (gone || changed() || count !== view.count) {
        this.views.close(view.id);
        await abort();
        return raced();
      }
      await upload.write(encoder.encode(trailerLine({ count, checksum })));
      await upload.complete();
      completed = true;
      this.meta.set('snapshotUpload', null);
      if (changed()) {
        await this.bucket.delete(key);
        return raced();
      }
      await this.prune(SNAPSHOTS_KEPT);
      return {
        ok: true,
        snapshot: { key, count, checksum, bytes: upload.bytes, createdAt },
      };
    } catch (error) {
      this.views.close(view.id);
      if (!completed) await abort();
      throw error;
    }
  }

  /** The snapshot a restore reads: `key`, or the newest; null when there is no such snapshot since the last clear. */
  async find(key: string | null): Promise<R2Object | null> {
    const kept = await this.current();
    const chosen = key ?? kept.at(-1)?.key ?? null;
    // Only a key of this vault's own listing: never another vault's file.
    return kept.find((snapshot) => snapshot.key === chosen) ?? null;
  }
}

/**
 * The vault's meta record after a restore: it holds the snapshot's memories,
 * built with the snapshot's model and dimensions. A restore is a write (an
 * EPHEMERAL vault lives its full TTL from now) and counts as a delete, so a
 * snapshot running meanwhile is voided rather than mixing the two.
 */
export function metaAfterRestore(
  address: VaultAddress,
  header: SnapshotHeader,
  facts: { deleteSeq: number; speakerMetadata: boolean; now: number; ephemeralTtlMs: number },
): Partial<VaultMetaRecord> {
  return {
    address,
    embeddingModel: header.embeddingModel ?? null,
    dimensions: header.dimensions || null,
    deleteSeq: facts.deleteSeq + 1,
    lastWriteAt: facts.now,
    speakerMetadata: facts.speakerMetadata,
    expiresAt: address.kind === 'EPHEMERAL' ? facts.now + facts.ephemeralTtlMs : null,
    // The rows a re-embedding was working on are gone; the vault decides
    // afresh, on its next call, whether the snapshot's model needs one.
    reembed: null,
    reembedDueAt: null,
  };
}
