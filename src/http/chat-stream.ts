import type { OpenChat } from '../chat/pipeline';
import { CodedError } from '../errors';
import { receiptHeaders } from './chat-route';

/** How one wire format frames a streamed answer, as SSE text. */
export interface StreamFraming {
  /** Frames sent before the first piece of text. */
  opening: string[];
  delta(text: string): string;
  /** Frames that end a complete answer. */
  closing: string[];
  /** The frame that reports a failure inside the stream. */
  failure(error: CodedError): string;
}

/**
 * Streams an opened chat as Server-Sent Events in a provider's format, pulling
 * from the provider only as fast as the client reads. A client that goes away
 * cancels the stream, which aborts the upstream call.
 */
export function streamChat(
  chat: OpenChat,
  abort: AbortController,
  framing: StreamFraming,
): Response {
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const frame of framing.opening) controller.enqueue(encoder.encode(frame));
    },
    async pull(controller) {
      try {
        const next = await chat.deltas.next();
        if (!next.done) {
          controller.enqueue(encoder.encode(framing.delta(next.value)));
          return;
        }
        for (const frame of framing.closing) controller.enqueue(encoder.encode(frame));
      } catch (error) {
        const coded =
          error instanceof CodedError
            ? error
            : new CodedError('UPSTREAM_ERROR', 'the stream failed');
        controller.enqueue(encoder.encode(framing.failure(coded)));
      }
      controller.close();
    },
    cancel() {
      abort.abort();
    },
  });
  return new Response(stream, {
    headers: {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      ...receiptHeaders(chat.memory),
    },
  });
}

/** One SSE frame; `event` is omitted for data-only formats (OpenAI). */
export function sseFrame(data: unknown, event?: string): string {
  return `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}
