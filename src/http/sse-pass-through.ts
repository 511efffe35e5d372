import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { CodedError } from '../core/errors';
import { collect, type StreamDecoder } from '../providers/decoder';
import type { OpenedUpstream } from '../providers/http';
import type { AnswerEvent, CollectedAnswer, ProviderId } from '../providers/types';
import { streamBroken, timedOut } from '../providers/upstream-error';
import { StreamDeadlines } from '../providers/stream-deadlines';

const LF = 10;
const CR = 13;

/**
 * Where the first complete event of `bytes` ends (after the blank line that
 * closes it), or -1. Line ends may be CRLF, LF or CR, as SSE allows; a CR at
 * the very end waits for the next chunk, which may bring its LF.
 */
export function eventEnd(bytes: Uint8Array, from = 0): number {
  for (let i = from; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte !== LF && byte !== CR) continue;
    if (byte === CR && i + 1 >= bytes.length) return -1;
    const first = byte === CR && bytes[i + 1] === LF ? 2 : 1;
    const j = i + first;
    if (j >= bytes.length) return -1;
    if (bytes[j] === LF) return j + 1;
    if (bytes[j] === CR) {
      if (j + 1 >= bytes.length) return -1;
      return bytes[j + 1] === LF ? j + 2 : j + 1;
    }
    i = j - 1;
  }
  return -1;
}

/** The blank line that ends a server-sent event. */
const EVENT_END = new TextEncoder().encode('\n\n');

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export interface PassThroughOptions {
  provider: ProviderId;
  apiKey: string | null;
  decoder: StreamDecoder;
  idleMs: number;
  /** The frame that ends a broken stream, in the client's format. */
  errorFrame(error: CodedError): string;
  /** Called once with the whole answer when the provider finished it. */
  onComplete(answer: CollectedAnswer): void;
  /** Called once when the first event (or the frame that ends the stream) is ready for the client. */
  onFirstEvent?(): void;
  /**
   * Called once when the response's headers should go: with the first event
   * (or the end), or `headersDueMs` after the start if that comes first.
   */
  onHeadersDue?(): void;
  headersDueMs?: number;
  /**
   * Called once when the client has taken the first event, or when the stream
   * ended or was cancelled before it did (or, if the client never reads on,
   * at `headersDueMs`). The drop-in routes arm their metering's fallback
   * timer here and start it at `onEnd`.
   */
  onFirstTaken?(): void;
  /**
   * Called once when the stream ends: the answer complete (before
   * `beforeClose`), broken, or cancelled by the client.
   */
  onEnd?(): void;
  /**
   * Called with each event checked, before it is passed on: a promise it
   * returns is awaited first (what must be durable before the client sees
   * something the event carries), and a failure ends the stream with the
   * error frame instead of the event.
   */
  beforeForward?(): Promise<void> | null;
  /** Awaited before a complete answer's stream closes; a failure errors the stream. */
  beforeClose?(): Promise<void>;
  /**
   * Why the key may no longer stream (revoked, its account suspended;
   * resolvers/standing-watch.ts), null while it may. Whoever finds it out
   * aborts the provider call; the stream then ends with this error in the
   * client's format rather than as a broken stream.
   */
  lostStanding?(): CodedError | null;
}

/**
 * The provider's stream, passed to the client byte for byte, one whole event
 * at a time, while the decoder reads the answer out of it. Each event is
 * checked before it is passed on, so a client never gets half an event or
 * malformed data; a provider's in-stream error, a reset, malformed data, an
 * end before the answer finished, or silence longer than `idleMs` end the
 * stream with one error event in the client's format (never a hang). A client
 * that goes away aborts the provider call.
 */
