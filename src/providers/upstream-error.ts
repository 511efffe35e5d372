import { CodedError } from '../errors';
import type { ProviderId } from './types';

/**
 * Maps a provider's refusal to a coded error that keeps its status and message.
 * The caller's provider key is scrubbed from anything the provider said.
 */
export function upstreamError(
  provider: ProviderId,
  status: number,
  providerMessage: string,
  apiKey: string | null,
  retryAfter?: string | null,
): CodedError {
  const message = redact(providerMessage, apiKey).slice(0, 500) || `HTTP ${status}`;
  const details: Record<string, string | number> = { provider, status };
  if (status === 429) {
    const seconds = retryAfterSeconds(retryAfter);
    if (seconds !== null) details.retryAfter = seconds;
    return new CodedError(
      'RATE_LIMITED',
      `${provider} rate limit: ${message}`,
      'PROVIDER_RATE_LIMITED',
      details,
    );
  }
  const reason = status === 401 || status === 403 ? 'PROVIDER_UNAUTHORIZED' : 'PROVIDER_ERROR';
  return new CodedError(
    'UPSTREAM_ERROR',
    `${provider} answered ${status}: ${message}`,
    reason,
    details,
  );
}

export function upstreamTimeout(provider: ProviderId, timeoutMs: number): CodedError {
  return new CodedError(
    'UPSTREAM_ERROR',
    `${provider} did not answer within ${timeoutMs} ms`,
    'PROVIDER_TIMEOUT',
    {
      provider,
      status: 504,
    },
  );
}

export function streamInterrupted(
  provider: ProviderId,
  why: string,
  apiKey: string | null,
): CodedError {
  return new CodedError(
    'UPSTREAM_ERROR',
    `${provider} stream ended early: ${redact(why, apiKey)}`,
    'STREAM_INTERRUPTED',
    { provider, status: 502 },
  );
}

export function redact(text: string, secret: string | null): string {
  return secret && secret.length >= 4 ? text.split(secret).join('[redacted]') : text;
}

function retryAfterSeconds(header: string | null | undefined): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}
