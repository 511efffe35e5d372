import { EventSourceParserStream } from 'eventsource-parser/stream';
import type { EventSourceMessage } from 'eventsource-parser';
import type { ProviderId } from './types';
import { streamInterrupted, upstreamError, upstreamTimeout } from './upstream-error';

/** The error message inside a provider's error body (all four use `error.message`). */
async function errorMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as unknown;
    const first = Array.isArray(body) ? body[0] : body;
    const error = (first as { error?: { message?: unknown } | string })?.error;
    if (typeof error === 'string') return error;
    if (typeof error?.message === 'string') return error.message;
    const message = (first as { message?: unknown })?.message;
    if (typeof message === 'string') return message;
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.slice(0, 500);
}

/**
 * POSTs a streaming request to a provider. Resolves once the provider has
 * accepted it (2xx), throws a coded upstream error otherwise. The returned
 * controller aborts the call; the caller's signal aborts it too.
 */
export async function openUpstream(
  provider: ProviderId,
  url: string,
  init: { headers: Record<string, string>; body: unknown },
  apiKey: string | null,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<{ response: Response; abort: AbortController }> {
  const abort = new AbortController();
  const onAbort = () => abort.abort(signal.reason);
  if (signal.aborted) onAbort();
  signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => abort.abort(new Error('timeout')), timeoutMs);
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...init.headers },
      body: JSON.stringify(init.body),
      signal: abort.signal,
    });
    if (!response.ok) {
      throw upstreamError(
        provider,
        response.status,
        await errorMessage(response),
        apiKey,
        response.headers.get('retry-after'),
      );
    }
    if (response.body === null) throw upstreamError(provider, 502, 'empty response body', apiKey);
    return { response, abort };
  } catch (error) {
    if (abort.signal.aborted && !signal.aborted) throw upstreamTimeout(provider, timeoutMs);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The server-sent events of a response, parsed with eventsource-parser. Waits
 * at most `idleMs` for each chunk; aborting the controller ends the stream.
 */
export async function* serverSentEvents(
  provider: ProviderId,
  response: Response,
  abort: AbortController,
  idleMs: number,
): AsyncGenerator<EventSourceMessage, void, undefined> {
  const reader = response
    .body!.pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream())
    .getReader();
  try {
    for (;;) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const idle = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(upstreamTimeout(provider, idleMs)), idleMs);
      });
      try {
        const { done, value } = await Promise.race([
          reader.read().catch((error: unknown) => {
            throw streamInterrupted(
              provider,
              error instanceof Error ? error.message : 'connection lost',
              null,
            );
          }),
          idle,
        ]);
        if (done) return;
        yield value;
      } finally {
        clearTimeout(timer);
      }
    }
  } finally {
    abort.abort();
    reader.releaseLock();
  }
}
