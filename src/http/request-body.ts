/**
 * Reading request bodies with a size limit, and throwing them away. Every
 * route that answers without needing the body (an error, a 404) still reads
 * it first, up to a bound: answering while the client is still sending made
 * the local runtime report "Network connection lost" instead of the answer.
 *
 * A body whose Content-Length is already past the bound is never touched:
 * reading part of it and cancelling the rest is exactly what made the local
 * runtime answer a bare 500 "Network connection lost" or drop the connection
 * (review201 F1, 23 MB drop-in bodies). Left unread, `wrangler dev` drains it
 * itself after the answer is made (its ensure-req-body-drained middleware,
 * cloudflare/workers-sdk#5106) and the client gets the 413; the deployed
 * runtime discards an unread body.
 */

/** Most bytes read (and dropped) from a body nobody needs before the connection is cut. */
export const DISCARD_LIMIT_BYTES = 8 * 1024 * 1024;

/** The body's length as Content-Length declares it; NaN when it does not (chunked). */
function declaredLength(request: Request): number {
  return Number(request.headers.get('content-length') ?? NaN);
}

/**
 * The body as the chunks it arrived in (never joined: a large body is not
 * copied), or null when it is larger than `maxBytes`: at once, unread, when
 * Content-Length says so, else as soon as the bytes read pass the limit.
 */
export async function readChunks(request: Request, maxBytes: number): Promise<Uint8Array[] | null> {
  if (request.body === null) return [];
  const declared = declaredLength(request);
  if (Number.isFinite(declared) && declared > maxBytes) return null;
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return chunks;
    received += value.byteLength;
    if (received > maxBytes) {
      await drain(reader);
      return null;
    }
    chunks.push(value);
  }
}

/**
 * Reads and drops a body nobody needs (up to DISCARD_LIMIT_BYTES); one that
 * Content-Length says is larger is left unread (see above).
 */
export async function discardBody(request: Request): Promise<void> {
  // A body a route has started reading (a streamed import) is the route's to finish.
  if (request.body === null || request.bodyUsed || request.body.locked) return;
  if (declaredLength(request) > DISCARD_LIMIT_BYTES) return;
  await drain(request.body.getReader());
}

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  let dropped = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      dropped += value.byteLength;
      if (dropped > DISCARD_LIMIT_BYTES) {
        await reader.cancel();
        return;
      }
    }
  } catch {
    // The client went away: nothing left to drain.
  }
}
