import { describe, expect, it } from 'vitest';
import { eventEnd, passThroughSse } from '../src/http/sse-pass-through';
import { AnthropicStreamDecoder } from '../src/providers/anthropic/decode';
import { GoogleStreamDecoder } from '../src/providers/google/decode';
import type { CollectedAnswer } from '../src/providers/types';
import { redact } from '../src/providers/upstream-error';

const bytes = (text: string) => new TextEncoder().encode(text);

/** A provider response whose body arrives in the given pieces. */
function upstream(pieces: Uint8Array[]) {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const piece of pieces) controller.enqueue(piece);
      controller.close();
    },
  });
  return { response: new Response(body), abort: new AbortController() };
}

async function run(pieces: Uint8Array[], decoder: AnthropicStreamDecoder | GoogleStreamDecoder) {
  let answer: CollectedAnswer | null = null;
  const stream = passThroughSse(upstream(pieces), {
    provider: 'anthropic',
    apiKey: null,
    decoder,
    idleMs: 1_000,
    errorFrame: (error) => `event: error\ndata: ${error.reason}\n\n`,
    onComplete: (collected) => (answer = collected),
  });
  const out = new Uint8Array(await new Response(stream).arrayBuffer());
  return { text: new TextDecoder().decode(out), out, answer: answer as CollectedAnswer | null };
}

const ANTHROPIC = [
  'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":7,"output_tokens":1}}}\n\n',
  ': a comment\n\n',
  'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n',
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Olá, "}}\n\n',
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"mundo 🌍"}}\n\n',
  'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n',
  'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":4}}\n\n',
  'event: message_stop\ndata: {"type":"message_stop"}\n\n',
].join('');

