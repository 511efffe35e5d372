/**
 * What the drop-in chat route adds to a provider call, inside workerd: the
 * same OpenAI-format request sent straight to the fake provider and through
 * /v1/chat/completions (memory key check, memory search over a 200-memory
 * vault, injection, forwarding, metering), non-streamed and streamed (a
 * 2,000-event answer passed through event by event while it is decoded);
 * the same for a Responses API request through /v1/responses.
 * Both are measured in the same run and reported as medians and their ratio;
 * workerd's clock ticks in whole milliseconds, so a sample is the mean of a
 * batch of calls.
 */
import { env, exports } from 'cloudflare:workers';
import { SignJWT } from 'jose';
import { it } from 'vitest';

const BATCH = 5;
const SAMPLES = 20;
const BASE = 'http://memoryrouter.bench';

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function graphql(token: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await exports.default.fetch(
    new Request(`${BASE}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    }),
  );
  return (await response.json()) as { data: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function timed(run: () => Promise<void>): Promise<number[]> {
  const samples: number[] = [];
  for (let s = 0; s < SAMPLES; s++) {
    const started = Date.now();
    for (let b = 0; b < BATCH; b++) await run();
    samples.push((Date.now() - started) / BATCH);
  }
  return samples;
}

it('drop-in route overhead', async () => {
  const admin = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('bench-account')
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(env.ADMIN_JWT_SECRET));
  const created = await graphql(admin, 'mutation { createMemoryKey(name: "bench") { secret } }');
  const secret = created.data.createMemoryKey.secret as string;
  for (let batch = 0; batch < 2; batch++) {
    await graphql(
      secret,
      'mutation($inputs: [StoreMemoryInput!]!) { storeMemories(inputs: $inputs) { id } }',
      {
        inputs: Array.from({ length: 100 }, (_, i) => ({
          content: `memory ${batch}-${i}: the user likes topic ${i % 17}`,
        })),
      },
    );
  }

  const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(' ');
  const request = (stream: boolean, text: string) => ({
    model: 'gpt-4o',
    stream,
    messages: [{ role: 'user', content: `topic 3: ${text}` }],
  });
  const apis = {
    chat: { path: '/v1/chat/completions', body: request },
    responses: {
      path: '/v1/responses',
      body: (stream: boolean, text: string) => ({
        model: 'gpt-4o',
        stream,
        input: `topic 3: ${text}`,
      }),
    },
  };
  type Api = keyof typeof apis;
  const overheads: number[] = [];
  const viaRouter = (api: Api, stream: boolean, text: string) => async () => {
    const response = await exports.default.fetch(
      new Request(`${BASE}${apis[api].path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${secret}`,
          'x-provider-key': 'sk-bench',
          'x-memory-store': 'false',
          'x-memory-store-response': 'false',
        },
        body: JSON.stringify(apis[api].body(stream, text)),
      }),
    );
    overheads.push(Number(response.headers.get('x-mr-overhead-ms')));
    await response.arrayBuffer();
  };
  const direct = (api: Api, stream: boolean, text: string) => async () => {
    const response = await fetch(`https://api.openai.com${apis[api].path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
      body: JSON.stringify(apis[api].body(stream, text)),
    });
    await response.arrayBuffer();
  };

  const lines = [
    'MemoryRouter drop-in benchmark — /v1/chat/completions and /v1/responses vs the same call straight to the fake provider',
  ];
  for (const [label, stream, text] of [
    ['non-streamed, short answer', false, 'hello'],
    ['streamed, 2,000-event answer', true, words(2_000)],
  ] as const) {
    for (const api of ['chat', 'responses'] as const) {
      await viaRouter(api, stream, text)();
      await direct(api, stream, text)();
      overheads.length = 0;
      const routed = median(await timed(viaRouter(api, stream, text)));
      const straight = median(await timed(direct(api, stream, text)));
      lines.push(
        `  ${`${label}, ${api}`.padEnd(40)} direct p50 ${straight.toFixed(1)} ms   via MemoryRouter p50 ${routed.toFixed(1)} ms   ratio ${(routed / Math.max(straight, 0.1)).toFixed(2)}   X-MR-Overhead-Ms p50 ${median(overheads)}`,
      );
    }
  }

  // Time to first token: a streamed call with memory READ, the client
  // leaving after the first bytes, as bench:api's chat row does.
  const firstBytes = (response: Response) => {
    const reader = response.body!.getReader();
    return reader.read().then(() => reader.cancel());
  };
  const ttftRouted = async () => {
    const response = await exports.default.fetch(
      new Request(`${BASE}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${secret}`,
          'x-provider-key': 'sk-bench',
          'x-memory-mode': 'read',
        },
        body: JSON.stringify(request(true, 'what does the user like about topic 3')),
      }),
    );
    notePhases(response.headers.get('server-timing'));
    await firstBytes(response);
  };
  // Mean Server-Timing phases of the routed calls: where its time to first token goes.
  const phaseSums = new Map<string, { total: number; count: number }>();
  const notePhases = (header: string | null) => {
    for (const entry of (header ?? '').split(', ')) {
      const [name, duration] = entry.split(';dur=');
      if (name === undefined || duration === undefined) continue;
      const sum = phaseSums.get(name) ?? { total: 0, count: 0 };
      sum.total += Number(duration);
      sum.count += 1;
      phaseSums.set(name, sum);
    }
  };
  const ttftDirect = async () => {
    const response = await fetch('https://api.openai.com/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
      body: JSON.stringify(request(true, 'hello')),
    });
    await firstBytes(response);
  };
  await ttftRouted();
  await ttftDirect();
  phaseSums.clear();
  const routed = median(await timed(ttftRouted));
  const straight = median(await timed(ttftDirect));
  lines.push(
    `  ${'streamed TTFT, memory READ'.padEnd(40)} direct p50 ${straight.toFixed(1)} ms   via MemoryRouter p50 ${routed.toFixed(1)} ms   ratio ${(routed / Math.max(straight, 0.1)).toFixed(2)}`,
    `    its Server-Timing (means): ${[...phaseSums]
      .map(([name, { total, count }]) => `${name} ${(total / count).toFixed(2)}`)
      .join(', ')}`,
  );
  console.log(lines.join('\n'));
});
