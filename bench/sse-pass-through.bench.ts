/**
 * What the drop-in routes' SSE pass-through (src/http/sse-pass-through.ts)
 * costs on the request's thread for an answer of 15, 200 and 2,000 events
 * in OpenAI's format, cut as the provider fake cuts them (every event in two
 * chunks), the upstream already received: the work after the first event
 * that every request on the thread shares. Prints the median per answer.
 */
import { it } from 'vitest';
import { passThroughSse } from '../src/http/sse-pass-through';
import { OpenAiStreamDecoder } from '../src/providers/openai/decode';

const encoder = new TextEncoder();

/** An OpenAI chat stream of `words` content events, each event in two chunks. */
function answerChunks(words: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  const event = (delta: object, finish: string | null = null) => {
    const bytes = encoder.encode(
      `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`,
    );
    const cut = Math.floor(bytes.length / 2);
    chunks.push(bytes.slice(0, cut), bytes.slice(cut));
  };
  event({ role: 'assistant', content: '' });
  for (let i = 0; i < words; i++) event({ content: `word${i} ` });
  event({}, 'stop');
  chunks.push(encoder.encode('data: [DONE]\n\n'));
  return chunks;
}

/** Passes one answer through and reads it to its end; the answer's length, as a check. */
async function passOnce(chunks: Uint8Array[]): Promise<number> {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  let answered = -1;
  const reader = passThroughSse(
    { response: new Response(body), abort: new AbortController() },
    {
      provider: 'openai',
      apiKey: null,
      decoder: new OpenAiStreamDecoder('openai', null),
      idleMs: 60_000,
      errorFrame: () => 'data: {"error":"bench"}\n\n',
      onComplete: (answer) => (answered = answer.text.length),
      headersDueMs: 2_000,
    },
  ).getReader();
  while (!(await reader.read()).done);
  return answered;
}

it('SSE pass-through, per answer', async () => {
  const lines = ['SSE pass-through (median ms per answer, the upstream already received)'];
  for (const words of [15, 200, 2_000]) {
    const chunks = answerChunks(words);
    for (let i = 0; i < 20; i++) await passOnce(chunks); // warm up
    const batch = Math.max(2, Math.round(2_000 / words));
    const samples: number[] = [];
    let answered = 0;
    for (let s = 0; s < 40; s++) {
      const started = performance.now();
      for (let b = 0; b < batch; b++) answered = await passOnce(chunks);
      samples.push((performance.now() - started) / batch);
    }
    samples.sort((a, b) => a - b);
    lines.push(
      `  ${String(words).padStart(5)} events: ${samples[samples.length >> 1]!.toFixed(3)} ms (answer of ${answered} characters)`,
    );
  }
  console.log(lines.join('\n'));
});
