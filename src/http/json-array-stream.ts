import { EventSourceParserStream } from 'eventsource-parser/stream';

/**
 * Gemini's streamGenerateContent without `?alt=sse` answers
 * `application/json`: one JSON array whose elements (the same
 * GenerateContentResponse chunks the SSE events carry) arrive as the model
 * writes them, `[{…},\r\n{…}]`. The route always asks Google for SSE (it reads
 * the answer to meter and store the turn) and re-frames the events it passes
 * on, each as soon as it comes: the array is streamed, never buffered. A
 * broken stream's error event becomes the array's last element, as Google
 * ends a broken array.
 */
export function sseAsJsonArray(sse: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let opened = false;
  return sse
    .pipeThrough(utf8Text())
    .pipeThrough(new EventSourceParserStream())
    .pipeThrough(
      new TransformStream<{ data: string }, Uint8Array>({
        transform(event, controller) {
          controller.enqueue(encoder.encode(`${opened ? ',\r\n' : '['}${event.data}`));
          opened = true;
        },
        flush(controller) {
          controller.enqueue(encoder.encode(opened ? ']' : '[]'));
        },
      }),
    );
}

/** Whether a streamGenerateContent call asked for SSE (`?alt=sse`) rather than Gemini's default JSON array. */
export const asksForSse = (request: Request) =>
  new URL(request.url).searchParams.get('alt') === 'sse';

/** Bytes to text, a character split across chunks kept whole. */
function utf8Text(): TransformStream<Uint8Array, string> {
  const decoder = new TextDecoder();
  return new TransformStream({
    transform: (chunk, controller) => controller.enqueue(decoder.decode(chunk, { stream: true })),
    flush: (controller) => controller.enqueue(decoder.decode()),
  });
}
