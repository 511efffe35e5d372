/**
 * What the drop-in routes' SSE pass-through (src/http/sse-pass-through.ts)
 * costs on the request's thread for an answer of 15, 200 and 2,000 events
 * in OpenAI's chat format and in its Responses API format (named events,
 * each delta with its item, indexes and sequence number), cut as the
 * provider fake cuts them (every event in two chunks), the upstream already
 * received: the work after the first event that every request on the thread
 * shares. The two formats' samples alternate; prints the median per answer
 * and their ratio.
 */
import { it } from 'vitest';
import { passThroughSse } from '../src/http/sse-pass-through';
import type { StreamDecoder } from '../src/providers/decoder';
import { OpenAiStreamDecoder } from '../src/providers/openai/decode';
import { ResponsesStreamDecoder } from '../src/providers/openai/responses-decode';

const encoder = new TextEncoder();

/** An event's bytes in two chunks, as the fake cuts them. */
function halves(chunks: Uint8Array[], text: string): void {
  const bytes = encoder.encode(text);
  const cut = Math.floor(bytes.length / 2);
  chunks.push(bytes.slice(0, cut), bytes.slice(cut));
}

/** An OpenAI chat stream of `words` content events, each event in two chunks. */
function answerChunks(words: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  const event = (delta: object, finish: string | null = null) =>
    halves(
      chunks,
      `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`,
    );
  event({ role: 'assistant', content: '' });
  for (let i = 0; i < words; i++) event({ content: `word${i} ` });
  event({}, 'stop');
  chunks.push(encoder.encode('data: [DONE]\n\n'));
  return chunks;
}

/** The same answer as Responses API events (lifecycle, item and part events around the deltas). */
function responsesChunks(words: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let sequence = 0;
  const event = (type: string, fields: object) =>
    halves(
      chunks,
      `event: ${type}\ndata: ${JSON.stringify({ type, ...fields, sequence_number: sequence++ })}\n\n`,
    );
  const response = (status: string, output: object[]) => ({
    id: 'resp_bench',
    object: 'response',
    created_at: 1_764_000_000,
    status,
    model: 'gpt-4o',
    output,
    usage: status === 'completed' ? { input_tokens: 40, output_tokens: words } : null,
  });
  const where = { item_id: 'msg_bench', output_index: 0, content_index: 0 };
  const text = Array.from({ length: words }, (_, i) => `word${i} `).join('');
  const part = { type: 'output_text', annotations: [], logprobs: [], text };
  const message = { id: 'msg_bench', type: 'message', status: 'completed', role: 'assistant' };
  event('response.created', { response: response('in_progress', []) });
  event('response.output_item.added', {
    output_index: 0,
    item: { ...message, status: 'in_progress', content: [] },
  });
  event('response.content_part.added', { ...where, part: { ...part, text: '' } });
  for (let i = 0; i < words; i++)
    event('response.output_text.delta', {
      ...where,
      delta: `word${i} `,
      logprobs: [],
      obfuscation: 'Zm',
    });
  event('response.output_text.done', { ...where, text, logprobs: [] });
  event('response.content_part.done', { ...where, part });
  event('response.output_item.done', { output_index: 0, item: { ...message, content: [part] } });
  event('response.completed', {
    response: response('completed', [{ ...message, content: [part] }]),
  });
  return chunks;
}

/** Passes one answer through and reads it to its end; the answer's length, as a check. */
async function passOnce(chunks: Uint8Array[], decoder: () => StreamDecoder): Promise<number> {
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
      decoder: decoder(),
      idleMs: 60_000,
      errorFrame: () => 'data: {"error":"bench"}\n\n',
      onComplete: (answer) => (answered = answer.text.length),
      headersDueMs: 2_000,
    },
  ).getReader();
  while (!(await reader.read()).done);
  return answered;
}

const FORMATS = [
  { name: 'chat', chunks: answerChunks, decoder: () => new OpenAiStreamDecoder('openai', null) },
  {
    name: 'responses',
    chunks: responsesChunks,
    decoder: () => new ResponsesStreamDecoder('openai', null),
  },
];

it('SSE pass-through, per answer', async () => {
  const lines = ['SSE pass-through (median ms per answer, the upstream already received)'];
  for (const words of [15, 200, 2_000]) {
    const runs = FORMATS.map((format) => ({ ...format, chunks: format.chunks(words) }));
    for (const run of runs) for (let i = 0; i < 20; i++) await passOnce(run.chunks, run.decoder); // warm up
    const batch = Math.max(2, Math.round(2_000 / words));
    const samples = runs.map((): number[] => []);
    const answered = runs.map(() => 0);
    for (let s = 0; s < 40; s++) {
      for (const [index, run] of runs.entries()) {
        const started = performance.now();
        for (let b = 0; b < batch; b++) answered[index] = await passOnce(run.chunks, run.decoder);
        samples[index]!.push((performance.now() - started) / batch);
      }
    }
    const medians = samples.map((values) => values.sort((a, b) => a - b)[values.length >> 1]!);
    lines.push(
      `  ${String(words).padStart(5)} events: chat ${medians[0]!.toFixed(3)} ms, responses ${medians[1]!.toFixed(3)} ms (×${(medians[1]! / medians[0]!).toFixed(2)}; answers of ${answered.join(' / ')} characters)`,
    );
  }
  console.log(lines.join('\n'));
});
