import { CodedError } from '../core/errors';
import {
  errorBodyJson,
  errorMessageOf,
  errorObject,
  googleRetryDelay,
  mapStrings,
  providerCodeOf,
} from './provider-error-body';
import { wireFormatOf, type ProviderId } from './types';
import { logWarn } from '../core/request-log';

/*
 * Every way a provider call can fail, as one code (UPSTREAM_ERROR) and a
 * stable reason:
 *   UNREACHABLE    no answer at all: DNS, connect, TLS, a reset before the response
 *   TIMEOUT        a non-streamed answer not whole, or a stream silent (no headers, no next chunk), within UPSTREAM_TIMEOUT_MS
 *   STREAM_BROKEN  accepted, then the answer broke: a reset or an error event
 *                  mid-stream, malformed data, or an end before the answer finished
 *   PROVIDER_4XX   the provider refused the call (its status is kept: 401, 404, 429, …)
 *   PROVIDER_5XX   the provider failed
 *   REDIRECTED     the provider's address answered a redirect (3xx), which is
 *                  never followed: the key goes only to the configured base URL
 * `details` carry `provider`, `status` (the HTTP status the REST routes answer
 * with), for rate limits `retryAfter` seconds, and the provider's request id
 * when it gave one (`providerRequestId`); for an error the provider itself
 * reported, its HTTP status (`providerStatus`), its own code
 * (`providerCode`, provider-error-body.ts) and OpenAI's `providerParam`.
 * Anything the provider said is scrubbed of the caller's provider key, whole
 * or in fragments.
 */

/**
 * What a provider itself said when it refused a call or broke off a stream:
 * kept so that a drop-in route in the provider's own format can answer with
 * it (src/http/provider-errors.ts) instead of a summary of it.
 */
export interface ProviderReply {
  /**
   * Its error body (or stream event) as JSON, every string scrubbed of the
   * caller's key; null when it was not an error in the format's shape.
   */
  body: Record<string, unknown> | null;
  /** Its response headers (rate limits, request id); null for an event inside a stream. */
  headers: Headers | null;
}

/** An upstream error that came from the provider's own answer, with that answer. */
export class ProviderError extends CodedError {
  constructor(
    readonly provider: ProviderId,
    message: string,
    reason: string,
    details: Record<string, string | number>,
    readonly reply: ProviderReply,
    /**
     * Whether the status answered is the one the provider's own HTTP
     * response carried (a refusal), whose headers then keep the provider's
     * retry semantics; false for an error event inside an accepted stream
     * or an error sent in a 200 answer, where the status is ours.
     */
    readonly providersStatus = false,
  ) {
    super('UPSTREAM_ERROR', message, reason, details);
  }
}

/**
 * The provider's error body, scrubbed, with what GraphQL reports of it
 * (`providerCode`, `providerParam`); body null when it is not an error of
 * the provider's format.
 */
function readProviderError(
  provider: ProviderId,
  json: Record<string, unknown> | null,
  apiKey: string | null,
): {
  body: Record<string, unknown> | null;
  facts: Record<string, string>;
  /** Gemini's RetryInfo delay, seconds (googleRetryDelay); a refusal passes it on as `retryAfter`. */
  retryDelay: number | null;
} {
  const format = wireFormatOf(provider);
  const error = json === null ? null : errorObject(format, json);
  if (json === null || error === null) return { body: null, facts: {}, retryDelay: null };
  const facts: Record<string, string> = {};
  const code = providerCodeOf(format, error);
  if (code !== null) facts.providerCode = redact(code, apiKey).slice(0, 200);
  if (typeof error.param === 'string')
    facts.providerParam = redact(error.param, apiKey).slice(0, 200);
  const body = mapStrings(json, (text) => redact(text, apiKey)) as Record<string, unknown>;
  return { body, facts, retryDelay: format === 'google' ? googleRetryDelay(error) : null };
}

