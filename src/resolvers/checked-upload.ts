import { CodedError } from '../core/errors';
import { Sha256Stream } from '../core/sha256-stream';
import { parseLine, readImportHeader, type ImportHeader } from '../vaults/jsonl';
import { splitLines } from '../vaults/line-splitter';
import type { ImportLine } from './import-memories';

/**
 * An export's header states how many memory lines follow (`count`) and their
 * SHA-256 (`checksum`). Both can be checked only once the last line has
 * arrived, while an import stores as it reads (bounded memory, any size); and
 * a truncated or altered file must store nothing, not its first half. So an
 * upload whose header carries either is first staged in R2 as it streams in,
 * in parts of about a megabyte, hashed and counted on the way; only when it
 * matches are its lines read back, with their own line numbers, for the
 * import. A mismatch refuses the whole upload (COUNT_MISMATCH,
 * CHECKSUM_MISMATCH). The staged parts are deleted either way.
 *
 * An upload without those fields (hand-written lines, or the typed client's
 * parts of a file it has checked itself) streams straight through.
 */
const STAGE_PART_BYTES = 1 << 20;
const NEWLINE = new Uint8Array([0x0a]);
const encoder = new TextEncoder();

export async function* checkedAgainstHeader(
  lines: AsyncIterable<ImportLine>,
  bucket: R2Bucket,
  maxLineBytes: number,
): AsyncGenerator<ImportLine, void, undefined> {
  const source = lines[Symbol.asyncIterator]();
  let header: ImportHeader | null = null;
  // Blank lines before the first line that counts pass through as they are.
  for (;;) {
    const next = await source.next();
    if (next.done) return;
    yield next.value;
    const text = textOf(next.value);
    if (text === null || text.trim() === '') continue;
    header = headerOf(text);
    break;
  }
  if (
    header === null ||
    (header.count === null && header.checksum === null && !header.awaitsTrailer)
  ) {
    // The import reads (and refuses) the first line itself; the rest follows unchecked.
    for (;;) {
      const next = await source.next();
      if (next.done) return;
      yield next.value;
    }
  }

  const stage = new StagedUpload(bucket);
  try {
    let count = 0;
    let firstNumber: number | null = null;
    const hash = new Sha256Stream();
    // A streamed export's last line (the trailer) states count and checksum;
    // it is checked here and not imported.
    let trailer: ImportHeader | null = null;
    for (;;) {
      const next = await source.next();
      if (next.done) break;
      const line = next.value;
      firstNumber ??= line.number;
      const bytes = 'text' in line ? encoder.encode(line.text) : line.bytes;
      if (bytes === null) {
        const length = 'length' in line ? line.length : 0;
        // An export's lines are never this long: the file is not the one its header describes.
        throw new CodedError(
          'BAD_USER_INPUT',
          `line ${line.number} is ${length} bytes, over the ${maxLineBytes}-byte line limit, so the file cannot be the one its header describes; nothing was imported`,
          'CHECKSUM_MISMATCH',
        );
      }
      if (!isBlank(bytes)) {
        if (trailer !== null) {
          throw new CodedError(
            'BAD_USER_INPUT',
            `line ${line.number} follows the export's last line (its trailer); nothing was imported`,
            'COUNT_MISMATCH',
          );
        }
        trailer = trailerOf(bytes);
        if (trailer !== null) continue;
        count++;
        await hash.write(bytes);
        await hash.write(NEWLINE);
      }
      await stage.append(bytes);
    }
    const checksum = await hash.finish();
    if (header.awaitsTrailer && trailer === null) {
      throw new CodedError(
        'BAD_USER_INPUT',
        "the file ends without the export's last line (its trailer): it was cut short; nothing was imported",
        'COUNT_MISMATCH',
      );
    }
    const stated = trailer ?? header;
    const where = trailer === null ? 'header line' : "file's last line";
    if (stated.count !== null && count !== stated.count) {
      throw new CodedError(
        'BAD_USER_INPUT',
        `the ${where} says ${stated.count} memory lines; the file has ${count} (${count < stated.count ? 'cut short' : 'lines added'}?); nothing was imported`,
        'COUNT_MISMATCH',
      );
    }
    if (stated.checksum !== null && checksum !== stated.checksum) {
      throw new CodedError(
        'BAD_USER_INPUT',
        `the memory lines do not match the ${where}'s checksum (a line was changed, added or lost); nothing was imported`,
        'CHECKSUM_MISMATCH',
      );
    }
    await stage.finish();
    if (firstNumber !== null) yield* stage.replay(firstNumber, maxLineBytes);
  } finally {
    await stage.discard();
  }
}

