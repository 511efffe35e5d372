import { fromBase64Url } from '../../core/encoding';
import { headerLine, type StoredRow } from '../../vaults/jsonl';
import type { VaultAddress } from '../../vaults/address';

/**
 * COLD tier: JSONL snapshots of a vault in R2, written in one pass without
 * ever holding the whole vault in memory. The rows are read through a
 * point-in-time export view (export-views.ts: a row changed or deleted
 * meanwhile is read as it was), a page at a time, each page hashed and
 * appended to an R2 multipart upload; the header states the count and
 * `"checksum":null`, and the last line, the trailer, the count and checksum
 * of what was written: an export's format (docs/data.md). The file's
 * checksum is of the very bytes in it, so it always passes at restore.
 * Each page hands the event loop back (`nextTurn`, core/next-turn.ts), so the vault's
 * searches and writes, and every other object of the isolate, wait at most
 * one page (review266). Before (to 2026-11-28), two passes: one to count and
 * hash for a header stating the checksum, one to stream the lines again
 * into a put of known length; both file forms are restored
 * (snapshot-restore.ts).
 */

/**
 * Size of every part but the last (R2: parts of 5 MiB to 5 GiB, all but the
 * last of one size, at most 10,000): a 250,000-memory vault's ~580 MB is 56
 * parts; one part's bytes are held at a time.
 */
export const SNAPSHOT_PART_BYTES = 10 * 1024 * 1024;

/** The bytes of one file, cut into equal parts as they come and uploaded one by one. */
export class PartWriter {
  private part = new Uint8Array(SNAPSHOT_PART_BYTES);
  private used = 0;
  private readonly uploaded: R2UploadedPart[] = [];
  bytes = 0;

  constructor(private readonly upload: R2MultipartUpload) {}

  async write(bytes: Uint8Array): Promise<void> {
    this.bytes += bytes.byteLength;
    for (let at = 0; at < bytes.byteLength;) {
      const taken = Math.min(bytes.byteLength - at, SNAPSHOT_PART_BYTES - this.used);
      this.part.set(bytes.subarray(at, at + taken), this.used);
      this.used += taken;
      at += taken;
      if (this.used === SNAPSHOT_PART_BYTES) await this.send();
    }
  }

  /** Sends the last part and assembles the object. */
  async complete(): Promise<R2Object> {
    if (this.used > 0 || this.uploaded.length === 0) await this.send();
    return this.upload.complete(this.uploaded);
  }

  /** Aborts the upload; false when R2 failed to (the caller leaves it recorded for the alarm). */
  abort(): Promise<boolean> {
    return abortUpload(this.upload);
  }

  private async send(): Promise<void> {
    const full = this.part.subarray(0, this.used);
    this.part = new Uint8Array(SNAPSHOT_PART_BYTES);
    this.used = 0;
    this.uploaded.push(await this.upload.uploadPart(this.uploaded.length + 1, full));
  }
}

/**
 * Aborts a multipart upload, so R2 drops its parts now rather than after 7
 * days. True once it is gone: aborted now, or unknown to R2 (aborted or
 * completed before); false when R2 failed, to be tried again.
 */
export async function abortUpload(upload: R2MultipartUpload): Promise<boolean> {
  try {
    await upload.abort();
    return true;
  } catch (error) {
    // R2's NoSuchUpload (10024): nothing is left to abort.
    return /NoSuchUpload|10024|does not exist/i.test(String(error));
  }
}

export function buildHeader(
  address: VaultAddress,
  model: string | null,
  dimensions: number | null,
  count: number,
  createdAt: number,
): string {
  return headerLine({
    kind: address.kind,
    externalId: address.externalId,
    embeddingModel: model,
    dimensions,
    count,
    checksum: null,
    createdAt: new Date(createdAt).toISOString(),
  });
}

/** One memory line of a snapshot as the row it restores; throws, naming line `number`, when it is damaged. */
export function rowOfLine(text: string, number: number): StoredRow {
  const line = JSON.parse(text) as {
    id: string;
    content: string;
    role: string;
    metadata: unknown;
    timestamp: number;
    tokens: number;
    embedding: string;
    chunkEmbeddings?: string;
    validUntil?: number | null;
    supersededBy?: string | null;
  };
  const embedding = fromBase64Url(line.embedding);
  if (embedding === null) throw new Error(`snapshot line ${number}: bad embedding`);
  const chunks = line.chunkEmbeddings === undefined ? null : fromBase64Url(line.chunkEmbeddings);
  if (chunks === null && line.chunkEmbeddings !== undefined)
    throw new Error(`snapshot line ${number}: bad chunk embeddings`);
  return {
    id: line.id,
    content: line.content,
    role: line.role,
    metadata: line.metadata === null ? null : JSON.stringify(line.metadata),
    created_at: line.timestamp,
    tokens: line.tokens,
    embedding: embedding.buffer.slice(
      embedding.byteOffset,
      embedding.byteOffset + embedding.byteLength,
    ) as ArrayBuffer,
    chunk_embeddings:
      chunks === null
        ? null
        : (chunks.buffer.slice(
            chunks.byteOffset,
            chunks.byteOffset + chunks.byteLength,
          ) as ArrayBuffer),
    valid_until: typeof line.validUntil === 'number' ? line.validUntil : null,
    superseded_by: typeof line.supersededBy === 'string' ? line.supersededBy : null,
  };
}
