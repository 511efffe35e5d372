import {
  CONFIGURATION_ERROR,
  CodedError,
  ConfigurationError,
  HTTP_STATUS,
  INTERNAL_SERVER_ERROR,
} from '../core/errors';
import { currentRequestId, logError, requestIdExtension } from '../core/request-log';
import { isGeminiMethodTarget } from './gemini-target';
import { isOpenAiOnlyPath, modelsClientOf } from './not-served';
import type { ChatSurface, Surface } from './surfaces';
import {
  providerErrorFrame,
  providerErrorResponse,
  providerOwnError,
  refusalHeaders,
} from './provider-errors';
import { ProviderError } from '../providers/upstream-error';

/**
 * Every error body the Worker answers over HTTP, one shape per surface, so
 * each client meets errors it can parse:
 *   graphql    GraphQL's `{"errors": [{"message", "extensions": {"code", "reason"}}]}`
 *   openai     OpenAI's `{"error": {"message", "type", "param", "code"}}` (/v1/chat/…, /v1/responses…, /v1/embeddings, /v1/models)
 *   anthropic  Anthropic's `{"type": "error", "error": {"type", "message"}}` (/v1/messages…; /v1/models… for its SDK)
 *   google     Google's `{"error": {"code", "message", "status", "details"}}` (Gemini's paths; /v1/models… for its SDK)
 *   rest       every other route: `{"error": {"code", "message", "reason"}}`
 * Our `code` and `reason` ride along in each, so a client can switch on them
 * whatever its SDK. A provider's own error on a chat route of its format is
 * the exception: it is answered as the provider sent it, with our `reason`
 * added (provider-errors.ts). Errors GraphQL itself reports (inside Yoga) are mapped in
 * src/http/graphql/client-errors.ts; this module covers everything the HTTP layer
 * answers: 401/404/405/413/415/429/5xx, CONFIGURATION_ERROR and failures of
 * the REST routes.
 */

/**
 * The surface a request belongs to, known from its path (and, on the model
 * paths three SDKs share, the caller's headers): a 404 under /v1/chat/, a
 * 405, a 503 before any route ran all answer in the shape the client at that
 * path reads.
 */
export function surfaceOf(pathname: string, request?: Request): Surface {
  if (pathname === '/graphql') return 'graphql';
  // OpenAI's APIs beside chat that are not served (not-served.ts) are OpenAI's SDK's paths.
  if (isOpenAiOnlyPath(pathname)) return 'openai';
  if (pathname === '/v1/chat/completions' || pathname.startsWith('/v1/chat/')) return 'openai';
  if (pathname === '/v1/responses' || pathname.startsWith('/v1/responses/')) return 'openai';
  if (pathname === '/v1/embeddings') return 'openai';
  if (pathname === '/v1/models') return request ? modelsClientOf(request) : 'openai';
  if (pathname === '/v1/messages' || pathname.startsWith('/v1/messages/')) return 'anthropic';
  // A GET of one model (its id may hold colons: `ft:gpt-4o-mini:org::abc`)
  // is any SDK's; Gemini's `{model}:{method}` path or another method there is Gemini's.
  if (pathname.startsWith('/v1/models/'))
    return request?.method === 'GET' && !isGeminiMethodTarget(pathname.slice('/v1/models/'.length))
      ? modelsClientOf(request)
      : 'google';
  if (pathname.startsWith('/v1beta/')) return 'google';
  return 'rest';
}

const PROVIDER_FAILURES = new Set(['UNREACHABLE', 'STREAM_BROKEN', 'PROVIDER_5XX']);

/**
 * The HTTP status of a coded error. A provider's refusal keeps its 4xx (a bad
 * provider key is a 401, a rate limit a 429); a provider failure, a broken
 * stream or an unreachable provider is a 502, a timeout a 504. Route errors
 * may carry their own status (405, 415, 503) in `details.status`.
 */
export function statusOf(error: CodedError): number {
  const status = Number(error.details.status);
  if (error.code === 'UPSTREAM_ERROR') {
    if (error.reason === 'PROVIDER_4XX' && status >= 400 && status < 500) return status;
    if (error.reason === 'TIMEOUT') return 504;
    // A provider's own 5xx is ours to report as a bad gateway; other upstreams
    // (Stripe) may say 503, which asks their caller to retry.
    if (PROVIDER_FAILURES.has(error.reason ?? '') || !(status >= 500 && status < 600)) return 502;
    return status;
  }
  return status >= 400 && status < 600 ? status : HTTP_STATUS[error.code];
}