/** Decoded text of a line, or null when it cannot be read (the import reports it). */
function textOf(line: ImportLine): string | null {
  if ('text' in line) return line.text;
  if (line.bytes === null) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(line.bytes);
  } catch {
    return null;
  }
}

/** The header's checked fields, or null when the line is no header (or one the import refuses). */
function headerOf(text: string): ImportHeader | null {
  try {
    const parsed = parseLine(text);
    return parsed.type === 'header' ? readImportHeader(parsed.header) : null;
  } catch {
    return null;
  }
}

const TRAILER_START = encoder.encode('{"format":"memoryrouter.vault"');

/** A streamed export's trailer line, read as a header; null for any other line. */
function trailerOf(bytes: Uint8Array): ImportHeader | null {
  if (bytes.byteLength < TRAILER_START.byteLength) return null;
  for (let at = 0; at < TRAILER_START.byteLength; at++)
    if (bytes[at] !== TRAILER_START[at]) return null;
  try {
    const parsed = parseLine(new TextDecoder().decode(bytes));
    if (parsed.type !== 'header' || parsed.header.trailer !== true) return null;
    return readImportHeader(parsed.header);
  } catch {
    return null;
  }
}

/** As the import and the snapshot reader judge it: nothing but spaces. */
function isBlank(bytes: Uint8Array): boolean {
  return bytes.every((byte) => byte === 0x20 || byte === 0x09 || byte === 0x0d);
}

/** Lines kept in R2 under a random name (no key, vault or content in it), in parts. */
class StagedUpload {
  private readonly prefix = `imports/${crypto.randomUUID()}/`;
  private pieces: Uint8Array[] = [];
  private bytes = 0;
  private parts = 0;

  constructor(private readonly bucket: R2Bucket) {}

  async append(line: Uint8Array): Promise<void> {
    this.pieces.push(line, NEWLINE);
    this.bytes += line.byteLength + 1;
    if (this.bytes >= STAGE_PART_BYTES) await this.flush();
  }

  async finish(): Promise<void> {
    if (this.pieces.length > 0) await this.flush();
  }

  /** The staged lines again, numbered from `firstNumber` on as they arrived. */
  async *replay(firstNumber: number, maxLineBytes: number): AsyncGenerator<ImportLine> {
    let number = firstNumber;
    for (let part = 0; part < this.parts; part++) {
      const object = await this.bucket.get(this.keyOf(part));
      // Unexpected (parts live for one request): masked like any internal error.
      if (object === null) throw new Error('a staged part of the upload disappeared');
      // Every part ends with a newline: no line spans two parts.
      for await (const line of splitLines(object.body, maxLineBytes)) {
        yield { ...line, number };
        number++;
      }
    }
  }

  async discard(): Promise<void> {
    const keys = Array.from({ length: this.parts }, (_, part) => this.keyOf(part));
    for (let at = 0; at < keys.length; at += 1000)
      await this.bucket.delete(keys.slice(at, at + 1000)).catch(() => {});
  }

  private async flush(): Promise<void> {
    const body = new Uint8Array(this.bytes);
    let offset = 0;
    for (const piece of this.pieces) {
      body.set(piece, offset);
      offset += piece.byteLength;
    }
    this.pieces = [];
    this.bytes = 0;
    await this.bucket.put(this.keyOf(this.parts), body);
    this.parts++;
  }

  private keyOf(part: number): string {
    return `${this.prefix}${String(part).padStart(8, '0')}`;
  }
}
