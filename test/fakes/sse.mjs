// Server-sent event streams as the providers send them, and the ways a
// scripted stream breaks.

import { RESET_AFTER_BODY } from './network-failure.mjs';

const encoder = new TextEncoder();

/** One event as text; `lineEnd` is "\n" (OpenAI, Anthropic) or "\r\n" (Gemini). */
export function frame([event, data], lineEnd = '\n') {
  const payload = typeof data === 'string' ? data : JSON.stringify(data);
  return `${event ? `event: ${event}${lineEnd}` : ''}data: ${payload}${lineEnd}${lineEnd}`;
}

/**
 * Streams frames. Modes (scripted per call):
 *   cut              the connection closes cleanly after the first frames (no end of answer)
 *   hang             the stream goes silent after its first piece of text
 *   reset            the connection fails after the first piece of text
 *                    (network-failure.mjs: the body ends, the client's fetch breaks it)
 *   malformed        a frame of broken JSON follows the first piece of text
 *   midstream-error  the provider's own error event follows the first piece of text
 *   cut-mid-event    the connection closes cleanly half-way through the event
 *                    after the first piece of text (no blank line after it)
 *   json-body        a whole JSON body where events were due, and the end (a
 *                    compatible server or a proxy that ignored `stream`)
 *   trickle          after the first piece of text, an event with no text every
 *                    200 ms (so no idle timeout fires) until the client cancels
 *                    the stream: only a disconnect can end this call
 * `firstText` is how many frames it takes to carry the first piece of text;
 * `errorFrame` is the provider's in-stream error event (`afterError`: frames
 * that follow it, such as a server's `[DONE]`); `idleFrame` an event
 * that carries no text (OpenAI's empty delta, Anthropic's ping); `comments`
 * are sent before anything else (OpenRouter's keep-alives).
 */
export function sseResponse({
  frames,
  mode,
  call,
  firstText,
  errorFrame,
  afterError = [],
  idleFrame,
  lineEnd = '\n',
  comments = [],
  headers = {},
}) {
  const encode = (text) => encoder.encode(text);
  const stream = new ReadableStream({
    async start(controller) {
      for (const comment of comments)
        controller.enqueue(encode(`: ${comment}${lineEnd}${lineEnd}`));
      const head = frames.slice(0, firstText).map((f) => frame(f, lineEnd));
      switch (mode) {
        case 'hang':
          for (const text of head) controller.enqueue(encode(text));
          // Silent (a pending timer keeps workerd from calling it hung); the
          // client must time out or abort, which cancels this stream.
          await new Promise((resolve) => setTimeout(resolve, 20_000));
          if (!call.cancelled) controller.close();
          return;
        case 'trickle': {
          for (const text of head) controller.enqueue(encode(text));
          // At most a minute, should nobody ever cancel it.
          for (let sent = 0; sent < 300 && !call.cancelled; sent++) {
            await new Promise((resolve) => setTimeout(resolve, 200));
            if (!call.cancelled) controller.enqueue(encode(frame(idleFrame, lineEnd)));
          }
          if (!call.cancelled) controller.close();
          return;
        }
        case 'cut':
          for (const f of frames.slice(0, 2)) controller.enqueue(encode(frame(f, lineEnd)));
          controller.close();
          return;
        case 'reset':
          for (const text of head) controller.enqueue(encode(text));
          await new Promise((resolve) => setTimeout(resolve, 5));
          controller.close();
          return;
        case 'malformed':
          for (const text of head) controller.enqueue(encode(text));
          controller.enqueue(encode(`data: {"choices": [{"delta": ${lineEnd}${lineEnd}`));
          controller.close();
          return;
        case 'cut-mid-event': {
          for (const text of head) controller.enqueue(encode(text));
          const next = encode(frame(frames[firstText] ?? idleFrame, lineEnd));
          controller.enqueue(next.slice(0, Math.floor(next.length / 2)));
          controller.close();
          return;
        }
        case 'json-body':
          // Sent as application/json (the response's type, below), as such a server labels it.
          controller.enqueue(
            encode(JSON.stringify({ id: 'chatcmpl-json', object: 'chat.completion' })),
          );
          controller.close();
          return;
        case 'midstream-error':
          for (const text of head) controller.enqueue(encode(text));
          controller.enqueue(encode(frame(errorFrame, lineEnd)));
          for (const f of afterError) controller.enqueue(encode(frame(f, lineEnd)));
          controller.close();
          return;
        default:
          // Each frame in two chunks, split mid-byte-sequence if it falls
          // there: clients must join them.
          for (const f of frames) {
            const bytes = encode(frame(f, lineEnd));
            const cut = Math.floor(bytes.length / 2);
            controller.enqueue(bytes.slice(0, cut));
            controller.enqueue(bytes.slice(cut));
          }
          controller.close();
      }
    },
    cancel() {
      call.cancelled = true;
    },
  });
  return new Response(stream, {
    headers: {
      'content-type':
        mode === 'json-body' ? 'application/json' : 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      ...(mode === 'reset' ? RESET_AFTER_BODY : {}),
      ...headers,
    },
  });
}

/** Never answers (until the client gives up). */
export async function hangingResponse(call) {
  await new Promise((resolve) => setTimeout(resolve, 20_000));
  call.cancelled = true;
  return new Response('late', { status: 504 });
}
