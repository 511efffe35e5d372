import { CodedError } from '../errors';
import { HTTP_STATUS } from './chat-route';

/** The REST chat surfaces, each answering errors in its provider's own shape. */
export type Surface = 'openai' | 'anthropic' | 'google';

/**
 * The HTTP status of a coded error. A provider's refusal keeps its 4xx (a bad
 * provider key is a 401, a rate limit a 429); a provider failure, a broken
 * stream or an unreachable provider is a 502, a timeout a 504. Route errors
 * may carry their own status (405, 415) in `details.status`.
 */
export function statusOf(error: CodedError): number {
  const status = Number(error.details.status);
  if (error.code === 'UPSTREAM_ERROR') {
    if (error.reason === 'PROVIDER_4XX' && status >= 400 && status < 500) return status;
    return error.reason === 'TIMEOUT' ? 504 : 502;
  }
  return status >= 400 && status < 600 ? status : HTTP_STATUS[error.code];
}

const OPENAI_TYPES: Record<number, string> = {
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  429: 'rate_limit_error',
};

const ANTHROPIC_TYPES: Record<number, string> = {
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  529: 'overloaded_error',
};

const GOOGLE_STATUSES: Record<number, string> = {
  401: 'UNAUTHENTICATED',
  402: 'FAILED_PRECONDITION',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  405: 'UNIMPLEMENTED',
  429: 'RESOURCE_EXHAUSTED',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** What a surface error says: a CodedError, or the masked internal error. */
type ErrorFacts = Pick<CodedError, 'message' | 'reason' | 'details'> & { code: string };

/** The error object of one surface, with our code and reason beside the provider's own fields. */
export function surfaceErrorBody(surface: Surface, error: ErrorFacts, status: number): unknown {
  const ours = { code: error.code, ...(error.reason ? { reason: error.reason } : {}) };
  switch (surface) {
    case 'openai':
      return {
        error: {
          message: error.message,
          type: OPENAI_TYPES[status] ?? (status >= 500 ? 'server_error' : 'invalid_request_error'),
          param: typeof error.details.param === 'string' ? error.details.param : null,
          ...ours,
        },
      };
    case 'anthropic':
      return {
        type: 'error',
        ...(typeof error.details.providerRequestId === 'string'
          ? { request_id: error.details.providerRequestId }
          : {}),
        error: {
          type: ANTHROPIC_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error'),
          message: error.message,
          ...ours,
        },
      };
    case 'google':
      return {
        error: {
          code: status,
          message: error.message,
          status: GOOGLE_STATUSES[status] ?? (status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT'),
          details: [
            {
              '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
              reason: error.reason ?? error.code,
              domain: 'memoryrouter',
              metadata: { code: error.code },
            },
          ],
        },
      };
  }
}

export function surfaceErrorResponse(surface: Surface, error: CodedError): Response {
  const status = statusOf(error);
  const headers: Record<string, string> = {};
  if (error.details.retryAfter !== undefined)
    headers['retry-after'] = String(error.details.retryAfter);
  if (status === 405) headers.allow = 'POST';
  // The provider's request id, where its SDK looks for one.
  const requestId = error.details.providerRequestId;
  if (typeof requestId === 'string')
    headers[surface === 'anthropic' ? 'request-id' : 'x-request-id'] = requestId;
  return Response.json(surfaceErrorBody(surface, error, status), { status, headers });
}

/** The event that ends a broken stream, as each provider sends one after a 200. */
export function surfaceErrorFrame(surface: Surface, error: CodedError): string {
  const body = JSON.stringify(surfaceErrorBody(surface, error, statusOf(error)));
  return surface === 'anthropic' ? `event: error\ndata: ${body}\n\n` : `data: ${body}\n\n`;
}

/**
 * Any failure as a response in the surface's shape: coded errors as they are,
 * anything else logged (name and message only) and answered as a masked 500.
 */
export function surfaceFailure(surface: Surface, error: unknown): Response {
  if (error instanceof CodedError) return surfaceErrorResponse(surface, error);
  console.error(
    'unexpected error on a chat route',
    error instanceof Error ? `${error.name}: ${error.message}` : 'unknown',
  );
  const masked = { message: 'internal error', code: 'INTERNAL_SERVER_ERROR', details: {} };
  return Response.json(surfaceErrorBody(surface, masked, 500), { status: 500 });
}