export function passThroughSse(
  opened: OpenedUpstream,
  options: PassThroughOptions,
): ReadableStream<Uint8Array> {
  const reader = opened.response.body!.getReader();
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const parsed: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => parsed.push(event) });
  const events: AnswerEvent[] = [];
  let pending: Uint8Array = new Uint8Array(0);
  let finished = false;
  let firstEventSeen = false;
  let firstTaken = false;
  let headersSent = false;
  const headersDue = () => {
    if (headersSent) return;
    headersSent = true;
    options.onHeadersDue?.();
  };
  const taken = () => {
    if (firstTaken) return;
    firstTaken = true;
    options.onFirstTaken?.();
  };
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    options.onEnd?.();
  };
  const deadlines = new StreamDeadlines(
    options.idleMs,
    () => {
      opened.abort.abort(new Error('timeout'));
      return timedOut(options.provider, options.idleMs);
    },
    options.headersDueMs ?? null,
    () => {
      headersDue();
      // A first event nobody came back for: start what waited on it anyway.
      if (firstEventSeen) taken();
    },
  );
  const firstEvent = () => {
    if (firstEventSeen) return;
    firstEventSeen = true;
    options.onFirstEvent?.();
    headersDue();
    // Late (the headers went without it): nothing left to keep off its path.
    if (deadlines.overdue) taken();
  };

  /**
   * Decodes one raw event; throws a coded error when it is not acceptable.
   * Returns how many server-sent events it held (comments hold none).
   */
  const check = (raw: Uint8Array): number => {
    parser.feed(decoder.decode(raw));
    const found = parsed.splice(0);
    for (const event of found) events.push(...options.decoder.push(event));
    return found.length;
  };
  /**
   * The bytes after the provider's last blank line, when its stream ended:
   * an event that lacks only its blank line goes on with one (the client
   * reads what the answer was counted from), anything else (half an event,
   * a JSON body where events were due) is dropped, as an SSE client would
   * drop it, so that an error event after it stands on its own line.
   */
  const lastBytes = (tail: Uint8Array): Uint8Array | null => {
    const ended = concat(tail, EVENT_END);
    try {
      return check(ended) > 0 ? ended : null;
    } catch {
      return null;
    }
  };

  const fail = (controller: ReadableStreamDefaultController<Uint8Array>, error: unknown) => {
    // The client went away meanwhile: there is no one to tell.
    if (finished) return;
    const coded =
      error instanceof CodedError
        ? error
        : streamBroken(
            options.provider,
            error instanceof Error ? error.message : 'failed',
            options.apiKey,
          );
    controller.enqueue(encoder.encode(options.errorFrame(coded)));
    controller.close();
    finished = true;
    deadlines.stop();
    opened.abort.abort();
    firstEvent();
    taken();
    end();
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (finished) return;
      // A pull after the first event means the client took it (the queue holds one).
      if (firstEventSeen) taken();
      try {
        for (;;) {
          // Whole events already received go first, each checked before it
          // is passed on. The very first goes out alone, at once: the
          // response's headers and the client's first token wait on it, not
          // on the rest of its chunk.
          let sent = false;
          // Nothing more goes out once the key has lost its standing.
          const lost = options.lostStanding?.() ?? null;
          if (lost !== null) throw lost;
          for (let end = eventEnd(pending); end !== -1; end = eventEnd(pending)) {
            const raw = pending.slice(0, end);
            pending = pending.slice(end);
            check(raw);
            const held = options.beforeForward?.();
            if (held) await held;
            controller.enqueue(raw);
            sent = true;
            if (!firstEventSeen) break;
          }
          if (sent) {
            firstEvent();
            return;
          }
          const { done, value } = await deadlines.read(
            reader.read().catch((error: unknown) => {
              throw (
                options.lostStanding?.() ??
                streamBroken(
                  options.provider,
                  error instanceof Error ? error.message : 'connection lost',
                  options.apiKey,
                )
              );
            }),
          );
          if (done) {
            if (pending.length > 0) {
              const last = lastBytes(pending);
              pending = new Uint8Array(0);
              if (last !== null) controller.enqueue(last);
            }
            if (!options.decoder.complete) {
              throw streamBroken(
                options.provider,
                'the stream ended before the answer was complete',
                options.apiKey,
              );
            }
            if (finished) return;
            const answer = collect(events, options.decoder.end());
            finished = true;
            deadlines.stop();
            firstEvent();
            taken();
            options.onComplete(answer);
            end();
            await options.beforeClose?.();
            controller.close();
            return;
          }
          if (finished) return;
          pending = concat(pending, value);
        }
      } catch (error) {
        if (finished) {
          // The answer is whole, but what had to happen before its end
          // (beforeClose) failed, or the client left meanwhile.
          controller.error(error);
          return;
        }
        fail(controller, error);
      }
    },
    cancel() {
      taken();
      end();
      finished = true;
      deadlines.stop();
      opened.abort.abort();
      void reader.cancel().catch(() => undefined);
    },
  });
}
