import type { ChatOutcome, OpenChat } from '../resolvers/chat/pipeline';
import type { StandingWatch } from '../resolvers/standing-watch';
import { CodedError } from '../core/errors';
import type { AnswerEvent } from '../providers/types';

/** How one wire format frames a streamed answer, as SSE text. */
export interface StreamFraming {
  /** Frames sent before anything of the answer. */
  opening: string[];
  /** Frames for one piece of the answer (text or a tool call). */
  event(event: AnswerEvent): string[];
  /** Frames that end a complete answer. */
  closing(outcome: ChatOutcome): string[];
  /** The frame that reports a failure inside the stream. */
  failure(error: CodedError): string;
}

/**
 * Streams an opened chat as Server-Sent Events in a provider's format, pulling
 * from the provider only as fast as the client reads. A failure ends the
 * stream with one error frame; a client that goes away cancels the stream,
 * which aborts the upstream call, as a key that loses its standing does.
 */
export function streamChat(
  chat: OpenChat,
  abort: AbortController,
  framing: StreamFraming,
  headers: Record<string, string>,
  /**
   * The key's standing (resolvers/standing-watch.ts), whose loss aborts
   * `abort`: the stream then ends with its error, not as a broken stream.
   */
  standing?: StandingWatch,
): Response {
  const encoder = new TextEncoder();
  const send = (controller: ReadableStreamDefaultController<Uint8Array>, frames: string[]) => {
    for (const frame of frames) controller.enqueue(encoder.encode(frame));
  };
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      send(controller, framing.opening);
    },
    async pull(controller) {
      try {
        const next = await chat.events.next();
        if (!next.done) {
          send(controller, framing.event(next.value));
          return;
        }
        send(controller, framing.closing(next.value));
      } catch (error) {
        const coded =
          standing?.error() ??
          (error instanceof CodedError
            ? error
            : new CodedError('UPSTREAM_ERROR', 'the stream failed', 'STREAM_BROKEN'));
        send(controller, [framing.failure(coded)]);
      }
      standing?.stop();
      controller.close();
    },
    cancel() {
      standing?.stop();
      abort.abort();
    },
  });
  return new Response(stream, {
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...headers },
  });
}

/** One SSE frame; `event` is omitted for data-only formats (OpenAI). */
export function sseFrame(data: unknown, event?: string): string {
  return `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}
