/**
 * Bytes `from`..`to` of an R2 object as one stream, fetched as range reads
 * of the sizes `nextWindow` asks for, each read to its end.
 *
 * Why: a STAGE step (snapshot-restore.ts) stops after so many lines,
 * mid-file. Reading the rest of the file as one range and stopping early
 * cancelled R2's body, which local workerd logs as "disconnected: pump
 * canceled" once per step (BENCHMARKS.md, restore in steps). Here a read
 * that stops early reads the rest of its current window (`nextWindow` sizes
 * it to the lines still wanted, so little is left) instead of cancelling a
 * body R2 is still sending.
 */

/** A range read that failed mid-stream: R2 threw (`cause`), or the object is gone (`gone`). */
export class RangeReadFailed extends Error {
  constructor(
    readonly gone: boolean,
    override readonly cause?: unknown,
  ) {
    super(gone ? 'the snapshot is gone from R2' : 'an R2 range read failed');
  }
}

export function rangeStream(
  bucket: R2Bucket,
  key: string,
  from: number,
  to: number,
  /** Bytes the next range read takes (at least 1); asked as each window is opened. */
  nextWindow: () => number,
): ReadableStream<Uint8Array> {
  let position = from;
  let window: ReadableStreamDefaultReader<Uint8Array> | null = null;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          if (window === null) {
            if (position >= to) return controller.close();
            const length = Math.min(Math.max(1, Math.floor(nextWindow())), to - position);
            let object: R2ObjectBody | null;
            try {
              object = await bucket.get(key, { range: { offset: position, length } });
            } catch (error) {
              throw new RangeReadFailed(false, error);
            }
            if (object === null) throw new RangeReadFailed(true);
            window = object.body.getReader();
          }
          let read: ReadableStreamReadResult<Uint8Array>;
          try {
            read = await window.read();
          } catch (error) {
            throw new RangeReadFailed(false, error);
          }
          const { done, value } = read;
          if (done) {
            window = null;
            continue;
          }
          position += value.byteLength;
          return controller.enqueue(value);
        }
      },
      async cancel() {
        // Read to the window's end rather than cancel R2's body (see above).
        if (window === null) return;
        while (!(await window.read()).done);
        window = null;
      },
    },
    // Pulled only when read: a window is sized when the lines before it are counted.
    { highWaterMark: 0 },
  );
}