export function providerRefused(
  provider: ProviderId,
  status: number,
  bodyText: string,
  apiKey: string | null,
  headers: Headers,
): ProviderError {
  const json = errorBodyJson(bodyText);
  const said = (json === null ? null : errorMessageOf(json)) ?? bodyText;
  const message = redact(said.slice(0, 1000), apiKey).slice(0, 500) || `HTTP ${status}`;
  const { body, facts, retryDelay } = readProviderError(provider, json, apiKey);
  const details: Record<string, string | number> = {
    provider,
    status,
    providerStatus: status,
    ...facts,
    ...(retryDelay === null ? {} : { retryAfter: retryDelay }),
    ...headerFacts(headers),
  };
  return new ProviderError(
    provider,
    `${provider} answered ${status}: ${message}`,
    status >= 500 ? 'PROVIDER_5XX' : 'PROVIDER_4XX',
    details,
    { body, headers },
    true,
  );
}

/**
 * The words by which providers refuse a request too long for the model:
 * Anthropic's "prompt is too long", Gemini's "The input token count (N)
 * exceeds the maximum number of tokens allowed", OpenAI's and vLLM's
 * "maximum context length" (OpenAI's code, `context_length_exceeded`, is
 * checked first).
 */
const CONTEXT_LENGTH_WORDS =
  /prompt is too long|input token count.{0,40}exceeds the maximum|maximum context length/i;

/** Whether the provider refused the call because it did not fit the model's context (review 256 F7). */
export function refusedForContextLength(error: unknown): error is ProviderError {
  if (!(error instanceof ProviderError) || !error.providersStatus) return false;
  const status = Number(error.details.providerStatus);
  if (status !== 400 && status !== 413) return false;
  return (
    error.details.providerCode === 'context_length_exceeded' ||
    CONTEXT_LENGTH_WORDS.test(error.message)
  );
}

/**
 * The same refusal with a sentence added to its message, in our message and
 * in the provider's body (`error.message`, where all three formats keep it),
 * so that a client reading either finds it; status, headers and codes unchanged.
 */
export function withMessageNote(error: ProviderError, note: string): ProviderError {
  const body = error.reply.body;
  const inner = body === null ? null : body.error;
  const noted =
    body !== null && inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? typeof (inner as Record<string, unknown>).message === 'string'
        ? {
            ...body,
            error: {
              ...(inner as Record<string, unknown>),
              message: `${String((inner as Record<string, unknown>).message)} ${note}`,
            },
          }
        : body
      : body;
  return new ProviderError(
    error.provider,
    `${error.message} ${note}`,
    error.reason ?? 'PROVIDER_4XX',
    error.details,
    { body: noted, headers: error.reply.headers },
    error.providersStatus,
  );
}

/** What an error's response headers tell: the provider's request id (for its support) and Retry-After. */
function headerFacts(headers: Headers): Record<string, string | number> {
  const facts: Record<string, string | number> = {};
  const requestId = headers.get('request-id') ?? headers.get('x-request-id');
  if (requestId && /^[\w.:-]{1,200}$/.test(requestId)) facts.providerRequestId = requestId;
  // `retry-after-ms` alone (Azure OpenAI and compatible servers send it;
  // OpenAI's SDK reads it first) is the same advice in milliseconds, given
  // in whole seconds as ours always is (review274 F2).
  const seconds =
    retryAfterSeconds(headers.get('retry-after')) ??
    retryAfterMilliseconds(headers.get('retry-after-ms'));
  if (seconds !== null) facts.retryAfter = seconds;
  return facts;
}

/**
 * An error found in a whole 200 answer (errorInAnswer; the decoders read the
 * body without its response) given that response's headers, so it passes
 * on the provider's rate limits and request id as a refusal does.
 */
export function withAnswerHeaders(error: unknown, headers: Headers): unknown {
  if (!(error instanceof ProviderError) || error.reply.headers !== null) return error;
  return new ProviderError(
    error.provider,
    error.message,
    error.reason ?? 'PROVIDER_5XX',
    { ...error.details, ...headerFacts(headers) },
    { body: error.reply.body, headers },
  );
}

/**
 * No connection to the provider. The runtime's own words ("Network connection
 * lost.", "internal error; reference = …") help no caller: they are logged,
 * scrubbed of the key, and the caller reads what happened and what to try.
 */
export function unreachable(provider: ProviderId, why: string, apiKey: string | null): CodedError {
  logWarn(`${provider} could not be reached`, redact(why, apiKey).slice(0, 300));
  return new CodedError(
    'UPSTREAM_ERROR',
    `${provider} could not be reached (no connection was made, or it was lost before any answer); try again, and check the provider's status and base URL`,
    'UNREACHABLE',
    { provider, status: 502 },
  );
}

