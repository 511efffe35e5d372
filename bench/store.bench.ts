/**
 * What a store costs through GraphQL, inside workerd: `storeMemory` (one
 * memory), `storeMemories` with 12 memories for one vault, and the same 12
 * spread over three vaults (four each), which is checked by every vault
 * before any of them writes. The variants are measured in turns within one
 * run and reported as medians and ratios to the one-vault batch; workerd's
 * clock ticks in whole milliseconds, so a sample is the mean of a batch of
 * calls.
 */
import { env, exports } from 'cloudflare:workers';
import { SignJWT } from 'jose';
import { it } from 'vitest';

const BATCH = 5;
const SAMPLES = 20;
const BASE = 'http://memoryrouter.bench';
const STORE_MANY =
  'mutation($inputs: [StoreMemoryInput!]!) { storeMemories(inputs: $inputs) { id } }';
const STORE_ONE = 'mutation($input: StoreMemoryInput!) { storeMemory(input: $input) { id } }';

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
  const body = (await response.json()) as {
    data?: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    errors?: { message: string }[];
  };
  if (body.errors) throw new Error(body.errors[0]!.message);
  return body.data!;
}

it('store cost through GraphQL', async () => {
  const admin = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('bench-store-account')
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(env.ADMIN_JWT_SECRET));
  const created = await graphql(
    admin,
    'mutation { createMemoryKey(name: "bench-store") { secret } }',
  );
  const secret = created.createMemoryKey.secret as string;

  let counter = 0;
  const content = () => `note ${counter++}: the user mentioned topic ${counter % 17} today`;
  const variants: [string, () => Promise<unknown>][] = [
    [
      'storeMemory, one memory',
      () => graphql(secret, STORE_ONE, { input: { content: content(), vault: session('one') } }),
    ],
    [
      'storeMemories, 12 in one vault',
      () =>
        graphql(secret, STORE_MANY, {
          inputs: Array.from({ length: 12 }, () => ({ content: content(), vault: session('a') })),
        }),
    ],
    [
      'storeMemories, 12 over 3 vaults',
      () =>
        graphql(secret, STORE_MANY, {
          inputs: Array.from({ length: 12 }, (_, i) => ({
            content: content(),
            vault: session(['b', 'c', 'd'][i % 3]!),
          })),
        }),
    ],
  ];
  // Warm-up: every vault exists and every module is loaded before timing.
  for (const [, run] of variants) await run();

  const samples = variants.map(() => [] as number[]);
  for (let s = 0; s < SAMPLES; s++) {
    for (const [v, [, run]] of variants.entries()) {
      const started = Date.now();
      for (let b = 0; b < BATCH; b++) await run();
      samples[v]!.push((Date.now() - started) / BATCH);
    }
  }
  const reference = median(samples[1]!);
  console.log(
    [
      '',
      'MemoryRouter store benchmark — GraphQL mutations through the Worker, offline embedder',
      ...variants.map(([label], v) => {
        const value = median(samples[v]!);
        return `  ${label.padEnd(34)} p50 ${value.toFixed(1)} ms   ${(value / reference).toFixed(2)}× the one-vault batch`;
      }),
      `  (samples are means of ${BATCH} consecutive calls; variants measured in turns, ${SAMPLES} samples each)`,
      '',
    ].join('\n'),
  );
});

function session(id: string) {
  return { kind: 'SESSION', id: `bench-${id}` };
}
