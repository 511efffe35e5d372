/**
 * Splits a byte stream into lines in one pass: each byte is looked at once,
 * and a line longer than `maxLineBytes` is counted but not kept, so memory
 * stays bounded whatever the size of the upload or of any one line.
 */
export interface RawLine {
  /** 1-based line number. */
  number: number;
  /** The line without its `\n` (or `\r\n`); null when it was longer than the cap. */
  bytes: Uint8Array | null;
  /** Its length in bytes, also when it was too long to keep. */
  length: number;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export function splitLines(
  body: ReadableStream<Uint8Array>,
  maxLineBytes = Number.POSITIVE_INFINITY,
): AsyncGenerator<RawLine, void, undefined> {
  // Locked now, not at the first line: a request body must be claimed before
  // the response (streamed import progress) is returned, or the runtime takes it.
  return linesOf(body.getReader(), maxLineBytes);
}

async function* linesOf(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  maxLineBytes: number,
): AsyncGenerator<RawLine, void, undefined> {
  let pieces: Uint8Array[] = [];
  let length = 0;
  let number = 0;

  const take = (): RawLine => {
    number++;
    const line: RawLine = { number, bytes: null, length };
    if (length <= maxLineBytes) line.bytes = trimCarriageReturn(join(pieces, length));
    pieces = [];
    length = 0;
    return line;
  };
  const append = (piece: Uint8Array) => {
    length += piece.byteLength;
    if (length <= maxLineBytes) pieces.push(piece);
    else pieces = []; // over the cap: keep counting, stop keeping
  };

  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      let start = 0;
      for (;;) {
        const end = value.indexOf(NEWLINE, start);
        if (end < 0) {
          if (start < value.byteLength) append(value.subarray(start));
          break;
        }
        append(value.subarray(start, end));
        yield take();
        start = end + 1;
      }
    }
    finished = true;
    if (length > 0 || pieces.length > 0) yield take();
  } finally {
    // A consumer that stops early (an aborted import) discards the rest.
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

function join(pieces: Uint8Array[], length: number): Uint8Array {
  if (pieces.length === 1) return pieces[0]!;
  const joined = new Uint8Array(length);
  let offset = 0;
  for (const piece of pieces) {
    joined.set(piece, offset);
    offset += piece.byteLength;
  }
  return joined;
}

function trimCarriageReturn(line: Uint8Array): Uint8Array {
  return line.byteLength > 0 && line[line.byteLength - 1] === CARRIAGE_RETURN
    ? line.subarray(0, line.byteLength - 1)
    : line;
}