/**
 * The configured address answered a redirect. Following it would send the
 * provider key to wherever the redirect points (a proxy, a mistyped base
 * URL), so the call stops here; the target's origin is named so the caller
 * can fix the base URL, never its path or query (they may carry tokens).
 */
export function redirected(
  provider: ProviderId,
  status: number,
  location: string | null,
): CodedError {
  let target = 'another address';
  try {
    if (location !== null) target = new URL(location).origin;
  } catch {
    // a relative or malformed Location: not named
  }
  return new CodedError(
    'UPSTREAM_ERROR',
    `${provider} answered a redirect (HTTP ${status}) to ${target}; MemoryRouter does not follow a provider's redirects, so your provider key is only sent to the base URL configured for ${provider}: check that base URL`,
    'REDIRECTED',
    { provider, status: 502, providerStatus: status },
  );
}

/*
 * TIMEOUT and STREAM_BROKEN are logged as UNREACHABLE is (one warn line,
 * the request id first, the provider's words scrubbed of the key), so an
 * operator handed a request id finds what happened to its provider call
 * (review 256 F12): a stall, a reset, garbage or the provider's error event.
 */

/**
 * A streamed call answered with one JSON body (`Content-Type:
 * application/json`) that is no error of the provider's format, where events
 * were due: the server, or a proxy before it, ignored the streaming request
 * (review 256 F4). STREAM_BROKEN, as any answer that cannot be passed on
 * after the provider accepted the call, with a message that says what came
 * instead of "the stream ended early", in the format's own words: Gemini
 * streams by its method (`:streamGenerateContent?alt=sse`), not by a
 * `stream` field (review 268 F1).
 */
export function answeredWithoutStreaming(provider: ProviderId): CodedError {
  logWarn(`${provider} answered JSON where a stream was asked for (STREAM_BROKEN)`);
  const [asked, ignored, unstreamed] =
    wireFormatOf(provider) === 'google'
      ? [
          'method `:streamGenerateContent?alt=sse`',
          'the streaming method',
          'with `:generateContent`',
        ]
      : ['`stream: true`', '`stream`', 'without `stream`'];
  return new CodedError(
    'UPSTREAM_ERROR',
    `${provider} answered without streaming: a streamed call (${asked}) got one JSON body (Content-Type: application/json) instead of server-sent events, so the server or a proxy before it ignored ${ignored}; call ${unstreamed}, or point the base URL at a server that streams`,
    'STREAM_BROKEN',
    { provider, status: 502 },
  );
}

export function timedOut(provider: ProviderId, timeoutMs: number): CodedError {
  logWarn(`${provider} did not answer within ${timeoutMs} ms (TIMEOUT)`);
  return new CodedError(
    'UPSTREAM_ERROR',
    `${provider} did not answer within ${timeoutMs} ms`,
    'TIMEOUT',
    { provider, status: 504 },
  );
}

export function streamBroken(provider: ProviderId, why: string, apiKey: string | null): CodedError {
  logWarn(`${provider} stream broke (STREAM_BROKEN)`, redact(why, apiKey).slice(0, 300));
  return new CodedError(
    'UPSTREAM_ERROR',
    `${provider} stream broke: ${redact(why, apiKey).slice(0, 500)}`,
    'STREAM_BROKEN',
    { provider, status: 502 },
  );
}

/**
 * A whole (not streamed) answer that cannot be read, such as JSON cut off:
 * STREAM_BROKEN as a broken stream is (docs/drop-in.md), worded for an
 * answer that was not streamed (review 268 F6).
 */
export function answerBroken(provider: ProviderId, why: string, apiKey: string | null): CodedError {
  logWarn(`${provider} answer broke (STREAM_BROKEN)`, redact(why, apiKey).slice(0, 300));
  return new CodedError(
    'UPSTREAM_ERROR',
    `${provider} answer broke: ${redact(why, apiKey).slice(0, 500)}`,
    'STREAM_BROKEN',
    { provider, status: 502 },
  );
}

/**
 * The provider's own error event inside a stream it had accepted (Anthropic's
 * overloaded_error, OpenAI's `{"error": …}` chunk): STREAM_BROKEN, with the
 * event kept for a client of the same format.
 */
