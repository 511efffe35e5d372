import { readBody } from '../request-body';
import { errorResponse } from './errors';

/** Largest request body accepted on any route, unless MAX_REQUEST_BYTES says otherwise. */
export const DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024;

/**
 * Refuses bodies over the limit before anything parses them: at once when
 * Content-Length says so (after draining what was sent), and while streaming
 * when the body is chunked. Returns the request to carry on with, or the 413
 * response to send (in the route's own error shape when `refuse` is given).
 */
export async function limitBody(
  request: Request,
  maxBytes: number,
  refuse: (message: string) => Response = (message) =>
    errorResponse(413, 'PAYLOAD_TOO_LARGE', message),
): Promise<Request | Response> {
  if (request.body === null) return request;
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared <= maxBytes) return request;
  const body = await readBody(request, maxBytes);
  if (body === null) return refuse(`request body is larger than the limit of ${maxBytes} bytes`);
  return new Request(request, { body });
}
