import { isRecord } from '../providers/native';
import { wireFormatOf } from '../providers/types';
import { ProviderError } from '../providers/upstream-error';
import { providerHeaders } from './provider-headers';

/*
 * A provider's own error on a drop-in route in that provider's format: the
 * client gets what the provider answered (its status, headers and body:
 * OpenAI's type, code and param, Anthropic's type, Google's status and
 * details), the way its SDK reads it, with MemoryRouter's `reason` beside
 * those fields (in Google's `details` as one more ErrorInfo). Errors that
 * are MemoryRouter's own (a bad memory key, a timeout, an unreachable
 * provider, a body that is not the provider's error) and a provider's error
 * on a route of another format keep the coded shapes of error-shapes.ts.
 */

/** A ProviderError whose body a client of that format reads as is. */
type OwnError = ProviderError & { reply: { body: Record<string, unknown> } };

/** The provider's own error, when a client on `surface` speaks its format; null otherwise. */
export function providerOwnError(surface: string, error: unknown): OwnError | null {
  if (!(error instanceof ProviderError) || error.reply.body === null) return null;
  return wireFormatOf(error.provider) === surface ? (error as OwnError) : null;
}

/** The provider's error body (or stream event) with MemoryRouter's reason added beside its fields. */
export function withOurReason(error: OwnError): Record<string, unknown> {
  const body = error.reply.body;
  const reason = error.reason ?? 'UPSTREAM_ERROR';
  const inner = body.error;
  if (!isRecord(inner)) return { ...body, reason }; // the Responses API's error event
  if (wireFormatOf(error.provider) === 'google') {
    const details = Array.isArray(inner.details) ? inner.details : [];
    const ours = {
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason,
      domain: 'memoryrouter',
      metadata: { code: error.code },
    };
    return { ...body, error: { ...inner, details: [...details, ours] } };
  }
  return { ...body, error: { ...inner, reason } };
}

/** The provider's refusal as it answered it: status, headers (rate limits included) and body. */
export function providerErrorResponse(error: OwnError): Response {
  const headers =
    error.reply.headers === null ? new Headers() : providerHeaders(error.reply.headers);
  headers.set('content-type', 'application/json');
  const status = Number(error.details.providerStatus);
  return new Response(JSON.stringify(withOurReason(error)), {
    status: status >= 400 && status < 600 ? status : 502,
    headers,
  });
}

/** The provider's error event that broke a stream, as it sent it (Anthropic's with `event: error`). */
export function providerErrorFrame(error: OwnError): string {
  const data = JSON.stringify(withOurReason(error));
  return wireFormatOf(error.provider) === 'anthropic'
    ? `event: error\ndata: ${data}\n\n`
    : `data: ${data}\n\n`;
}

/**
 * Headers of a provider's refusal that a coded error answer passes on too
 * (rate limits, request ids): all the provider's but its content type.
 */
export function refusalHeaders(error: unknown): Headers | null {
  if (!(error instanceof ProviderError) || error.reply.headers === null) return null;
  const headers = providerHeaders(error.reply.headers);
  headers.delete('content-type');
  return headers;
}
