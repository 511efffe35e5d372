import { fromBase64Url } from '../../core/encoding';
import { Sha256Stream } from '../../core/sha256-stream';
import {
  headerLine,
  memoryLine,
  parseLine,
  type SnapshotHeader,
  type StoredRow,
} from '../../vaults/jsonl';
import type { VaultAddress } from '../../vaults/address';
import { splitLines } from '../../vaults/line-splitter';
import type { Sql } from '../sqlite/sql';

/**
 * COLD tier: JSONL snapshots of a vault in R2, written without ever holding the
 * whole vault in memory. Pass 1 pages through the rows and feeds each page's
 * lines to a DigestStream, giving the checksum and exact size for the header;
 * pass 2 streams header and lines into a FixedLengthStream that R2 stores,
 * hashing them again. Rows are read a page at a time (each page one
 * synchronous query) and each pass hands the event loop back between pages
 * (`betweenPages`), so the vault's searches and writes, and every other
 * object of the isolate, wait at most one page, never the whole vault (a
 * 250,000-memory vault is about 580 MB of lines: without the hand-back,
 * whose DigestStream writes resolve as microtasks, one snapshot held the
 * isolate for over a minute, review266). The caller checks that nothing
 * changed meanwhile: pass 2's own count of bytes and checksum (`Streamed`)
 * must be pass 1's, whatever write changed a row in between.
 */
const PAGE_ROWS = 256;
const encoder = new TextEncoder();

/**
 * Lets requests that arrived meanwhile run before the next page: a timer,
 * not a resolved promise, since only a macrotask returns to the event loop.
 */
const betweenPages = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** The rows up to `maxSeq`, oldest write first, a page at a time. */
function* pages(sql: Sql, maxSeq: number): Generator<StoredRow[]> {
  let after = 0;
  for (;;) {
    const rows = sql.all<StoredRow & { seq: number } & Record<string, SqlStorageValue>>(
      `SELECT seq, id, content, role, metadata, created_at, tokens, embedding, chunk_embeddings,
              valid_until, superseded_by FROM memories
       WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?`,
      after,
      maxSeq,
      PAGE_ROWS,
    );
    if (rows.length === 0) return;
    yield rows;
    after = rows.at(-1)!.seq;
  }
}

/** One page's memory lines, as bytes. */
const pageBytes = (page: readonly StoredRow[]) => encoder.encode(page.map(memoryLine).join(''));

export interface SnapshotSummary {
  count: number;
  checksum: string;
  bodyBytes: number;
}

/** Pass 1: checksum, size and count of the memory lines. */
export async function summarize(sql: Sql, maxSeq: number): Promise<SnapshotSummary> {
  const digest = new Sha256Stream();
  let count = 0;
  let bodyBytes = 0;
  for (const page of pages(sql, maxSeq)) {
    const bytes = pageBytes(page);
    bodyBytes += bytes.byteLength;
    count += page.length;
    await digest.write(bytes);
    await betweenPages();
  }
  return { count, bodyBytes, checksum: await digest.finish() };
}

/**
 * Pass 2's stream and what it streamed: a row changed since pass 1 (an
 * edit, a fact's supersession mark, a re-embedding) gives other bytes than
 * the header announced. The stream errors with `SnapshotChanged` as soon as
 * it would send more bytes than pass 1 counted (a FixedLengthStream would
 * refuse them anyway), and `summary()` tells the rest once it has ended.
 */
export interface Streamed {
  body: ReadableStream<Uint8Array>;
  /** The memory lines' count, bytes and checksum as sent; once the body has ended. */
  summary(): Promise<SnapshotSummary>;
}

/** Pass 2 streamed other lines than pass 1 counted: the vault changed in between. */
export class SnapshotChanged extends Error {
  constructor() {
    super('the vault changed between the two passes of its snapshot');
  }
}