/**
 * Reasons of MemoryRouter's own errors that an SDK must not send again by
 * itself: a TIMEOUT came after UPSTREAM_TIMEOUT_MS (10 minutes by default),
 * each attempt generated and billed by the provider; a STREAM_BROKEN answer
 * was accepted by the provider (its input billed, perhaps part of an answer)
 * and its memory metered, so a silent resend would bill the caller twice for
 * one answer: the app decides, as it does after a stream that broke mid-way;
 * a REDIRECTED base URL and a deployment without an embedder stay so until
 * the operator changes them; an API not served (501, not-served.ts) never will be.
 */
const NOT_RETRIED = new Set([
  'TIMEOUT',
  'STREAM_BROKEN',
  'REDIRECTED',
  'EMBEDDING_FAILED',
  'ROUTE_NOT_SERVED',
]);

/**
 * Whether an SDK should send the request again: the openai and Anthropic SDKs
 * retry 408, 409, 429 and 5xx unless the answer says `x-should-retry: false`,
 * and obey `x-should-retry: true` on any status. Our own 429 (retry after
 * `retry-after`), a provider that could not be reached, a vault that did not
 * answer, a masked 500 may pass on a second try; a timeout, a broken answer
 * (billed), a redirect and a configuration error are not resent (NOT_RETRIED);
 * a refusal (4xx) never passes.
 */
