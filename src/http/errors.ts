import type { ErrorCode } from '../errors';

/** A GraphQL-shaped error body, for refusals made before GraphQL runs. */
export function errorResponse(
  status: number,
  code: ErrorCode,
  message: string,
  headers: HeadersInit = {},
): Response {
  return Response.json({ errors: [{ message, extensions: { code } }] }, { status, headers });
}
