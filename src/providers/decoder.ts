import type { AnswerEnd, AnswerEvent, CollectedAnswer, ProviderId } from './types';
import { answerBroken, errorInAnswer, streamBroken } from './upstream-error';

/** One server-sent event, as eventsource-parser gives it. */
export interface SseEvent {
  event?: string | undefined;
  data: string;
}

/**
 * Reads one provider's stream, event by event, into answer events. It throws
 * a STREAM_BROKEN error for an error event sent after the 200 and for data
 * that is not what the format promises; `complete` turns true once the
 * provider has said the answer is finished.
 */
export interface StreamDecoder {
  push(event: SseEvent): AnswerEvent[];
  readonly complete: boolean;
  end(): AnswerEnd;
  /** The Responses API numbers its events: the number the next one would carry. */
  readonly nextSequence?: number;
  /** The Responses API's response id, once an event has carried it (null before). */
  readonly responseId?: string | null;
}

/** What the chat code needs of a wire format besides building requests. */
export interface WireDecoding {
  streamDecoder(provider: ProviderId, apiKey: string | null): StreamDecoder;
  /** A whole (non-streamed) response body; throws STREAM_BROKEN when it is not an answer. */
  decodeBody(provider: ProviderId, text: string, apiKey: string | null): CollectedAnswer;
}

/**
 * JSON of a stream event or, `whole`, of an answer that was not streamed;
 * else STREAM_BROKEN naming what was malformed.
 */
export function parseJson(
  provider: ProviderId,
  text: string,
  apiKey: string | null,
  whole = false,
): Record<string, unknown> {
  const broken = whole ? answerBroken : streamBroken;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw broken(provider, `malformed data: ${text.slice(0, 80)}`, apiKey);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw broken(provider, `unexpected data: ${text.slice(0, 80)}`, apiKey);
  }
  return value as Record<string, unknown>;
}

/**
 * A whole answer's JSON; STREAM_BROKEN when malformed; the provider's own
 * error (errorInAnswer) when it is an error object sent with a 200.
 */
export function answerBody(
  provider: ProviderId,
  text: string,
  apiKey: string | null,
): Record<string, unknown> {
  const body = parseJson(provider, text, apiKey, true);
  const error = embeddedError(body);
  if (error !== null) throw errorInAnswer(provider, error, apiKey, body);
  return body;
}

/**
 * The message of an error object a provider put inside a 200 answer or a
 * stream: `{"error": …}` (OpenAI, OpenRouter, newer vLLM, Google), or
 * `{"object": "error", "message": …}` (OpenAI-compatible servers such as
 * older vLLM releases, the error's fields at the top).
 */
export function embeddedError(body: Record<string, unknown>): string | null {
  if (body.object === 'error') {
    const message = typeof body.message === 'string' ? body.message : 'error event';
    return typeof body.type === 'string' ? `${body.type}: ${message}` : message;
  }
  const error = body.error;
  if (error === undefined || error === null) return null;
  if (typeof error === 'string') return error;
  const { message, type, status } = error as {
    message?: unknown;
    type?: unknown;
    status?: unknown;
  };
  const kind = typeof type === 'string' ? type : typeof status === 'string' ? status : null;
  const text = typeof message === 'string' ? message : 'error event';
  return kind ? `${kind}: ${text}` : text;
}

/** Collects a decoder's events into a whole answer. */
export function collect(events: AnswerEvent[], end: AnswerEnd): CollectedAnswer {
  let text = '';
  const toolCalls = [];
  for (const event of events) {
    if (event.type === 'text') text += event.text;
    else toolCalls.push(event.call);
  }
  return { text, toolCalls, ...end };
}

export const asNumber = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;
