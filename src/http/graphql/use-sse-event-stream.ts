import type { ExecutionResult, GraphQLError } from 'graphql';
import { isAsyncIterable, processRegularResult, type Plugin } from 'graphql-yoga';
import { HTTP_STATUS, type ErrorCode } from '../../core/errors';
import { takeResultEventId } from '../../resolvers/live-event-ids';

/**
 * Characters of SSE frames made and not yet taken by the response: a
 * subscriber that reads gets them in one write at its next read; one that
 * does not read stops being served here, so its backlog then builds in the
 * vault's subscriber queue, which gives way to RESYNC
 * (src/resolvers/subscriber-queue.ts). The same bound as that queue's.
 */
export const MAX_PENDING_FRAME_CHARACTERS = 1024 * 1024;

/** Yoga's keep-alive comment interval for SSE, kept. */
const PING_MS = 12_000;

/**
 * A subscription's answer over SSE, in place of Yoga's own writer. Yoga's
 * pulls one result at a time and writes it as its own chunk, so the next
 * result is taken only once the runtime has written the last one out: one
 * event per write to the socket. Under a burst (an import, parallel stores:
 * over a thousand events at once) the vault's socket delivered events
 * faster than that, the subscriber queue filled while the client read all
 * it was sent, and it got RESYNC (review226 F2). graphql-ws never waited:
 * its loop takes each result as it comes and hands it to the socket.
 *
 * Here results are taken as they come, the same way, and framed into a
 * pending buffer; each read of the response takes everything pending as
 * one chunk. Only pending frames beyond MAX_PENDING_FRAME_CHARACTERS (a
 * client that does not read) stop the taking. Each frame made from a vault
 * event carries its id as `id:` (live-event-ids.ts), for EventSource.
 */
export function useSseEventStream(): Plugin {
  return {
    onResultProcess({ request, result, resultProcessor, setResultProcessor }) {
      if (resultProcessor === undefined) return;
      if (!isAsyncIterable(result)) {
        const status = refusedForGood(request, result as ExecutionResult);
        if (status !== null)
          setResultProcessor(async (refusal, fetchAPI, accepted) => {
            const answered = await processRegularResult(refusal, fetchAPI, accepted);
            return new Response(answered.body, { status, headers: answered.headers });
          }, 'application/graphql-response+json');
        return;
      }
      // Yoga has chosen its SSE writer: the only one it has for a stream of
      // results (multipart is for @defer/@stream, which the schema has not).
      setResultProcessor(
        (results) =>
          new Response(sseStream(results as AsyncIterable<ExecutionResult>, request), {
            headers: {
              'Content-Type': 'text/event-stream',
              Connection: 'keep-alive',
              'Cache-Control': 'no-cache',
              'Content-Encoding': 'none',
            },
          }),
        'text/event-stream',
      );
    },
  };
}

/**
 * A subscription a browser's EventSource opened (GET, text/event-stream) and
 * that is refused for a reason retrying will not fix — a revoked or unknown
 * key, a suspended account, bad input — is answered with that refusal's HTTP
 * status and the GraphQL JSON body instead of a 200 stream holding the
 * errors: an EventSource treats a stream that ends as a drop and reconnects
 * every few seconds for ever (review269 F6), while a non-200 answer stops it
 * for good (its `error` event, readyState CLOSED). A subscription the server
 * ends later (a revocation under way) closes its stream; the EventSource's
 * reconnect then meets this refusal. RATE_LIMITED (a busy vault) and server
 * failures stay streamed, so the EventSource tries again. POST clients
 * (graphql-sse, the typed client) read the errors in the stream as before.
 */
