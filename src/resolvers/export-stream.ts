import { CodedError, type Result } from '../core/errors';
import { Sha256Stream } from '../core/sha256-stream';
import { trailerLine } from '../vaults/jsonl';
import { logWarn } from '../core/request-log';

/** One page of an export as the vault sends it (src/durable/warm-tier/export-views.ts). */
export interface ExportPageOf {
  lines: string;
  rows: number;
  done: boolean;
}

/** How the stream reaches the vault's view: the next page, or give it up. */
export interface ExportPages {
  next(): Promise<Result<{ page: ExportPageOf }>>;
  close(): Promise<void>;
}

/**
 * An export as a byte stream: the header, then one vault page per read, each
 * hashed as it passes, then the trailer with the count and checksum. Pulled
 * by the reader, so a paused download asks the vault for nothing and holds
 * one page at most; the vault answers other calls between pages. A failure
 * after the first bytes ends the file without its trailer (it reads as cut
 * short), never with a trailer that would vouch for it.
 */
export function exportStream(
  header: string,
  count: number,
  pages: ExportPages,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const digest = new Sha256Stream();
  let headerSent = false;
  let sent = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!headerSent) {
          headerSent = true;
          controller.enqueue(encoder.encode(header));
          return;
        }
        const next = await pages.next();
        if (!next.ok) {
          // Mid-download there is no status to set, and a body stream that
          // errors is reported by the runtime as an uncaught exception: the
          // file ends here instead, without its trailer, which is how the
          // format says "cut short" (an import refuses it, COUNT_MISMATCH).
          logWarn('export ended early', CodedError.from(next).reason ?? next.code);
          controller.close();
          return;
        }
        const { page } = next;
        if (!page.done) {
          const bytes = encoder.encode(page.lines);
          sent += page.rows;
          await digest.write(bytes);
          controller.enqueue(bytes);
          return;
        }
        // The view is the vault as the export began: anything else is a bug.
        if (sent !== count) throw new Error(`export read ${sent} memories of ${count}`);
        controller.enqueue(encoder.encode(trailerLine({ count, checksum: await digest.finish() })));
        controller.close();
      },
      async cancel() {
        await pages.close();
      },
    },
    // Nothing is read ahead of the reader: one page in flight at a time.
    { highWaterMark: 0 },
  );
}