export function retryFixes(status: number, code: string, reason: string | undefined): boolean {
  if (code === CONFIGURATION_ERROR || NOT_RETRIED.has(reason ?? '')) return false;
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * Says on a chat surface (whose clients are the providers' SDKs) whether a
 * retry can help. Not on a provider's own error, where the provider's
 * headers (its own `x-should-retry`, OpenAI and Anthropic send one) and its
 * status keep the provider's retry semantics.
 */
function sayWhetherToRetry(
  surface: Surface,
  headers: Headers,
  status: number,
  code: string,
  reason: string | undefined,
): Headers {
  if (surface === 'openai' || surface === 'anthropic' || surface === 'google')
    headers.set('x-should-retry', String(retryFixes(status, code, reason)));
  return headers;
}

/** What an error body says: a coded error, the masked internal error, or a configuration error. */
interface ErrorFacts {
  code: string;
  message: string;
  reason?: string | undefined;
  details: Record<string, string | number>;
  /** CONFIGURATION_ERROR: the variables at fault (names, never values). */
  variables?: string[];
}

const OPENAI_TYPES: Record<number, string> = {
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  429: 'rate_limit_error',
  // An API MemoryRouter does not serve (not-served.ts): the request, not the server, is at fault.
  501: 'invalid_request_error',
};

const ANTHROPIC_TYPES: Record<number, string> = {
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  501: 'invalid_request_error',
  529: 'overloaded_error',
};

const GOOGLE_STATUSES: Record<number, string> = {
  401: 'UNAUTHENTICATED',
  402: 'FAILED_PRECONDITION',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  405: 'UNIMPLEMENTED',
  429: 'RESOURCE_EXHAUSTED',
  501: 'UNIMPLEMENTED',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** Details a body reports as fields of its own: not the HTTP status nor headers already sent. */
function facts(details: Record<string, string | number>): Record<string, string | number> {
  return Object.fromEntries(
    Object.entries(details).filter(([name]) => name !== 'status' && name !== 'allow'),
  );
}

/** The error body of one surface, with our code and reason beside the ecosystem's own fields. */
export function errorBody(surface: Surface, error: ErrorFacts, status: number): unknown {
  const ours = {
    code: error.code,
    ...(error.reason ? { reason: error.reason } : {}),
    ...(error.variables ? { variables: error.variables } : {}),
  };
  switch (surface) {
    case 'graphql':
      return {
        errors: [
          {
            message: error.message,
            extensions: { ...ours, ...facts(error.details), ...requestIdExtension() },
          },
        ],
      };
    case 'rest':
      return { error: { ...ours, message: error.message, ...facts(error.details) } };
    case 'openai':
      return {
        error: {
          message: error.message,
          type: OPENAI_TYPES[status] ?? (status >= 500 ? 'server_error' : 'invalid_request_error'),
          param: typeof error.details.param === 'string' ? error.details.param : null,
          ...ours,
        },
      };
    case 'anthropic': {
      // Anthropic's API names its request in the body too: the provider's, else ours.
      const requestId =
        typeof error.details.providerRequestId === 'string'
          ? error.details.providerRequestId
          : currentRequestId();
      return {
        type: 'error',
        ...(requestId === undefined ? {} : { request_id: requestId }),
        error: {
          type: ANTHROPIC_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error'),
          message: error.message,
          ...ours,
        },
      };
    }
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

/**
 * A coded error as a response in the surface's shape, with the headers its
 * SDK looks for; a provider's refusal on a route of its own format as the
 * provider answered it. Either way a provider's refusal passes on the
 * provider's headers (its rate limits), as its answers do.
 */
export function errorResponse(surface: Surface, error: CodedError): Response {
  const own = providerOwnError(surface, error);
  if (own !== null) {
    const response = providerErrorResponse(own);
    // An error sent in a 200 answer (OpenRouter's, answered with its code):
    // the status is ours, so the retry advice is too, as for any error of
    // ours, and the wait its body gives (Gemini's RetryInfo) unless the
    // response's headers gave one (review 268 F2).
    if (!own.providersStatus) {
      sayWhetherToRetry(surface, response.headers, response.status, own.code, own.reason);
      if (own.details.retryAfter !== undefined && !response.headers.has('retry-after'))
        response.headers.set('retry-after', String(own.details.retryAfter));
    }
    return response;
  }
  const status = statusOf(error);
  const headers = (surface !== 'graphql' && refusalHeaders(error)) || new Headers();
  if (error.details.retryAfter !== undefined)
    headers.set('retry-after', String(error.details.retryAfter));
  if (typeof error.details.allow === 'string') headers.set('allow', error.details.allow);
  // The provider's request id, where its SDK looks for one; else ours.
  const requestId = error.details.providerRequestId;
  if (typeof requestId === 'string')
    headers.set(surface === 'anthropic' ? 'request-id' : 'x-request-id', requestId);
  else withOurRequestId(surface, headers);
  // A provider's own refusal keeps its headers' retry semantics; a status
  // that is ours (a stream broken by an error event, an error in a 200
  // answer) says it, as any error of ours does.
  if (!(error instanceof ProviderError && error.providersStatus))
    sayWhetherToRetry(surface, headers, status, error.code, error.reason);
  return Response.json(errorBody(surface, error, status), { status, headers });
}

/**
 * CONFIGURATION_ERROR (503) in the surface's shape, naming the variables at
 * fault and, where one feature is off, the reason (e.g. STRIPE_NOT_CONFIGURED).
 */
export function configurationErrorResponse(
  surface: Surface,
  message: string,
  variables: readonly string[],
  reason?: string,
): Response {
  const facts = {
    code: CONFIGURATION_ERROR,
    message,
    reason,
    details: {},
    variables: [...variables],
  };
  const headers = sayWhetherToRetry(surface, new Headers(), 503, CONFIGURATION_ERROR, reason);
  withOurRequestId(surface, headers);
  return Response.json(errorBody(surface, facts, 503), { status: 503, headers });
}

/**
 * Any failure as a response in the surface's shape: coded errors as they are,
 * anything else logged (name and message only, never a stack or request
 * input) and answered as a masked 500.
 */
export function failureResponse(surface: Surface, error: unknown): Response {
  if (error instanceof CodedError) return errorResponse(surface, error);
  if (error instanceof ConfigurationError)
    return configurationErrorResponse(surface, error.message, error.variables, error.reason);
  logError(
    'unexpected error',
    error instanceof Error ? `${error.name}: ${error.message}` : 'unknown',
  );
  const masked = { code: INTERNAL_SERVER_ERROR, message: 'Unexpected error.', details: {} };
  const headers = sayWhetherToRetry(surface, new Headers(), 500, INTERNAL_SERVER_ERROR, undefined);
  withOurRequestId(surface, headers);
  return Response.json(errorBody(surface, masked, 500), { status: 500, headers });
}

/**
 * Our request id in the header the surface's SDK reads into its error's
 * request id (OpenAI's `x-request-id`, Anthropic's `request-id`) when an
 * error of our own has no provider's id: what a developer logs from the SDK's
 * error is then what support looks up. (Every answer also carries it as
 * X-Memory-Request-Id, edge-headers.ts.)
 */
function withOurRequestId(surface: Surface, headers: Headers): void {
  if (surface !== 'openai' && surface !== 'anthropic') return;
  const requestId = currentRequestId();
  if (requestId !== undefined)
    headers.set(surface === 'anthropic' ? 'request-id' : 'x-request-id', requestId);
}

/** The event that ends a broken stream, as each provider sends one after a 200. */
export function errorFrame(surface: ChatSurface, error: CodedError): string {
  const own = providerOwnError(surface, error);
  if (own !== null) return providerErrorFrame(own);
  const body = JSON.stringify(errorBody(surface, error, statusOf(error)));
  return surface === 'anthropic' ? `event: error\ndata: ${body}\n\n` : `data: ${body}\n\n`;
}
