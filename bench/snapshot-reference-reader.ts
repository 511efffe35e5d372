import { Sha256Stream } from '../src/core/sha256-stream';
import { rowOfLine } from '../src/durable/cold-tier/vault-snapshot';
import { parseLine, type SnapshotHeader, type StoredRow } from '../src/vaults/jsonl';
import { splitLines } from '../src/vaults/line-splitter';

// The restore's reader before it ran in steps (to 2026-11-28): the whole
// file read, parsed and checked in one pass. The restore no longer uses it
// (src/durable/cold-tier/snapshot-restore.ts stages and checks in steps); the
// snapshot bench keeps it as the reference row "read + check the whole file
// at once" that BENCHMARKS.md's restore tables compare with.

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
  let trailer: SnapshotHeader | null = null;
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
    if (trailer !== null) throw new Error(`snapshot line ${count + 3}: a line after the trailer`);
    if (text.startsWith('{"format":')) {
      const parsed = parseLine(text);
      if (parsed.type === 'header' && parsed.header.trailer === true) {
        trailer = parsed.header;
        continue;
      }
    }
    await digest.add(bytes);
    const row = rowOfLine(text, count + 2);
    count++;
    yield { row };
  }
  const checksum = await digest.finish();
  if (header === null) throw new Error('snapshot is empty');
  // Written in one pass (from 2026-11-28): `"checksum":null` in the header,
  // count and checksum in the trailer, without which the file was cut short.
  // Written in two (before): the header states both and there is no trailer.
  if (header.checksum === null && trailer === null) {
    throw new Error(`snapshot was cut short (no trailer after ${count} lines)`);
  }
  const stated = trailer ?? header;
  if (count !== header.count || count !== stated.count || checksum !== stated.checksum) {
    throw new Error(
      `snapshot does not match its header (count ${count}/${header.count}, checksum)`,
    );
  }
}