function refusedForGood(request: Request, result: ExecutionResult): number | null {
  if (request.method !== 'GET') return null;
  if (!request.headers.get('accept')?.includes('text/event-stream')) return null;
  // The status the error names itself (a 405 for a GET with effects), else its code's.
  const statuses = (result.errors ?? []).map((error) => {
    const named = (error.extensions?.http as { status?: unknown } | undefined)?.status;
    if (typeof named === 'number') return named;
    const code = error.extensions?.code;
    return typeof code === 'string' && code in HTTP_STATUS ? HTTP_STATUS[code as ErrorCode] : null;
  });
  if (statuses.length === 0) return null;
  if (statuses.some((status) => status === null || status >= 500 || status === 429)) return null;
  return Math.max(...(statuses as number[]));
}

export function sseStream(
  results: AsyncIterable<ExecutionResult>,
  request: Request,
): ReadableStream<Uint8Array> {
  const iterator = results[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  let pending: string[] = [];
  let pendingCharacters = 0;
  let ended = false;
  let failure: { error: unknown } | null = null;
  let stopped = false;
  let wakeReader: (() => void) | null = null;
  let wakeTaker: (() => void) | null = null;
  const wake = (which: 'reader' | 'taker') => {
    const resolve = which === 'reader' ? wakeReader : wakeTaker;
    if (which === 'reader') wakeReader = null;
    else wakeTaker = null;
    resolve?.();
  };
  let ping: ReturnType<typeof setInterval> | undefined;

  const take = async () => {
    try {
      while (!stopped) {
        while (pendingCharacters >= MAX_PENDING_FRAME_CHARACTERS && !stopped) {
          await new Promise<void>((resolve) => (wakeTaker = resolve));
        }
        if (stopped) return;
        const next = await iterator.next();
        if (next.value != null) {
          const id = takeResultEventId(request);
          const frame = `event: next\n${id === null ? '' : `id: ${id}\n`}data: ${stringify(next.value)}\n\n`;
          pending.push(frame);
          pendingCharacters += frame.length;
        }
        if (next.done) {
          pending.push('event: complete\ndata:\n\n');
          ended = true;
        }
        wake('reader');
        if (ended) return;
      }
    } catch (error) {
      failure = { error };
      wake('reader');
    }
  };

  return new ReadableStream<Uint8Array>({
    start(controller) {
      // Yoga's opening comment: some browsers show nothing until a first byte.
      controller.enqueue(encoder.encode(':\n\n'));
      ping = setInterval(() => {
        if (controller.desiredSize === null) clearInterval(ping);
        else if (controller.desiredSize > 0) controller.enqueue(encoder.encode(':\n\n'));
      }, PING_MS);
      void take();
    },
    async pull(controller) {
      while (pending.length === 0 && !ended && failure === null) {
        await new Promise<void>((resolve) => (wakeReader = resolve));
      }
      if (stopped) return;
      if (pending.length > 0) {
        controller.enqueue(encoder.encode(pending.join('')));
        pending = [];
        pendingCharacters = 0;
        wake('taker');
      }
      if (failure !== null) {
        clearInterval(ping);
        controller.error(failure.error);
      } else if (ended) {
        clearInterval(ping);
        controller.close();
      }
    },
    async cancel(reason) {
      clearInterval(ping);
      stopped = true;
      wake('taker');
      await iterator.return?.(reason);
    },
  });
}

/** Yoga's serialisation of a result: the HTTP-only parts of extensions left out. */
function stringify(result: ExecutionResult): string {
  return JSON.stringify({
    ...result,
    ...(result.errors ? { errors: result.errors.map(withoutInternals) } : {}),
    ...(result.extensions ? { extensions: omitted(result.extensions, ['http']) } : {}),
  });
}

function withoutInternals(error: GraphQLError): unknown {
  const json = error.toJSON();
  return { ...json, extensions: omitted(json.extensions ?? {}, ['http', 'unexpected']) };
}

/** `object` without `names`; undefined when nothing is left (so JSON leaves it out). */
function omitted(object: object, names: string[]): Record<string, unknown> | undefined {
  const kept = Object.entries(object).filter(([name]) => !names.includes(name));
  return kept.length > 0 ? Object.fromEntries(kept) : undefined;
}
