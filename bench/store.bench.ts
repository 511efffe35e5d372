/**
 * What a store costs through GraphQL, inside workerd: `storeMemory` (one
 * memory), `storeMemories` with 12 memories for one vault, and the same 12
 * spread over three vaults (four each), which is checked by every vault
 * before any of them writes. The variants are measured in turns within one
 * run and reported as medians and ratios to the one-vault batch; workerd's
 * clock ticks in whole milliseconds, so a sample is the mean of a batch of
 * calls.
 */
import { it } from 'vitest';
import { benchMemoryKey, graphql, median, timeInTurns } from './worker-graphql';

const BATCH = 5;
const SAMPLES = 20;
const STORE_MANY =
  'mutation($inputs: [StoreMemoryInput!]!) { storeMemories(inputs: $inputs) { id } }';
const STORE_ONE = 'mutation($input: StoreMemoryInput!) { storeMemory(input: $input) { id } }';

it('store cost through GraphQL', async () => {
  const { secret } = await benchMemoryKey('bench-store-account', 'bench-store');

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

  const samples = await timeInTurns(
    variants.map(([, run]) => run),
    SAMPLES,
    BATCH,
  );
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
