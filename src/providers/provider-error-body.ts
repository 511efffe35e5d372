import { isRecord } from './native';
import type { WireFormat } from './types';

/*
 * Reading a provider's own error: the body of a refusal (a 4xx or 5xx) or an
 * error event inside a stream, in each wire format:
 *   openai     {"error": {"message", "type", "param", "code"}} (OpenRouter: a numeric code)
 *              and the Responses API's stream event {"type": "error", "code", "message", "param"}
 *   anthropic  {"type": "error", "error": {"type", "message"}, "request_id"}
 *   google     {"error": {"code", "message", "status", "details": [...]}}
 * The SDKs branch on these fields, so the drop-in routes answer with them
 * (src/http/provider-errors.ts); GraphQL reports the code they carry.
 */

/** Most bytes of an error body read as the provider's error; a longer one is not kept whole. */
export const MAX_ERROR_BODY_CHARS = 64 * 1024;

/**
 * A provider's error body as a JSON object, or null when it is not one (an
 * HTML page from a proxy, an empty body). Gemini's streaming method may wrap
 * it in a one-element list, which is unwrapped.
 */
export function errorBodyJson(text: string): Record<string, unknown> | null {
  if (text.length > MAX_ERROR_BODY_CHARS) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (Array.isArray(value) && value.length === 1) value = value[0];
  return isRecord(value) ? value : null;
}

/**
 * The error object inside a body or stream event in the format's shape: the
 * one whose fields the SDKs read. null when the body is not in that shape.
 */
export function errorObject(
  format: WireFormat,
  body: Record<string, unknown>,
): Record<string, unknown> | null {
  if (format === 'anthropic')
    return body.type === 'error' && isRecord(body.error) ? body.error : null;
  if (isRecord(body.error)) return body.error;
  // The Responses API's stream error event holds its fields at the top.
  if (format === 'openai' && body.type === 'error' && typeof body.message === 'string') return body;
  return null;
}

/** The provider's message, or null. */
export function errorMessageOf(body: Record<string, unknown>): string | null {
  const error = body.error;
  if (typeof error === 'string') return error;
  if (isRecord(error) && typeof error.message === 'string') return error.message;
  return typeof body.message === 'string' ? body.message : null;
}

const GOOGLE_ERROR_INFO = 'type.googleapis.com/google.rpc.ErrorInfo';
const GOOGLE_RETRY_INFO = 'type.googleapis.com/google.rpc.RetryInfo';

/**
 * The provider's own code for an error, the one its SDK would branch on:
 * OpenAI's `code` (its `type` when the code is null), Anthropic's `type`,
 * Google's ErrorInfo `reason` when it gives one (API_KEY_INVALID), else its
 * `status` (INVALID_ARGUMENT). null when it gave none.
 */
export function providerCodeOf(format: WireFormat, error: Record<string, unknown>): string | null {
  const text = (value: unknown) =>
    typeof value === 'string' && value !== ''
      ? value
      : typeof value === 'number'
        ? String(value)
        : null;
  if (format === 'anthropic') return text(error.type);
  if (format === 'google')
    return text(googleDetail(error, GOOGLE_ERROR_INFO)?.reason) ?? text(error.status);
  return text(error.code) ?? text(error.type);
}

/** A Google error's `details` entry of one `@type` (ErrorInfo, RetryInfo, …), or null. */
function googleDetail(
  error: Record<string, unknown>,
  type: string,
): Record<string, unknown> | null {
  const details = Array.isArray(error.details) ? error.details : [];
  return (
    details.find(
      (detail): detail is Record<string, unknown> => isRecord(detail) && detail['@type'] === type,
    ) ?? null
  );
}

/**
 * Gemini's wait before a retry, in whole seconds, which it sends in its
 * error's RetryInfo (`"retryDelay": "37.5s"`, a protobuf Duration) and not
 * as Retry-After; null when it gives none.
 */
export function googleRetryDelay(error: Record<string, unknown>): number | null {
  const { retryDelay } = googleDetail(error, GOOGLE_RETRY_INFO) ?? {};
  const seconds = typeof retryDelay === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(retryDelay) : null;
  return seconds === null ? null : Math.ceil(Number(seconds[1]));
}

/** Every string of a JSON value passed through `scrub` (a provider may quote the caller's key anywhere). */
export function mapStrings(value: unknown, scrub: (text: string) => string): unknown {
  if (typeof value === 'string') return scrub(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, scrub));
  if (isRecord(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([name, item]) => [name, mapStrings(item, scrub)]),
    );
  }
  return value;
}
