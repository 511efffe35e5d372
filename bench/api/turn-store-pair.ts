/**
 * `npx tsx bench/api/turn-store-pair.ts [ROUNDS]`: what waiting for a chat
 * turn's store adds to a non-streamed answer (the receipt says whether the
 * turn was stored, so the answer waits for it). One `wrangler dev` (ports
 * 8831/9331, or BENCH_API_PORT / BENCH_API_INSPECTOR_PORT) and the provider
 * fake; a SESSION vault of 200 memories; per round, shuffled: the drop-in
 * route and the GraphQL mutation, each READ_WRITE (stores the turn) and READ
 * (stores nothing). Prints each row's p50 and the per-round ratio
 * READ_WRITE / READ. Only ratios within one run mean anything.
 */
import { devServer } from '../../scripts/live/dev-server.mjs';
import { startProviderFake } from '../../test/live/setup/provider-fake';
import { adminToken } from './admin-token';

const ROUNDS = Number(process.argv[2] ?? 60);
const fake = await startProviderFake();
const server = await devServer({
  port: Number(process.env.BENCH_API_PORT ?? 8831),
  inspectorPort: Number(process.env.BENCH_API_INSPECTOR_PORT ?? 9331),
  vars: { COMPATIBLE_BASE_URL: `${fake.url}/v1`, SNAPSHOT_DELAY_SECONDS: '3600' },
});
async function gql(
  token: string,
  query: string,
  variables: object = {},
): Promise<Record<string, unknown>> {
  const r = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await r.json()) as {
    data?: Record<string, unknown>;
    errors?: { message: string }[];
  };
  if (body.errors?.length) throw new Error(body.errors[0]!.message);
  return body.data ?? {};
}
try {
  const admin = await adminToken('turnbench');
  const created = await gql(admin, 'mutation { createMemoryKey(name: "b") { secret } }');
  const secret = (created.createMemoryKey as { secret: string }).secret;
  for (let batch = 0; batch < 2; batch++) {
    await gql(secret, 'mutation($i: [StoreMemoryInput!]!) { storeMemories(inputs: $i) { id } }', {
      i: Array.from({ length: 100 }, (_, k) => ({
        content: `note ${batch}-${k} about trains, tea and the garden`,
        vault: { kind: 'SESSION', id: 'bench' },
      })),
    });
  }
  const dropIn = (mode: string) => async () => {
    const r = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${secret}`,
        'x-session-id': 'bench',
        'x-memory-mode': mode,
      },
      body: JSON.stringify({
        model: 'compatible/bench',
        messages: [{ role: 'user', content: 'what about the garden and tea?' }],
      }),
    });
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`status ${r.status}`);
  };
  const mutation = (mode: string) => async () => {
    await gql(
      secret,
      'mutation($input: ChatInput!) { chat(input: $input) { content memory { memoryTokens } } }',
      {
        input: {
          model: 'compatible/bench',
          sessionId: 'bench',
          memoryMode: mode,
          messages: [{ role: 'USER', content: 'what about the garden and tea?' }],
        },
      },
    );
  };
  const rows: Record<string, () => Promise<void>> = {
    'drop-in READ_WRITE': dropIn('on'),
    'drop-in READ': dropIn('read'),
    'mutation READ_WRITE': mutation('READ_WRITE'),
    'mutation READ': mutation('READ'),
  };
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(rows).map((k) => [k, []]));
  for (const run of Object.values(rows)) for (let w = 0; w < 5; w++) await run();
  for (let round = 0; round < ROUNDS; round++) {
    const order = Object.keys(rows).sort(() => Math.random() - 0.5);
    for (const name of order) {
      const started = performance.now();
      await rows[name]!();
      times[name]!.push(performance.now() - started);
    }
  }
  const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const pairs = (a: string, b: string) => {
    const ratios = times[a]!.map((t, i) => t / times[b]![i]!);
    return p50(ratios);
  };
  for (const [name, xs] of Object.entries(times))
    console.log(`${name}: p50 ${p50(xs).toFixed(2)} ms`);
  console.log(
    `drop-in READ_WRITE / READ, per-round ratio p50: ${pairs('drop-in READ_WRITE', 'drop-in READ').toFixed(3)}`,
  );
  console.log(
    `mutation READ_WRITE / READ, per-round ratio p50: ${pairs('mutation READ_WRITE', 'mutation READ').toFixed(3)}`,
  );
} finally {
  await server.stop();
  fake.server.close();
}