/** Pass 2: header then lines, pulled as the consumer reads, a page a pull. */
export function snapshotStream(
  sql: Sql,
  header: string,
  maxSeq: number,
  expectedBodyBytes: number,
): Streamed {
  const source = pages(sql, maxSeq);
  const digest = new Sha256Stream();
  let headerSent = false;
  let count = 0;
  let bodyBytes = 0;
  let ended: Promise<SnapshotSummary> | null = null;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode(header));
        return;
      }
      const next = source.next();
      if (next.done) {
        ended = digest.finish().then((checksum) => ({ count, bodyBytes, checksum }));
        controller.close();
        return;
      }
      const bytes = pageBytes(next.value);
      count += next.value.length;
      bodyBytes += bytes.byteLength;
      if (bodyBytes > expectedBodyBytes) {
        controller.error(new SnapshotChanged());
        return;
      }
      await digest.write(bytes);
      controller.enqueue(bytes);
    },
  });
  return {
    body,
    summary: () => ended ?? Promise.reject(new Error('the snapshot stream has not ended')),
  };
}

export function buildHeader(
  address: VaultAddress,
  model: string | null,
  dimensions: number | null,
  summary: SnapshotSummary,
): string {
  return headerLine({
    kind: address.kind,
    externalId: address.externalId,
    embeddingModel: model,
    dimensions,
    count: summary.count,
    checksum: summary.checksum,
    createdAt: new Date().toISOString(),
  });
}

/**
 * The memory lines' bytes, hashed a batch at a time: a DigestStream write per
 * line cost a promise per memory, and hashing the raw bytes spares encoding
 * each decoded line again.
 */
class LineDigest {
  private readonly digest = new Sha256Stream();
  private batch = new Uint8Array(1 << 20);
  private used = 0;

  async add(line: Uint8Array): Promise<void> {
    if (this.used + line.byteLength + 1 > this.batch.byteLength) await this.flush();
    if (line.byteLength + 1 > this.batch.byteLength) {
      await this.digest.write(line.slice());
      await this.digest.write(NEWLINE);
      return;
    }
    this.batch.set(line, this.used);
    this.batch[this.used + line.byteLength] = 0x0a;
    this.used += line.byteLength + 1;
  }

  async finish(): Promise<string> {
    await this.flush();
    return this.digest.finish();
  }

  private async flush(): Promise<void> {
    if (this.used === 0) return;
    // The stream may hold the bytes after the write resolves: hand it this
    // batch and start another.
    const full = this.batch.subarray(0, this.used);
    this.batch = new Uint8Array(this.batch.byteLength);
    this.used = 0;
    await this.digest.write(full);
  }
}

const NEWLINE = Uint8Array.of(0x0a);

/** Reads a snapshot back: its header and memory lines, checked against the header's count and checksum. */
export async function* readSnapshot(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<{ header: SnapshotHeader } | { row: StoredRow }, void, undefined> {
  const digest = new LineDigest();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let header: SnapshotHeader | null = null;
  let count = 0;
  for await (const raw of splitLines(body)) {
    const bytes = raw.bytes ?? new Uint8Array();
    const text = decoder.decode(bytes);
    if (text.trim() === '') continue;
    if (header === null) {
      const parsed = parseLine(text);
      if (parsed.type !== 'header') throw new Error('snapshot has no header line');
      header = parsed.header;
      yield { header };
      continue;
    }
    await digest.add(bytes);
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
    if (embedding === null) throw new Error(`snapshot line ${count + 2}: bad embedding`);
    const chunks = line.chunkEmbeddings === undefined ? null : fromBase64Url(line.chunkEmbeddings);
    if (chunks === null && line.chunkEmbeddings !== undefined)
      throw new Error(`snapshot line ${count + 2}: bad chunk embeddings`);
    count++;
    yield {
      row: {
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
      },
    };
  }
  const checksum = await digest.finish();
  if (header === null) throw new Error('snapshot is empty');
  if (count !== header.count || checksum !== header.checksum) {
    throw new Error(
      `snapshot does not match its header (count ${count}/${header.count}, checksum)`,
    );
  }
}