describe('SSE pass-through', () => {
  it('finds event ends with LF, CRLF and CR line breaks, waiting for a CR’s possible LF', () => {
    expect(eventEnd(bytes('data: a\n\ndata: b'))).toBe(9);
    expect(eventEnd(bytes('data: a\r\n\r\ndata: b'))).toBe(11);
    expect(eventEnd(bytes('data: a\r\rdata: b'))).toBe(9);
    expect(eventEnd(bytes('data: a\r\n\ndata: b'))).toBe(10);
    expect(eventEnd(bytes('data: a\r\n'))).toBe(-1);
    expect(eventEnd(bytes('data: a\r\n\r'))).toBe(-1);
    expect(eventEnd(bytes('data: a\ndata: b\n'))).toBe(-1);
  });

  it('passes a stream through byte for byte however it is cut, and reads its answer', async () => {
    const whole = bytes(ANTHROPIC);
    for (const size of [1, 2, 3, 7, 64, whole.length]) {
      const pieces: Uint8Array[] = [];
      for (let at = 0; at < whole.length; at += size) pieces.push(whole.slice(at, at + size));
      const { out, answer } = await run(pieces, new AnthropicStreamDecoder('anthropic', null));
      expect(out, `pieces of ${size}`).toEqual(whole);
      expect(answer, `pieces of ${size}`).toMatchObject({
        text: 'Olá, mundo 🌍',
        finishReason: 'end_turn',
        usage: { inputTokens: 7, outputTokens: 4 },
      });
    }
  });

  it('hands the first event over alone and at once, even when one chunk holds the whole answer', async () => {
    let firstEvents = 0;
    const decoder = new AnthropicStreamDecoder('anthropic', null);
    const push = decoder.push.bind(decoder);
    let decoded = 0;
    let decodedAtFirst = 0;
    decoder.push = (event) => {
      decoded++;
      return push(event);
    };
    const stream = passThroughSse(upstream([bytes(ANTHROPIC)]), {
      provider: 'anthropic',
      apiKey: null,
      decoder,
      idleMs: 1_000,
      errorFrame: (error) => `event: error\ndata: ${error.reason}\n\n`,
      onComplete: () => undefined,
      onFirstEvent: () => {
        firstEvents++;
        decodedAtFirst = decoded;
      },
    });
    const reader = stream.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe(ANTHROPIC.split('\n\n')[0] + '\n\n');
    expect(firstEvents).toBe(1);
    // Only it was checked before it was ready: the rest of the chunk waited for the next pull.
    expect(decodedAtFirst).toBe(1);
    let rest = '';
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      rest += new TextDecoder().decode(next.value);
    }
    expect(new TextDecoder().decode(first.value) + rest).toBe(ANTHROPIC);
    expect(firstEvents).toBe(1);
  });

  it('says once when the stream ends, whole, broken or cancelled, and only then', async () => {
    const watched = (pieces: Uint8Array[]) => {
      const seen: string[] = [];
      const stream = passThroughSse(upstream(pieces), {
        provider: 'anthropic',
        apiKey: null,
        decoder: new AnthropicStreamDecoder('anthropic', null),
        idleMs: 1_000,
        errorFrame: (error) => `event: error\ndata: ${error.reason}\n\n`,
        onComplete: () => seen.push('complete'),
        onFirstTaken: () => seen.push('taken'),
        onEnd: () => seen.push('end'),
        beforeClose: async () => void seen.push('beforeClose'),
      });
      return { reader: stream.getReader(), seen };
    };
    const drain = async (reader: ReadableStreamDefaultReader<Uint8Array>) => {
      while (!(await reader.read()).done);
    };

    const whole = watched([bytes(ANTHROPIC)]);
    await whole.reader.read();
    await whole.reader.read();
    // The client has taken the first event and asked for more: not the end yet.
    expect(whole.seen).toEqual(['taken']);
    await drain(whole.reader);
    expect(whole.seen).toEqual(['taken', 'complete', 'end', 'beforeClose']);

    const cancelled = watched([bytes(ANTHROPIC)]);
    await cancelled.reader.read();
    expect(cancelled.seen).not.toContain('end');
    await cancelled.reader.cancel();
    expect(cancelled.seen).toEqual(['taken', 'end']);

    const broken = watched([bytes(ANTHROPIC.slice(0, ANTHROPIC.indexOf('event: message_stop')))]);
    await drain(broken.reader);
    expect(broken.seen).toEqual(['taken', 'end']);
  });

  it('keeps Gemini’s CRLF events whole, and ends a stream that stops early with an error event', async () => {
    const chunk = (text: string, finish = false) =>
      `data: {"candidates":[{"content":{"parts":[{"text":"${text}"}]}${finish ? ',"finishReason":"STOP"' : ''}}]}\r\n\r\n`;
    const complete = await run(
      [bytes(chunk('a ') + chunk('b', true))],
      new GoogleStreamDecoder('google', null),
    );
    expect(complete.answer?.text).toBe('a b');
    const early = await run([bytes(chunk('a '))], new GoogleStreamDecoder('google', null));
    expect(early.answer).toBeNull();
    expect(early.text).toBe(`${chunk('a ')}event: error\ndata: STREAM_BROKEN\n\n`);
  });

  it('never passes on a malformed event: the error event replaces it', async () => {
    const { text, answer } = await run(
      [
        bytes(ANTHROPIC.slice(0, ANTHROPIC.indexOf('event: content_block_stop'))),
        bytes('data: {"type":\n\n'),
      ],
      new AnthropicStreamDecoder('anthropic', null),
    );
    expect(answer).toBeNull();
    expect(text.endsWith('"text":"mundo 🌍"}}\n\nevent: error\ndata: STREAM_BROKEN\n\n')).toBe(
      true,
    );
  });
});

describe('redact', () => {
  it('removes a key whole, masked, or as a run of 8 or more of its characters', () => {
    const key = 'sk-proj-AbCdEfGhIjKlMnOpQrSt1234';
    expect(redact(`bad key ${key}.`, key)).toBe('bad key [redacted].');
    expect(redact('Incorrect API key provided: sk-p************************1234.', key)).toBe(
      'Incorrect API key provided: [redacted].',
    );
    expect(redact('the key begins sk-proj-AbCd and ends', key)).toBe(
      'the key begins [redacted] and ends',
    );
    expect(redact('unrelated text stays', key)).toBe('unrelated text stays');
  });
});
