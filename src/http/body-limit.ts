import { errorResponse } from './errors';

/** Largest request body accepted on any route, unless MAX_REQUEST_BYTES says otherwise. */
export const DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024;

/**
 * Refuses bodies over the limit before anything parses them: at once when
 * Content-Length says so, and while streaming when the body is chunked.
 * Returns the request to carry on with, or the 413 response to send (in the
 * route's own error shape when `refuse` is given).
 */
export async function limitBody(
  request: Request,
  maxBytes: number,
  refuse: (message: string) => Response = (message) =>
    errorResponse(413, 'PAYLOAD_TOO_LARGE', message),
): Promise<Request | Response> {
  if (request.body === null) return request;
  const tooLarge = () => refuse(`request body is larger than the limit of ${maxBytes} bytes`);
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared)) return declared > maxBytes ? tooLarge() : request;

  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > maxBytes) {
      await reader.cancel();
      return tooLarge();
    }
    chunks.push(value);
  }
  const body = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new Request(request, { body });
}
