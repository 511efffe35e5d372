import { CodedError } from '../core/errors';
import type { ProviderId } from './types';

/*
 * Every way a provider call can fail, as one code (UPSTREAM_ERROR) and a
 * stable reason:
 *   UNREACHABLE    no answer at all: DNS, connect, TLS, a reset before the response
 *   TIMEOUT        no first byte, or no next chunk, within UPSTREAM_TIMEOUT_MS
 *   STREAM_BROKEN  accepted, then the answer broke: a reset or an error event
 *                  mid-stream, malformed data, or an end before the answer finished
 *   PROVIDER_4XX   the provider refused the call (its status is kept: 401, 404, 429, …)
 *   PROVIDER_5XX   the provider failed
 * `details` carry `provider`, `status` (the HTTP status the REST routes answer
 * with), for rate limits `retryAfter` seconds, and the provider's request id
 * when it gave one (`providerRequestId`). Anything the provider said
 * is scrubbed of the caller's provider key, whole or in fragments.
 */
export function providerRefused(
  provider: ProviderId,
  status: number,
  providerMessage: string,
  apiKey: string | null,
  retryAfter?: string | null,
  requestId?: string | null,
): CodedError {
  const message = redact(providerMessage, apiKey).slice(0, 500) || `HTTP ${status}`;
  const details: Record<string, string | number> = { provider, status };
  // The provider's id of the failed request, for its support.
  if (requestId && /^[\w.:-]{1,200}$/.test(requestId)) details.providerRequestId = requestId;
  const seconds = retryAfterSeconds(retryAfter);
  if (seconds !== null) details.retryAfter = seconds;
  return new CodedError(
    'UPSTREAM_ERROR',
    `${provider} answered ${status}: ${message}`,
    status >= 500 ? 'PROVIDER_5XX' : 'PROVIDER_4XX',
    details,
  );
}

/**
 * No connection to the provider. The runtime's own words ("Network connection
 * lost.", "internal error; reference = …") help no caller: they are logged,
 * scrubbed of the key, and the caller reads what happened and what to try.
 */
export function unreachable(provider: ProviderId, why: string, apiKey: string | null): CodedError {
  console.warn(`${provider} could not be reached`, redact(why, apiKey).slice(0, 300));
  return new CodedError(
    'UPSTREAM_ERROR',
    `${provider} could not be reached (no connection was made, or it was lost before any answer); try again, and check the provider's status and base URL`,
    'UNREACHABLE',
    { provider, status: 502 },
  );
}

export function timedOut(provider: ProviderId, timeoutMs: number): CodedError {
  return new CodedError(
    'UPSTREAM_ERROR',
    `${provider} did not answer within ${timeoutMs} ms`,
    'TIMEOUT',
    { provider, status: 504 },
  );
}

export function streamBroken(provider: ProviderId, why: string, apiKey: string | null): CodedError {
  return new CodedError(
    'UPSTREAM_ERROR',
    `${provider} stream broke: ${redact(why, apiKey).slice(0, 500)}`,
    'STREAM_BROKEN',
    { provider, status: 502 },
  );
}

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

function retryAfterSeconds(header: string | null | undefined): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}
