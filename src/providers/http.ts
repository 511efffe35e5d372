import { EventSourceParserStream } from 'eventsource-parser/stream';
import type { EventSourceMessage } from 'eventsource-parser';
import type { ProviderId } from './types';
import { StreamDeadlines } from './stream-deadlines';
import { embeddedError } from './decoder';
import { errorBodyJson } from './provider-error-body';
import {
  answeredWithoutStreaming,
  errorInAnswer,
  providerRefused,
  redirected,
  streamBroken,
  timedOut,
  unreachable,
  withAnswerHeaders,
} from './upstream-error';

export interface UpstreamRequest {
  url: string;
  headers: Record<string, string>;
  /** The JSON body, as text (forwarded bodies are serialised once, by the caller); none for GET. */
  body: string | undefined;
  /** POST unless said (the Responses API's stored responses are read and deleted too). */
  method?: 'GET' | 'POST' | 'DELETE';
}

export interface OpenedUpstream {
  response: Response;
  /** Aborts the call; the caller's signal aborts it too. */
  abort: AbortController;
  /** When the request was sent (Date.now()): a non-streamed answer's deadline counts from it. */
  sentAt?: number;
}

/**
 * Sends a request to a provider (a POST unless it says). Resolves once the
 * provider has accepted it (2xx with a body); otherwise throws a coded
 * upstream error: the provider's refusal (PROVIDER_4XX / 5XX), TIMEOUT when
 * no response came within `timeoutMs`, UNREACHABLE when the connection
 * failed, REDIRECTED when it answered a redirect (never followed). When the caller's signal aborts (the client went away) the abort
 * reason is rethrown as is.
 */
export async function openUpstream(
  provider: ProviderId,
  request: UpstreamRequest,
  apiKey: string | null,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<OpenedUpstream> {
  const abort = new AbortController();
  const onAbort = () => abort.abort(signal.reason);
  if (signal.aborted) onAbort();
  signal.addEventListener('abort', onAbort, { once: true });
  let timedOutNow = false;
  const sentAt = Date.now();
  const timer = setTimeout(() => {
    timedOutNow = true;
    abort.abort(new Error('timeout'));
  }, timeoutMs);
  try {
    let response: Response;
    try {
      response = await fetch(request.url, {
        method: request.method ?? 'POST',
        headers:
          request.body === undefined
            ? request.headers
            : { 'content-type': 'application/json', ...request.headers },
        body: request.body ?? null,
        signal: abort.signal,
        // Never follow: a redirect would resend the provider key (Anthropic's
        // and Google's key headers survive a cross-origin hop) to a host the
        // caller did not name. It is answered as REDIRECTED instead.
        redirect: 'manual',
      });
    } catch (error) {
      if (signal.aborted) throw error;
      if (timedOutNow) throw timedOut(provider, timeoutMs);
      throw unreachable(
        provider,
        error instanceof Error ? error.message : 'connection failed',
        apiKey,
      );
    }
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => undefined);
      throw redirected(provider, response.status, response.headers.get('location'));
    }
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      if (timedOutNow) throw timedOut(provider, timeoutMs);
      throw providerRefused(provider, response.status, text, apiKey, response.headers);
    }
    if (response.body === null) throw streamBroken(provider, 'the response had no body', apiKey);
    return { response, abort, sentAt };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Checks that a streamed call's answer is an event stream. Decided by the
 * declared type: an answer of any other type than JSON (a server that labels
 * its events loosely) is read as events. A JSON body is read whole (within
 * the call's deadline, as a non-streamed answer is) and is one of two things:
 * the provider's own error of its format sent with HTTP 200 (OpenRouter's
 * `{"error": {"code": 429, …}}`, Google's `{"error": {"code", "status"}}`),
 * thrown as that error (errorInAnswer, with the response's headers), as the
 * unstreamed path does; or anything else (a server or proxy that ignored the
 * streaming request), thrown as answeredWithoutStreaming.
 */
export async function expectEventStream(
  provider: ProviderId,
  opened: OpenedUpstream,
  apiKey: string | null,
  timeoutMs: number,
): Promise<void> {
  const type = opened.response.headers.get('content-type') ?? '';
  if (!/^\s*application\/json\b/i.test(type)) return;
  const bytes = await readBody(provider, opened, apiKey, timeoutMs);
  opened.abort.abort();
  const json = errorBodyJson(new TextDecoder().decode(bytes));
  const error = json === null ? null : embeddedError(json);
  if (json !== null && error !== null)
    throw withAnswerHeaders(errorInAnswer(provider, error, apiKey, json), opened.response.headers);
  throw answeredWithoutStreaming(provider);
}

/**
 * Reads a whole (non-streamed) response body, so that the whole answer,
 * headers and body, takes at most `timeoutMs` from when the request was sent
 * (providers send a non-streamed answer's headers once it is written, or at
 * once and the body later); a connection lost meanwhile is STREAM_BROKEN.
 */
export async function readBody(
  provider: ProviderId,
  opened: OpenedUpstream,
  apiKey: string | null,
  timeoutMs: number,
): Promise<Uint8Array<ArrayBuffer>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    const left = opened.sentAt === undefined ? timeoutMs : opened.sentAt + timeoutMs - Date.now();
    timer = setTimeout(
      () => {
        opened.abort.abort(new Error('timeout'));
        reject(timedOut(provider, timeoutMs));
      },
      Math.max(0, left),
    );
  });
  try {
    return new Uint8Array(
      await Promise.race([
        opened.response.arrayBuffer().catch((error: unknown) => {
          throw streamBroken(
            provider,
            error instanceof Error ? error.message : 'connection lost',
            apiKey,
          );
        }),
        deadline,
      ]),
    );
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The server-sent events of a response, parsed with eventsource-parser. Waits
 * at most `idleMs` for each chunk (a chunk that fails to come is TIMEOUT, a
 * read that fails STREAM_BROKEN); aborting the controller ends the stream.
 */
export async function* serverSentEvents(
  provider: ProviderId,
  opened: OpenedUpstream,
  idleMs: number,
  apiKey: string | null,
): AsyncGenerator<EventSourceMessage, void, undefined> {
  const reader = opened.response
    .body!.pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream())
    .getReader();
  const deadlines = new StreamDeadlines(
    idleMs,
    () => {
      opened.abort.abort(new Error('timeout'));
      return timedOut(provider, idleMs);
    },
    null,
    () => undefined,
  );
  try {
    for (;;) {
      const { done, value } = await deadlines.read(
        reader.read().catch((error: unknown) => {
          throw streamBroken(
            provider,
            error instanceof Error ? error.message : 'connection lost',
            apiKey,
          );
        }),
      );
      if (done) return;
      yield value;
    }
  } finally {
    deadlines.stop();
    opened.abort.abort();
    reader.releaseLock();
  }
}