export function providerStreamError(
  provider: ProviderId,
  why: string,
  apiKey: string | null,
  event: Record<string, unknown>,
): CodedError {
  const { body, facts } = readProviderError(provider, event, apiKey);
  logWarn(
    `${provider} stream broke with its own error event (STREAM_BROKEN)`,
    redact(why, apiKey).slice(0, 300),
  );
  return new ProviderError(
    provider,
    `${provider} stream broke: ${redact(why, apiKey).slice(0, 500)}`,
    'STREAM_BROKEN',
    { provider, status: 502, ...facts },
    { body, headers: null },
  );
}

/**
 * An error the provider sent as a whole answer with HTTP 200: OpenRouter's
 * documented way to report a model that failed after the call was accepted
 * (`{"error": {"code": 429, "message": …, "metadata": {…}}}`), or a
 * compatible server's `{"object": "error", …}`. It is the provider's error,
 * not a broken answer: its body is kept whole (OpenRouter's `code` and
 * `metadata` included) for a client of the same format, and its `code`, when
 * it is an HTTP error status, is the status the route answers with (a rate
 * limit stays a 429 the client can retry later); else 502.
 */
export function errorInAnswer(
  provider: ProviderId,
  why: string,
  apiKey: string | null,
  answer: Record<string, unknown>,
): ProviderError {
  const { body, facts, retryDelay } = readProviderError(provider, answer, apiKey);
  const inner = answer.error;
  const code =
    typeof inner === 'object' && inner !== null ? (inner as { code?: unknown }).code : answer.code;
  const type =
    typeof inner === 'object' && inner !== null ? (inner as { type?: unknown }).type : undefined;
  const status =
    typeof code === 'number' && Number.isInteger(code) && code >= 400 && code < 600
      ? code
      : wireFormatOf(provider) === 'anthropic' && typeof type === 'string'
        ? (ANTHROPIC_ERROR_STATUS[type] ?? 502)
        : 502;
  return new ProviderError(
    provider,
    `${provider} answered with an error: ${redact(why, apiKey).slice(0, 500)}`,
    status >= 500 ? 'PROVIDER_5XX' : 'PROVIDER_4XX',
    {
      provider,
      status,
      providerStatus: status,
      ...facts,
      ...(retryDelay === null ? {} : { retryAfter: retryDelay }),
    },
    { body, headers: null },
  );
}

/**
 * The HTTP status Anthropic answers each of its error types with (its
 * errors carry a type, no numeric code): an error of its format sent in a
 * 200 is answered with the status it would have come with.
 */
const ANTHROPIC_ERROR_STATUS: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/** Shortest run of a key's characters treated as a quotation of it. */
const FRAGMENT = 8;
/** A key quoted with its middle masked, as OpenAI does: `sk-proj-abcd****…wxyz`. */
const MASKED_KEY = /[\w.-]*\*{3,}[\w-]*/g;

/**
 * Removes a secret from provider text: the whole key, any run of 8 or more of
 * its characters, and any masked key quotation (whose visible ends are key
 * fragments too short to match but still not ours to echo).
 */
export function redact(text: string, secret: string | null): string {
  let out = text;
  if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  if (secret && secret.length >= FRAGMENT) {
    const grams = new Set<string>();
    for (let i = 0; i + FRAGMENT <= secret.length; i++) grams.add(secret.slice(i, i + FRAGMENT));
    const hidden = new Uint8Array(out.length);
    for (let i = 0; i + FRAGMENT <= out.length; i++) {
      if (grams.has(out.slice(i, i + FRAGMENT))) hidden.fill(1, i, i + FRAGMENT);
    }
    let scrubbed = '';
    for (let i = 0; i < out.length; i++) {
      if (hidden[i] === 0) scrubbed += out[i];
      else if (i === 0 || hidden[i - 1] === 0) scrubbed += '[redacted]';
    }
    out = scrubbed;
  }
  return out.replace(MASKED_KEY, '[redacted]');
}

/** `retry-after-ms` as whole seconds, rounded up; null when absent or not a number. */
function retryAfterMilliseconds(header: string | null): number | null {
  if (header === null || header.trim() === '') return null;
  const milliseconds = Number(header);
  return Number.isFinite(milliseconds) ? Math.max(0, Math.ceil(milliseconds / 1000)) : null;
}

function retryAfterSeconds(header: string | null | undefined): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}
