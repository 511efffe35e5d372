import { CodedError, INTERNAL_SERVER_ERROR } from '../core/errors';
import type { ImportProgress, ImportReport } from '../resolvers/import-memories';
import { logError } from '../core/request-log';

export type ProgressFormat = 'ndjson' | 'sse';

/** The progress format a client asked for with `Accept`, or null for one JSON report at the end. */
export function progressFormat(request: Request): ProgressFormat | null {
  const accept = request.headers.get('accept') ?? '';
  if (accept.includes('text/event-stream')) return 'sse';
  if (accept.includes('application/x-ndjson')) return 'ndjson';
  return null;
}

const encoder = new TextEncoder();

function frame(format: ProgressFormat, type: string, data: object): Uint8Array {
  return encoder.encode(
    format === 'sse'
      ? `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`
      : `${JSON.stringify({ type, ...data })}\n`,
  );
}

/**
 * Runs an import while streaming its progress: one `progress` event per
 * stored batch (and every thousand lines), then the same `report` a plain
 * request gets, or an `error` event if the import stops (the lines reported
 * as stored before it stay stored). NDJSON lines carry their event in
 * `type`; SSE uses the event name.
 */
export function streamImport(
  format: ProgressFormat,
  ctx: ExecutionContext,
  run: (onProgress: (progress: ImportProgress) => void) => Promise<ImportReport>,
): Response {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  // Progress is not awaited: a client that reads slowly must not slow the import.
  const send = (type: string, data: object) =>
    writer.write(frame(format, type, data)).catch(() => {});
  const done = (async () => {
    try {
      const report = await run((progress) => void send('progress', progress));
      await send('report', report);
    } catch (error) {
      if (error instanceof CodedError) {
        const { code, message, reason } = error;
        await send('error', { error: { code, message, ...(reason ? { reason } : {}) } });
      } else {
        // Masked like any unexpected error: logged by name and message only.
        logError(
          'import failed',
          error instanceof Error ? `${error.name}: ${error.message}` : 'unknown',
        );
        await send('error', {
          error: { code: INTERNAL_SERVER_ERROR, message: 'Unexpected error.' },
        });
      }
    } finally {
      await writer.close().catch(() => {});
    }
  })();
  ctx.waitUntil(done);
  return new Response(readable, {
    headers: {
      'content-type':
        format === 'sse'
          ? 'text/event-stream; charset=utf-8'
          : 'application/x-ndjson; charset=utf-8',
      'cache-control': 'no-cache',
    },
  });
}
